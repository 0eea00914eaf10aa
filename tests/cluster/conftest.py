"""A Dask cluster of two worker processes for each test module of tests/cluster (its scratch
space in a temporary folder); skipped with its reason when the cluster extra is missing."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing.resource_tracker
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The cluster's tests run last: the Dask client they run in this process leaves its threads
    (Dask's offload pool, an event loop) and some 100 MB behind, and a test that forks this
    process afterwards (the menu's loading helper) would fork a bigger, threaded parent."""
    items.sort(key=lambda item: item.path.resolve().is_relative_to(HERE))


MISSING = "the cluster extra is not installed: pip install -e '.[test,cluster]'"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A ``LocalCluster`` of 2 worker processes, shared by the module's tests; its dashboard on a
    free port (``dashboard_address=None`` starts it on 8787, which another program may hold)."""
    distributed = pytest.importorskip("distributed", reason=MISSING)
    import dask

    scratch = str(tmp_path_factory.mktemp("dask"))
    with dask.config.set({"temporary-directory": scratch}), distributed.LocalCluster(  # the scheduler's too
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.ERROR,
            local_directory=scratch) as local:
        yield local
    # The worker processes were started with multiprocessing's spawn, which left its resource
    # tracker running as a child of this process: stopped, so that the tests that check a run
    # leaves no child behind (tests/batch) see none, whatever order the tests run in.
    tracker = multiprocessing.resource_tracker._resource_tracker  # type: ignore[attr-defined]
    with contextlib.suppress(Exception):
        tracker._stop()


@pytest.fixture(autouse=True)
def _no_tmpdir(monkeypatch: pytest.MonkeyPatch) -> None:
    """Spill folders go beside the outputs (inside the test's folder)."""
    monkeypatch.delenv("TMPDIR", raising=False)
