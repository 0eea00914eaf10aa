"""Shared fixtures: a working folder with data files in it (the sample, the small files of
``smalldata.py``), and English unless a test asks for Chinese.

Every fixture that makes a working folder makes it under ``tmp_path`` and changes into it: no test
points telbill at a path outside a temporary folder it made.
"""

from __future__ import annotations

import gc
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from telbill.store import keeper

import faults
from smalldata import FEW_CALLS, FEW_USERS, ONE_CALL, ONE_USER, write_data

ROOT = Path(__file__).resolve().parent.parent

# pytest's assertion rewriting of the ~90 test modules (2,800 asserts) is kept in tests/**/__pycache__
# (ignored by git) for the next run instead of redone by each worker on every run, also where
# PYTHONDONTWRITEBYTECODE is set, as on the project's machine: collecting the suite took 2.9 s of
# CPU without the kept files and 1.5 s with them (--collect-only -n 0, load 7), and each of the two
# workers collects it all. Only what is imported after this line is written.
sys.dont_write_bytecode = False

MEMORY = Path("/dev/shm")
MEMORY_NEEDED = 1 << 30
"""Free room /dev/shm must have to hold the tests' folders (a whole run writes about 110 MB and
pytest keeps the last three runs' folders; a container's /dev/shm is often 64 MB)."""


def _room(folder: Path) -> int:
    try:
        stat = os.statvfs(folder)
    except OSError:
        return 0
    return stat.f_bavail * stat.f_frsize


if ("PYTEST_DEBUG_TEMPROOT" not in os.environ and MEMORY.is_dir() and os.access(MEMORY, os.W_OK | os.X_OK)
        and _room(MEMORY) >= MEMORY_NEEDED):
    # The tests' temporary folders (tmp_path, pytest's own numbered ones) in memory: a run's
    # ~8,300 fsyncs of its output files and journals cost 27 s of the two workers' time on disk
    # (a whole-suite run, load 7, os.fsync timed in each worker), next to nothing on tmpfs, where
    # fsync is a real call that has nothing to wait for. pytest reads this variable (its
    # documented root for temporary folders) when it first makes one; a value already set wins.
    os.environ["PYTEST_DEBUG_TEMPROOT"] = str(MEMORY)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto`` runs the tests of a single file in this process: starting the
    workers (each imports telbill and collects) would cost more than they save (6 s against 8-10 s
    for tests/menu/test_signs_of_work.py). Several files, a folder or the whole suite: one worker
    per core (pytest-xdist's own count)."""
    files = {Path(arg.split("::")[0]).resolve() for arg in config.args}
    if len(files) == 1 and next(iter(files)).is_file():
        return 0
    return None


SLOWEST_FIRST = (
    "tests/batch/test_partitions.py", "tests/batch/test_shared_write.py",
    "tests/lists/test_keys_ordered_like_sorted.py", "tests/menu/test_in_a_real_terminal.py",
    "tests/benchmarks/test_bench.py", "tests/menu/test_paging_long_lists.py", "tests/files/test_layouts.py",
    "tests/menu/test_signs_of_work.py", "tests/test_packaging.py", "tests/menu/test_an_enter_after_y_or_n.py",
    "tests/cluster/test_cluster_same_bytes.py", "tests/lists/test_linked_list_works_like_a_python_list.py",
    "tests/menu/test_fitting_the_screen.py", "tests/files/test_stream.py",
    "tests/menu/test_questions_on_narrow_screens.py", "tests/files/test_hostile_input.py",
    "tests/session/test_after_any_changes_equals_a_fresh_load.py", "tests/batch/test_parallel.py",
    "tests/cluster/test_cluster_faults.py", "tests/files/test_loading_with_a_helper_process.py",
    "tests/batch/test_fast_paths.py", "tests/cluster/test_cluster_stopped.py", "tests/rules/test_screening.py",
    "tests/store/test_recovery_after_a_crash.py", "tests/menu/test_main_menu_and_keys.py", "tests/test_docs.py",
    "tests/lists/test_kept_sorted_through_edits.py", "tests/test_layers.py", "tests/files/test_callreader.py",
    "tests/menu/test_narrow_screens.py", "tests/batch/test_two_runs_on_one_output.py",
)
"""The files that take longest, longest first: each file's share of the whole suite's time (its
tests' setup, call and teardown, from ``--durations=0``), the mean of two whole-suite runs on two
workers on 7 December 2026 after the test folders moved to /dev/shm (load 7-9, 384 and 418 s of
test time in all), every file with 1 % or more. The workers take the long ones first and end on
short ones together. A file missing here only runs later; a slow one left last makes one worker
work on alone (tests/cluster/test_cluster_stopped.py, 6 s, and
tests/store/test_recovery_after_a_crash.py, 5 s, were missing once)."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slowest files first, then the others in their order: pytest-xdist hands whole files to
    the workers in the order collected (``--no-loadscope-reorder``; its own order, the files with
    most tests first, left a one-test file of 12 s, tests/test_packaging.py, to the end while the
    other worker was idle). Inside a file the order stays."""
    rank = {name: i for i, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))


@pytest.fixture(autouse=True)
def _english_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see no Chinese locale unless they ask for one."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(autouse=True)
def _ctrl_c_not_lost_in_a_gc_callback(request: pytest.FixtureRequest) -> Iterator[None]:
    """A Ctrl-C a test sends to this process reaches the code under test. Once Hypothesis has run
    in a worker, it times every garbage collection from a :data:`gc.callbacks` entry, and a
    KeyboardInterrupt raised while that callback runs is lost (pytest printed it as an unraisable
    exception at the end of a whole-suite run, 7 December 2026). Tests that are not Hypothesis's
    run without the callbacks; Hypothesis's own tests keep them."""
    if hasattr(request.function, "hypothesis"):
        yield
        return
    kept = gc.callbacks[:]
    gc.callbacks.clear()
    try:
        yield
    finally:
        gc.callbacks[:] = kept


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


@pytest.fixture()
def small(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary working directory whose data/ holds one user and one call (``ONE_USER``,
    ``ONE_CALL``): no tariff file, no output/."""
    monkeypatch.chdir(tmp_path)
    return write_data(tmp_path, ONE_USER, ONE_CALL)


@pytest.fixture()
def few(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary working directory whose data/ holds two users (Zhang Qiang, 张强) and one call."""
    monkeypatch.chdir(tmp_path)
    return write_data(tmp_path, FEW_USERS, FEW_CALLS)


@pytest.fixture()
def fail_mid_write(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """``fail_mid_write(fault, after=0)``: the write of the ``after``-th file opened for writing
    (0-based) stops half way with ``fault`` (a full disk, Ctrl-C, a crash)."""

    def arm(fault: BaseException, after: int = 0) -> None:
        faults.fail_mid_write(monkeypatch, fault, after)

    return arm


@pytest.fixture()
def hook() -> Iterator[Callable[[Callable[[str], None]], None]]:
    """``hook(fn)``: ``fn(step)`` runs at each step of the next saves (``prepared``, ``journal``,
    ``linked``, ``checked``, ``applied:users``…, ``done``), as telbill.store.keeper names them."""

    def arm(fn: Callable[[str], None]) -> None:
        keeper.STEP_HOOK = fn

    yield arm
    keeper.STEP_HOOK = None
