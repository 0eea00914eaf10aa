"""An output named by a symbolic link is written where the link points and the link stays a link,
as a data file is saved (docs/guarantees.md); every refusal (an input, the tariff, the audit log, a
backup folder, a file not telbill's own, a device) is judged where the link points. Hostile links
are tried as ``nobody``, in a folder made for the test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from command import run
from plain import after, plain_session
from smalldata import write_data
from unprivileged import IS_ROOT, NOBODY, scratch, unprivileged

OLD = "# telbill bill detail\n# generated: long ago\n"
"""An earlier bill-detail file of telbill's (replaced without --force)."""


def _links_and_targets() -> None:
    """In the current folder: ``lk/out.txt`` → ``bills.txt`` (an old bill of telbill's), ``lk/an.txt``
    → ``../kept/an.txt`` (a link to a link, ``kept/an.txt`` → ``anomalies.txt``, nothing there
    yet), ``lk/b.csv`` → ``new/b.csv`` (a folder not made yet)."""
    Path("lk").mkdir()
    Path("lk/bills.txt").write_text(OLD, "utf-8")
    Path("kept").mkdir()
    os.symlink("bills.txt", "lk/out.txt")
    os.symlink("anomalies.txt", "kept/an.txt")
    os.symlink("../kept/an.txt", "lk/an.txt")
    os.symlink("new/b.csv", "lk/b.csv")


def _links_left() -> dict[str, str]:
    return {name: os.readlink(f"lk/{name}") for name in ("out.txt", "an.txt", "b.csv")} | {
        "kept/an.txt": os.readlink("kept/an.txt")}


def test_a_batch_writes_each_output_where_its_link_points(small: Path) -> None:
    """``telbill bill --out lk/out.txt …`` with each output a link: the files they lead to are
    written, every link is still the same link, and the summary names the outputs as given."""
    _links_and_targets()
    code, out, err = run("bill", "--out", "lk/out.txt", "--anomalies", "lk/an.txt", "--csv", "lk/b.csv")
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == "Wrote lk/out.txt, lk/an.txt, lk/b.csv."
    assert _links_left() == {"out.txt": "bills.txt", "an.txt": "../kept/an.txt", "b.csv": "new/b.csv",
                             "kept/an.txt": "anomalies.txt"}
    assert Path("lk/bills.txt").read_text("utf-8").startswith("# telbill bill detail\n# users: data/users.txt")
    assert Path("kept/anomalies.txt").read_text("utf-8").startswith("# telbill anomalous call records")
    assert Path("lk/new/b.csv").read_text("utf-8").startswith("month,phone,name,")
    assert sorted(os.listdir("lk")) == ["an.txt", "b.csv", "bills.txt", "new", "out.txt"]  # no temporary file left


def test_the_menu_writes_its_bills_and_anomalies_where_the_link_points(data: Path) -> None:
    """Item 9 given a link as the file's name, item 10 its default file a link: written where they
    point, the links kept."""
    _links_and_targets()
    Path("output").mkdir()
    os.symlink("../lk/an.txt", "output/anomalies.txt")
    _, screen = plain_session("9\n1\nlk/out.txt\n10\n0\n")
    assert "Wrote lk/out.txt." in after(screen, "== Billing")
    assert "Wrote output/anomalies.txt." in after(screen, "== Anomalies")
    assert _links_left()["out.txt"] == "bills.txt" and os.readlink("output/anomalies.txt") == "../lk/an.txt"
    assert "== 2021-01 ==" in Path("lk/bills.txt").read_text("utf-8")
    assert Path("kept/anomalies.txt").read_text("utf-8").startswith("# telbill anomalous call records")


