"""Shared fixtures: a scratch copy of the sample data, and English by default."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from smalldata import write_data

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _english_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see no Chinese locale unless they ask for one."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture()
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary working directory holding a copy of data/ and an empty output/."""
    shutil.copytree(ROOT / "data", tmp_path / "data", ignore=shutil.ignore_patterns("backup"))
    (tmp_path / "output").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture()
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary working directory whose data/ holds the small files of smalldata.py."""
    monkeypatch.chdir(tmp_path)
    return write_data(tmp_path)


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


@pytest.fixture()
def forked() -> Callable[[int], list[int]]:
    """``forked(pid)``: the processes ``pid`` has forked that are still there (from /proc), to
    check that a batch run leaves no worker behind."""
    return _children
