"""Timing a whole job as a process tree: wall time and memory summed over its processes.

A job may fork workers, so its memory is not one process's ``ru_maxrss``: while
it runs, a thread reads ``/proc`` for the job's process and all its descendants.
Its memory is the peak of the SUM of their proportional set sizes (PSS, from
``/proc/PID/smaps_rollup``): a page shared by a parent and its forked worker counts
half in each, so shared pages count once, as the machine pays for them. Reading
``smaps_rollup`` walks the process's page tables (some 14 ms per GB, holding the
process's memory map locked against its own ``mmap`` and ``munmap`` meanwhile), so it is
read only every :data:`PSS_COST_SHARE`-th part of the time (at least every
:data:`PSS_SECONDS`), and at once when a process is first seen (a fork shares its
parent's pages from its first instant); in between, every :data:`SAMPLE_SECONDS`, each
process's PSS is its resident set (``VmRSS``, cheap) less the part of it that its last
``smaps_rollup`` found shared. Two more figures are kept: the peak of the summed
resident sets (shared pages counted in every process that maps them) and the sum
of each process's own peak (``VmHWM``; an upper bound of both: the processes need not
peak at the same moment).

The sampler shares the host's two cores with the job it measures, so it is kept cheap,
the same for every job (benchmarks/history/round-10-critical-path.md): until round 10 it
sampled every 4 ms and read ``smaps_rollup`` a tenth of the time: 4–8 % of a core beside
telbill's two processes and 3–6 % beside DuckDB's one (at load 6–10; the job runs on the
same two cores). Now each process's ``status`` and ``stat`` are held open and read again
with ``pread``, their lines found by ``bytes.find`` (120 µs a sample of two processes →
about 60), every 10 ms, and ``smaps_rollup`` a fiftieth of the time: 2–3 % of a core
beside either job. The peaks it reports stayed within 1 MiB of its old settings' and
within 3 MiB of a reading of every process's ``smaps_rollup`` at every sample, on the
same runs (1M and 10M calls, telbill and DuckDB): a job's memory rises and falls over
tenths of seconds, not milliseconds, and ``VmHWM`` keeps each process's own peak anyway.
"""

from __future__ import annotations

import compileall
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.generate import DataSet

SAMPLE_SECONDS = 0.01
PSS_SECONDS = 0.05
PSS_COST_SHARE = 50
"""``smaps_rollup`` is read at most every this many times the time its last reading took."""

_CHILD = """\
import json, sys, time
t0 = time.perf_counter()
import telbill.cli as cli
timings = {}
real_run_batch = cli.run_batch
def run_batch(*args, **kwargs):
    result = real_run_batch(*args, **kwargs)
    timings.update(result.timings)
    timings["records"] = result.records
    return result
cli.run_batch = run_batch
kept = []
code = cli.main(sys.argv[2:], keep=kept)
timings["main"] = time.perf_counter() - t0
timings["exit"] = code
with open(sys.argv[1], "w") as fh:
    json.dump(timings, fh)
cli.exit_now(code)  # as the telbill command (cli.entry) ends a batch run
"""
"""A ``telbill bill`` process that also writes ``run_batch``'s phase timings to a file."""


def _values(text: bytes, *names: bytes) -> list[int] | None:
    """The numbers (KiB) of the lines ``NAME:`` of a ``/proc`` file's text (none of them its first
    line), found by ``bytes.find``: a loop over its fifty lines took most of a sample's time;
    ``None`` when one is missing."""
    found = []
    for name in names:
        at = text.find(b"\n" + name + b":")
        if at < 0:
            return None
        at += len(name) + 2
        try:
            found.append(int(text[at:text.index(b"kB", at)]))
        except ValueError:
            return None
    return found


