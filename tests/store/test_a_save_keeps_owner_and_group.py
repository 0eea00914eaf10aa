"""A save keeps the replaced file's group, and its owner when run as root (issue 18, item 10; SPEC §7)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from smalldata import open_session, write_data
from unprivileged import IS_ROOT, NOBODY, scratch, unprivileged

GROUP = 4242
"""A group the operator is in (no such group needs to exist: ids are numbers)."""

pytestmark = pytest.mark.skipif(not IS_ROOT, reason="giving files to other users and groups needs root")


def test_a_save_by_a_member_of_the_files_group_keeps_the_group() -> None:
    """A data folder ``root:4242`` with group write, the files ``root:4242`` 0664, the operator in group
    4242: after a modify and a delete the files are still the group's, with their mode, so the rest of
    the group can still save (they used to become the operator's own uid and gid)."""
    with scratch() as folder:
        write_data(folder)
        for path in (folder / "data", folder / "data/users.txt", folder / "data/calls.txt"):
            os.chown(path, 0, GROUP)
            os.chmod(path, 0o775 if path.is_dir() else 0o664)
        (folder / "output").mkdir()
        os.chown(folder / "output", NOBODY.pw_uid, NOBODY.pw_gid)

        def save() -> list[tuple[int, int, int]]:
            os.chdir(folder)
            s = open_session()
            s.modify_user("83470002", name="Li Ma")
            s.delete_call(s.calls_of("83470000").head.item)  # type: ignore[union-attr]
            return [(st.st_uid, st.st_gid, st.st_mode & 0o7777)
                    for st in (os.stat("data/users.txt"), os.stat("data/calls.txt"))]

        owners = unprivileged(save, groups=[GROUP])
    assert owners == [(NOBODY.pw_uid, GROUP, 0o664)] * 2


def test_a_save_by_root_keeps_the_owner_and_the_group(data: Path) -> None:
    """Root saving a file of another user's: owner, group and mode stay as they were."""
    for name in ("users.txt", "calls.txt"):
        os.chown(data / "data" / name, NOBODY.pw_uid, GROUP)
        os.chmod(data / "data" / name, 0o640)
    s = open_session()
    s.modify_user("83470002", name="Li Ma")
    s.delete_call(s.calls_of("83470000").head.item)  # type: ignore[union-attr]
    for name in ("users.txt", "calls.txt"):
        st = os.stat(data / "data" / name)
        assert (st.st_uid, st.st_gid, st.st_mode & 0o7777) == (NOBODY.pw_uid, GROUP, 0o640)
