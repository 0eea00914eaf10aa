"""An output folder this user may not write, or cannot create, is named as such (newuser11 finding
6): not the output file tried first (the anomalies file, sorted before the bill file)."""

from __future__ import annotations

import os
from pathlib import Path

from command import Result, run
from smalldata import write_data
from unprivileged import scratch, unprivileged


def test_a_read_only_output_folder_is_named() -> None:
    """As ``nobody``, in a folder of its own: ``ro`` mode 555. ``--out ro/b.txt --anomalies ro/a.txt``
    names ``ro`` as a folder that cannot be written; ``ro/sub/b.txt`` names ``ro/sub`` as one that
    cannot be created; in Chinese too; nothing is written, exit 2."""
    with scratch() as folder:
        def attempt() -> tuple[list[Result], list[str]]:
            os.chdir(folder)
            write_data(folder)
            Path("ro").mkdir()
            os.chmod("ro", 0o555)
            results = [run("bill", "-q", "--out", "ro/b.txt", "--anomalies", "ro/a.txt"),
                       run("bill", "-q", "--out", "ro/sub/b.txt", "--anomalies", "ro/sub/a.txt"),
                       run("bill", "-q", "--out", "ro/b.txt", "--anomalies", "ro/a.txt", "--lang", "zh")]
            return results, os.listdir("ro")

        results, left = unprivileged(attempt, timeout=60)
    assert results == [
        (2, "", "error: ro: this folder cannot be written (Permission denied); nothing was written\n"),
        (2, "", "error: ro/sub: this folder cannot be created (Permission denied); nothing was written\n"),
        (2, "", "错误：ro：无法写入此文件夹（没有权限），没有写入任何文件\n"),
    ]
    assert left == []