def _rollup_kib(pid: int) -> tuple[int, int] | None:
    """(Rss, Pss) of ``pid`` in KiB from ``smaps_rollup``; ``None`` when it is gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            found = _values(fh.read(), b"Rss", b"Pss")
    except OSError:
        return None
    return (found[0], found[1]) if found else None


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (children of any of each process's threads: a Dask nanny is
    started from its event loop's thread)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            threads = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for thread in threads:
            try:
                with open(f"/proc/{p}/task/{thread}/children", "rb") as fh:
                    todo.extend(map(int, fh.read().split()))
            except (OSError, ValueError):
                pass
    return found


class _Proc:
    """One process of the tree: its ``status`` and ``stat`` files held open and read again from
    their start (``pread``) at every sample, a third of the time of opening them each time; the
    descriptors keep naming this process, never another that is given its number later."""

    def __init__(self, pid: int) -> None:
        self.status = os.open(f"/proc/{pid}/status", os.O_RDONLY)
        try:
            self.stat = os.open(f"/proc/{pid}/stat", os.O_RDONLY)
        except OSError:
            os.close(self.status)
            raise

    def memory_kib(self) -> tuple[int, int] | None:
        """(VmRSS, VmHWM) in KiB; ``None`` when it is gone or a zombie (no memory lines)."""
        try:
            found = _values(os.pread(self.status, 4096, 0), b"VmRSS", b"VmHWM")
        except OSError:
            return None
        return (found[0], found[1]) if found else None

    def cpu_ticks(self) -> int | None:
        """User and system CPU time in clock ticks; ``None`` when it is gone."""
        try:
            fields = os.pread(self.stat, 1024, 0).rsplit(b")", 1)[1].split()
            return int(fields[11]) + int(fields[12])
        except (OSError, ValueError, IndexError):
            return None

    def close(self) -> None:
        os.close(self.status)
        os.close(self.stat)


class TreeMemory:
    """Samples a process tree's memory in a thread until :meth:`stop` (see the module)."""

    def __init__(self, pid: int, interval: float = SAMPLE_SECONDS) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_pss_kib = 0
        """Peak of the summed PSS (between two ``smaps_rollup`` readings: RSS less the shared part)."""
        self.peak_sum_kib = 0
        """Peak of the summed resident sets."""
        self.hwm_kib: dict[int, int] = {}
        self.shared_kib: dict[int, int] = {}
        """Per process: RSS − PSS at its last ``smaps_rollup`` reading."""
        self.processes = 0
        self.ticks: dict[int, int] = {}
        """Per process: its CPU time (user and system, clock ticks) at its last sample."""
        self._procs: dict[int, _Proc] = {}
        self._next_pss = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                self.sample()
                self._stop.wait(self.interval)
        finally:
            for proc in self._procs.values():
                proc.close()
            self._procs.clear()

    def _opened(self, pids: list[int]) -> list[tuple[int, _Proc]]:
        """The processes of ``pids`` with their files open (those gone before they could be opened left out)."""
        opened = []
        for pid in pids:
            proc = self._procs.get(pid)
            if proc is None:
                try:
                    proc = self._procs[pid] = _Proc(pid)
                except OSError:
                    continue
            opened.append((pid, proc))
        return opened

    def sample(self) -> None:
        procs = self._opened(_tree(self.pid))
        now = time.perf_counter()
        # a process not seen before is read at once, and the others with it: a fork's pages are
        # shared from its first instant, and RSS less an old shared part would count them twice
        if now >= self._next_pss or any(pid not in self.shared_kib for pid, _ in procs):
            for pid, _ in procs:
                rollup = _rollup_kib(pid)
                self.shared_kib[pid] = rollup[0] - rollup[1] if rollup is not None else self.shared_kib.get(pid, 0)
            cost = time.perf_counter() - now
            self._next_pss = time.perf_counter() + max(PSS_SECONDS, PSS_COST_SHARE * cost)
        rss_sum = pss_sum = 0
        for pid, proc in procs:
            memory = proc.memory_kib()
            if memory is not None:
                rss, hwm = memory
                rss_sum += rss
                pss_sum += max(0, rss - self.shared_kib.get(pid, 0))
                self.hwm_kib[pid] = max(self.hwm_kib.get(pid, 0), hwm)
            ticks = proc.cpu_ticks()
            if ticks is not None:
                self.ticks[pid] = ticks
        self.peak_sum_kib = max(self.peak_sum_kib, rss_sum)
        self.peak_pss_kib = max(self.peak_pss_kib, pss_sum)
        self.processes = max(self.processes, len(self.hwm_kib))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def hwm_sum_kib(self) -> int:
        return sum(self.hwm_kib.values())

    @property
    def busiest_cpu(self) -> float:
        """CPU seconds of the busiest process (as last sampled): about the wall time of the job on
        a quiet host with a core per process, whatever the load of this one."""
        return max(self.ticks.values(), default=0) / os.sysconf("SC_CLK_TCK")


@dataclass(slots=True)
class Run:
    """One timed job."""

    wall: float
    """Seconds from starting the process to its exit."""
    pss_mib: float
    """Peak of the sum of the proportional set sizes of the job's processes (sampled): the memory."""
    rss_mib: float
    """Peak of the sum of the resident sets of the job's processes (sampled)."""
    hwm_mib: float
    """Sum of each process's own peak resident set (an upper bound of ``rss_mib``)."""
    processes: int
    phases: dict[str, float] = field(default_factory=dict)
    """What the job says about itself (``run_batch``'s timings, for telbill)."""
    records: int = 0
    cpu: float = 0.0
    """CPU seconds (user and system) of the job's processes, workers included: less moved by a
    busy host than the wall time."""
    busiest: float = 0.0
    """CPU seconds of its busiest process (see :attr:`TreeMemory.busiest_cpu`)."""
    first_mib: float = 0.0
    """The peak resident set (``VmHWM``) of the process started (on a cluster: the client)."""
    others_mib: list[float] = field(default_factory=list)
    """The peak resident set of each of its descendants, biggest first (on a local cluster: the
    workers and their nannies, the scheduler being in the client)."""


JOB_PACKAGES = ("telbill", "duckdb")
"""The packages whose modules the timed jobs import, compiled before any is timed (:func:`compile_jobs`)."""