def test_links_to_what_is_never_an_output_are_refused_as_nobody() -> None:
    """As ``nobody``: a link (or a link to a link) to the calls file, to the tariff that does not exist
    yet, to the audit log, into a backup folder, to /dev/null's like (a FIFO), to a folder, to a
    file not telbill's, and to a file of root's in a folder of root's (with --force): each refused
    in one line naming the output as given, exit 2, nothing written, every link as it was."""
    with scratch() as folder:
        victim = folder / "roots" / "victim.txt"
        if IS_ROOT:  # root's file in root's folder, inside the test's own folder
            victim.parent.mkdir()
            victim.write_text("# telbill bill detail\nroot's\n", "utf-8")
            os.chmod(victim.parent, 0o755)

        def attack() -> list[tuple[int, str, str]]:
            os.chdir(folder)
            write_data(folder)
            Path("output").mkdir()
            Path("output/audit.log").write_text("", "utf-8")
            Path("data/backup").mkdir()
            os.mkfifo("fifo")
            Path("mine.txt").write_text("my notes\n", "utf-8")
            Path("lk").mkdir()
            for name, target in (("calls", "../data/calls.txt"), ("via", "calls"), ("tariff", "../data/tariff.toml"),
                                 ("audit", "../output/audit.log"), ("backup", "../data/backup/b.txt"),
                                 ("fifo", "../fifo"), ("folder", "../data"), ("mine", "../mine.txt"),
                                 ("roots", str(victim))):
                os.symlink(target, f"lk/{name}")
            before = {p: os.readlink(p) for p in map(str, Path("lk").iterdir())}
            results = []
            for name in ("calls", "via", "tariff", "audit", "backup", "fifo", "folder", "mine"):
                results.append(tuple(run("bill", "--anomalies", f"lk/{name}")))
            results.append(tuple(run("bill", "--out", "lk/roots", "--force")))
            assert {p: os.readlink(p) for p in map(str, Path("lk").iterdir())} == before
            assert not Path("output/bills.txt").exists() and not Path("data/tariff.toml").exists()
            assert os.listdir("data/backup") == [] and Path("mine.txt").read_text("utf-8") == "my notes\n"
            return results

        results = unprivileged(attack, timeout=60)
        if IS_ROOT:
            assert victim.read_text("utf-8") == "# telbill bill detail\nroot's\n"
            assert os.listdir(victim.parent) == ["victim.txt"]
    assert [(code, out) for code, out, _ in results] == [(2, "")] * 9
    errors = [err for _, _, err in results]
    assert errors[:8] == [
        "error: lk/calls is an input file; refusing to overwrite it\n",
        "error: lk/via is an input file; refusing to overwrite it\n",
        "error: lk/tariff is an input file; refusing to overwrite it\n",
        "error: lk/audit is one of telbill's own files (the audit log, a lock or a journal); refusing to overwrite it\n",
        "error: lk/backup is inside telbill's backup folder data/backup; refusing to write there\n",
        "error: lk/fifo is not a regular file (a FIFO, a device or a socket); refusing to replace it\n",
        "error: lk/folder: is a directory; give a file name\n",
        ("error: lk/mine exists and was not written by telbill (its first line is not a telbill header); "
         "refusing to replace it (--force replaces it anyway)\n")]
    if IS_ROOT:
        assert errors[8] == f"error: {victim.parent}: this folder cannot be written (Permission denied); nothing was written\n"


@pytest.mark.skipif(not IS_ROOT, reason="the rule is about root following another user's link")
def test_root_never_writes_an_output_through_another_users_link(small: Path) -> None:
    """Run as root: ``--out`` a link made by nobody to a file of root's is refused and the file kept;
    the same link once nobody owns what it names is followed, and stays a link."""
    Path("roots.txt").write_text(OLD, "utf-8")
    Path("out.txt").symlink_to(small / "roots.txt")
    os.lchown("out.txt", NOBODY.pw_uid, NOBODY.pw_gid)
    assert run("bill", "--out", "out.txt") == (
        2, "", (f"error: out.txt: {small}/out.txt is a link made by another user (uid {NOBODY.pw_uid}) to what "
                "they do not own; run as root, telbill does not write through it\n"))
    assert Path("roots.txt").read_text("utf-8") == OLD and not Path("output").exists()
    os.chown("roots.txt", NOBODY.pw_uid, NOBODY.pw_gid)
    assert run("bill", "--out", "out.txt").code == 0
    assert Path("out.txt").is_symlink() and Path("roots.txt").read_text("utf-8").startswith("# telbill bill detail\n#")


@pytest.mark.skipif(not IS_ROOT, reason="the rule is about root following another user's link")
def test_root_never_writes_through_another_users_link_met_behind_its_own(small: Path) -> None:
    """Run as root: ``--out`` root's own link to ``nd/sub/bill.txt``, where ``nd`` is nobody's folder
    and ``sub`` nobody's link to a folder of root's. The link met while following root's is judged
    as one named: refused, nothing written in root's folder, root's link kept."""
    Path("roots").mkdir()
    Path("nd").mkdir()
    os.chown("nd", NOBODY.pw_uid, NOBODY.pw_gid)
    os.symlink(small / "roots", "nd/sub")
    os.lchown("nd/sub", NOBODY.pw_uid, NOBODY.pw_gid)
    os.symlink(small / "nd/sub/bill.txt", "out.txt")
    code, out, err = run("bill", "--out", "out.txt")
    assert (code, out) == (2, "")
    assert f"{small}/nd/sub is a link made by another user (uid {NOBODY.pw_uid})" in err
    assert os.listdir("roots") == [] and os.readlink("out.txt") == str(small / "nd/sub/bill.txt")
