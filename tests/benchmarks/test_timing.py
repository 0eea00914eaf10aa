"""The benchmark's memory sampler (`benchmarks/timing.py`): what it reads of `/proc`, and a
process tree's peak with the pages a fork shares counted once."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from benchmarks import timing

pytestmark = pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="Linux /proc only")

STATUS = b"Name:\tpython3\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t1\n"


def test_values_are_found_by_name_in_any_order() -> None:
    """A /proc file's values are read by their names, whatever their order."""
    assert timing._values(STATUS, b"VmRSS", b"VmHWM") == [102400, 204800]
    assert timing._values(STATUS, b"VmHWM") == [204800]


def test_a_missing_or_unreadable_value_is_none() -> None:
    """A value missing, not a number, or only named inside another line's value is none at all."""
    assert timing._values(STATUS, b"VmRSS", b"VmSwap") is None
    assert timing._values(b"Name:\tx\nVmRSS:\t12x kB\n", b"VmRSS") is None
    assert timing._values(b"", b"VmRSS") is None
    # a name inside another line's value is not that line
    assert timing._values(b"Name:\tVmRSS: 5 kB\n", b"VmRSS") is None


def test_a_process_read_again_and_once_ended() -> None:
    """A process's held files are read again from their start, and give nothing once it has ended."""
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        proc = timing._Proc(child.pid)
        first = proc.memory_kib()
        assert first is not None and 0 < first[0] <= first[1]
        assert proc.memory_kib() is not None  # read again from the start of the same descriptor
        assert proc.cpu_ticks() is not None
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait()
    assert proc.memory_kib() is None  # gone: nothing, not another process's figures
    assert proc.cpu_ticks() is None
    proc.close()


_TREE = textwrap.dedent("""\
    import os, sys, time
    shared = bytearray(48 << 20)          # touched: resident, then shared with the child
    for at in range(0, len(shared), 4096):
        shared[at] = 1
    if os.fork() == 0:
        own = bytearray(24 << 20)
        for at in range(0, len(own), 4096):
            own[at] = 1
        time.sleep(1.0)
        os._exit(0)
    time.sleep(1.2)
    os.wait()
""")


def test_pages_a_fork_shares_count_once() -> None:
    """The pages a forked child shares with its parent count once in the peak PSS (twice in the summed RSS),
    from the child's first sample on; each process's own peak is kept, and every held file closed at the end."""
    proc = subprocess.Popen([sys.executable, "-c", _TREE])
    memory = timing.TreeMemory(proc.pid)
    proc.wait()
    memory.stop()
    assert memory.processes == 2
    mib = 1024
    assert memory.peak_sum_kib >= (48 * 2 + 24) * mib  # the shared 48 MiB in both resident sets
    assert memory.peak_pss_kib >= (48 + 24) * mib
    assert memory.peak_pss_kib <= memory.peak_sum_kib - 40 * mib  # ... but once in the PSS
    assert len(memory.hwm_kib) == 2 and min(memory.hwm_kib.values()) >= 48 * mib
    assert not memory._procs  # every file it held is closed once it stops


def test_a_timed_job_writes_no_bytecode(tmp_path: Path) -> None:
    """A timed job reads the bytecode compile_jobs made but writes none, whatever the environment it
    is given: a module without bytecode (as one of the system Python's may be) is left as it is,
    its folder unwritten; everything else of its environment as given."""
    (tmp_path / "plainmod.py").write_text("VALUE = 1\n", encoding="utf-8")
    env = {"PATH": "/bin", "LANG": "C.UTF-8", "PYTHONPATH": str(tmp_path)}
    timing.measure([sys.executable, "-c", "import plainmod"], tmp_path, env)
    assert not (tmp_path / "__pycache__").exists()
    assert timing.job_env(env) == {**env, "PYTHONDONTWRITEBYTECODE": "1"}


def test_the_jobs_packages_are_compiled_before_they_are_timed(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """compile_jobs byte-compiles every module of an installed package, subpackages too, and passes over a
    package that is not installed."""
    package = tmp_path / "jobpkg"
    (package / "inner").mkdir(parents=True)
    for module in (package / "__init__.py", package / "rules.py", package / "inner" / "__init__.py"):
        module.write_text("VALUE = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    timing.compile_jobs(["jobpkg", "no_such_package_here"])  # one not installed is passed over
    compiled = {p.name.split(".")[0] for p in package.rglob("__pycache__/*.pyc")}
    assert compiled == {"__init__", "rules"}
    assert list((package / "inner" / "__pycache__").glob("__init__.*.pyc"))


def test_the_system_pythons_packages_are_left_as_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A package under the system Python's prefix is not compiled by the bench (only its own tree and venv are)."""
    package = tmp_path / "lib" / "systempkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("VALUE = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "lib"))
    monkeypatch.setattr(sys, "base_prefix", str(tmp_path))
    timing.compile_jobs(["systempkg"])
    assert not (package / "__pycache__").exists()