def compile_jobs(packages: Sequence[str] = JOB_PACKAGES) -> None:
    """Byte-compile the timed jobs' packages (those installed) into their ``__pycache__``, as
    installing them does, so that no timed run compiles its modules again: with
    ``PYTHONDONTWRITEBYTECODE`` set (this host's sessions set it) and a source tree that has
    no bytecode, or stale bytecode, telbill compiled its modules at every run (0.22 against
    0.15 s of CPU to import them, before its worker is even forked), while DuckDB's package,
    installed by pip, had its bytecode."""
    system = Path(sys.base_prefix).resolve()
    for name in packages:
        spec = importlib.util.find_spec(name)
        for folder in (spec.submodule_search_locations or []) if spec is not None else []:
            if not Path(folder).resolve().is_relative_to(system):  # the system Python's as its installer left them
                compileall.compile_dir(folder, quiet=2)  # a folder this user may not write is left as it is


def job_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a timed job runs in: ``env`` (this one by default), with
    ``PYTHONDONTWRITEBYTECODE`` set: a job writes no bytecode anywhere. It reads what
    :func:`compile_jobs` made for its packages (the variable stops only the writing), and every other
    module as its installer left it: a job free to write its bytecode would write it, for a
    module without it, into the system Python's folders too, and a bench runs as root here."""
    return {**(os.environ if env is None else env), "PYTHONDONTWRITEBYTECODE": "1"}


def measure(argv: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    """Run ``argv`` to its end (in :func:`job_env`); its wall time and memory. A failure ends the benchmark."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=job_env(env), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    memory = TreeMemory(proc.pid)
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    memory.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if proc.returncode != 0:
        raise SystemExit(f"{argv[2] if len(argv) > 2 else argv[0]} failed ({proc.returncode}):\n"
                         f"{out.decode(errors='replace')}{err.decode(errors='replace')}")
    first = memory.hwm_kib.get(proc.pid, 0) / 1024
    others = sorted((kib / 1024 for pid, kib in memory.hwm_kib.items() if pid != proc.pid), reverse=True)
    return Run(wall, memory.peak_pss_kib / 1024, memory.peak_sum_kib / 1024, memory.hwm_sum_kib / 1024,
               memory.processes, cpu=cpu, busiest=memory.busiest_cpu, first_mib=first, others_mib=others)


def telbill_argv(data: DataSet, out: Path, timings: Path | None = None, extra: Sequence[str] = ()) -> list[str]:
    """A ``telbill bill`` process writing all three files into ``out`` (``extra``: more options)."""
    head = [sys.executable, "-c", _CHILD, str(timings)] if timings is not None else [
        sys.executable, "-m", "telbill"]
    return [*head, "--lang", "en", "bill", "--users", str(data.users), "--calls", str(data.calls),
            "--tariff", str(data.tariff), "--out", str(out / "bills.txt"),
            "--anomalies", str(out / "anomalies.txt"), "--csv", str(out / "bills.csv"), *extra]


def run_telbill(data: DataSet, out: Path, env: dict[str, str] | None = None, extra: Sequence[str] = ()) -> Run:
    """Time ``telbill bill`` once on ``data``, with its phase timings."""
    out.mkdir(parents=True, exist_ok=True)
    timings = out / "timings.json"
    run = measure(telbill_argv(data, out, timings, extra), out, env)
    t = json.loads(timings.read_text("utf-8"))
    if t.get("exit") != 0:
        raise SystemExit(f"telbill bill exited {t.get('exit')}")
    run.records = int(t.pop("records"))
    run.phases = {k: float(v) for k, v in t.items() if k not in ("exit", "main")}
    return run


def duckdb_argv(data: DataSet, out: Path, threads: int = 2, memory_limit: str | None = None) -> list[str]:
    """The DuckDB job's process (:mod:`benchmarks.duckdb_job`)."""
    # By its path: the job runs in ``out``, where the benchmarks package cannot be imported.
    return [sys.executable, str(Path(__file__).with_name("duckdb_job.py")), str(data.users), str(data.calls),
            str(data.tariff), str(out), "--threads", str(threads),
            *(["--memory-limit", memory_limit] if memory_limit else [])]


def run_duckdb(data: DataSet, out: Path, threads: int = 2, memory_limit: str | None = None) -> Run:
    """Time the DuckDB job once on ``data``."""
    out.mkdir(parents=True, exist_ok=True)
    return measure(duckdb_argv(data, out, threads, memory_limit), out)


def median_run(runs: list[Run]) -> Run:
    """Medians of wall time, memory and each phase over ``runs``."""
    med = statistics.median
    phases = {p: med(r.phases[p] for r in runs) for p in runs[0].phases}
    return Run(med(r.wall for r in runs), med(r.pss_mib for r in runs), med(r.rss_mib for r in runs),
               med(r.hwm_mib for r in runs),
               max(r.processes for r in runs), phases, runs[0].records, med(r.cpu for r in runs),
               med(r.busiest for r in runs), med(r.first_mib for r in runs),
               max((r.others_mib for r in runs), key=lambda o: o[0] if o else 0.0))


def machine() -> str:
    """The CPU, its core count and the Python running the benchmark."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    impl = sys.implementation.name
    return f"{cpu}, {os.cpu_count()} cores; {impl} {sys.version.split()[0]} on {sys.platform}"
