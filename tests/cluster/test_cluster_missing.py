"""``telbill bill --cluster`` without the cluster extra (Dask distributed) installed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from clusterrun import spill_folders
from command import run


def test_without_dask_cluster_says_how_to_install_it(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--cluster without the cluster extra: one line saying how to install it, exit 2, nothing written."""
    monkeypatch.setitem(sys.modules, "distributed", None)
    assert run("bill", "--cluster", "local:2") == (2, "", (
        "error: --cluster needs Dask distributed, which is not installed: pip install 'telbill[cluster]'\n"))
    assert not (data / "output").exists() and not spill_folders(data)
