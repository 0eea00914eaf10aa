"""Benchmark of the main menu at an operator's scale: opening it, and four edits.

Run ``python -m benchmarks --menu`` (1,000,000 calls, 10,000 subscribers). It
generates the benchmark's data set (:func:`benchmarks.ensure_data`), copies
the two data files into a scratch folder, starts the real program there
(``python -m telbill --plain``, answers through a pipe) and times, each from the
last answer typed to the next main-menu prompt:

1. opening the menu (from starting the process);
2. adding a user (item 3);
3. adding a call record (item 4, for the new user);
4. modifying a call record (item 5: the first call of the first subscriber, a new callee);
5. deleting a call record (item 6: the first call of the first subscriber).

It then prints the size of ``data/backup/`` after those four edits, the resident
memory right after opening and the peak resident memory of the whole session
(``VmHWM``), and checks the targets of issue 9. Everything it writes stays in a
temporary folder (removed afterwards) or under ``--keep DIR``.
"""

from __future__ import annotations

import argparse
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import DataSet, ensure_data
from telbill.menu.ask import KEEP_WORD

MAIN_PROMPT = "Choose 0-13: "
"""The plain main-menu prompt in English: the end of every timed step."""
CONFIRM_END = "[y/N]: "
KEEP = KEEP_WORD
"""Keeps a field's value in plain mode (an empty answer goes back to the menu)."""
NEW_PHONE = "10000001"
"""Not a generated subscriber (those are 8 digits from 20000000, or 13… mobiles)."""
TIMEOUT = 600.0

TARGETS = {  # step -> seconds
    "open": 3.0,
    "add user": 0.1,
    "add call": 0.1,
    "modify call": 0.5,
    "delete call": 0.5,
}
PEAK_RATIO = 1.2
"""Peak memory through the session at most this times the memory right after opening."""


class Stuck(RuntimeError):
    """The menu did not show the expected prompt in time (or ended)."""


class Menu:
    """The real program, driven through a pipe one answer at a time."""

    def __init__(self, argv: Sequence[str], cwd: Path) -> None:
        self.started = time.perf_counter()
        self.err = (cwd / "stderr.txt").open("wb")
        self.proc = subprocess.Popen(list(argv), cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.err)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.fd = self.proc.stdout.fileno()
        self.text = ""
        self.mark = 0

    def wait_for(self, *endings: str) -> str:
        """Read output until what came since the last answer ends with one of ``endings``."""
        deadline = time.perf_counter() + TIMEOUT
        while True:
            fresh = self.text[self.mark:]
            for ending in endings:
                if fresh.endswith(ending):
                    return ending
            left = deadline - time.perf_counter()
            if left <= 0:
                raise Stuck(f"no {endings!r} after: {fresh[-300:]!r}")
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                chunk = os.read(self.fd, 1 << 16)
                if not chunk:
                    raise Stuck(f"the menu ended; last output: {fresh[-300:]!r}")
                self.text += chunk.decode("utf-8", "replace")

    def send(self, answer: str) -> float:
        """Type one answer; return the moment it was written."""
        assert self.proc.stdin is not None
        self.mark = len(self.text)
        self.proc.stdin.write(answer.encode("utf-8") + b"\n")
        self.proc.stdin.flush()
        return time.perf_counter()

    def step(self, answers: Sequence[str]) -> float:
        """Answer a whole item; seconds from the last answer to the main-menu prompt.

        Every answer but the last waits for the next question first. A yes/no
        question that follows the last answer (a record that would be set aside)
        is answered yes, and that answer is then the last.
        """
        *firsts, last = answers
        for answer in firsts:
            self.send(answer)
            self.wait_for(": ")
        sent = self.send(last)
        if self.wait_for(MAIN_PROMPT, CONFIRM_END) == CONFIRM_END:
            sent = self.send("y")
            self.wait_for(MAIN_PROMPT)
        return time.perf_counter() - sent

    def memory_kb(self, key: str) -> int:
        """``VmRSS`` or ``VmHWM`` of the running program, in KiB."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
        return 0

    def close(self) -> int:
        assert self.proc.stdin is not None
        with_exit = self.proc.stdin
        try:
            with_exit.write(b"0\n")
            with_exit.close()
        except BrokenPipeError:
            pass
        while os.read(self.fd, 1 << 16):
            pass
        code = self.proc.wait(timeout=TIMEOUT)
        self.err.close()
        return code


@dataclass(slots=True)
class Result:
    """One benchmark session."""

    steps: dict[str, float] = field(default_factory=dict)
    """Seconds per step."""
    backup_bytes: int = 0
    """Bytes of the files in data/backup/ (each file counted once, hard links too)."""
    backup_files: int = 0
    calls_bytes: int = 0
    """Size of calls.txt after the edits (the largest data file)."""
    open_kb: int = 0
    """Resident memory right after opening."""
    peak_kb: int = 0
    """Peak resident memory through the session."""


def first_subscriber(users: Path) -> str:
    """The phone on the first record line of a users file."""
    with users.open(encoding="utf-8") as fh:
        for line in fh:
            text = line.strip()
            if text and not text.startswith("#"):
                return text.split()[0]
    raise SystemExit(f"{users}: no subscriber")


def folder_bytes(folder: Path) -> tuple[int, int]:
    """(bytes, files) under ``folder``, each inode counted once."""
    seen: set[tuple[int, int]] = set()
    total = files = 0
    if not folder.is_dir():
        return 0, 0
    for path in folder.rglob("*"):
        st = path.lstat()
        if path.is_file() and (st.st_dev, st.st_ino) not in seen:
            seen.add((st.st_dev, st.st_ino))
            total += st.st_size
            files += 1
    return total, files


def run_session(data: DataSet, work: Path) -> Result:
    """Copy the data into ``work``/data, open the menu there, make the four edits."""
    if work.exists():
        shutil.rmtree(work)
    (work / "data").mkdir(parents=True)
    shutil.copyfile(data.users, work / "data/users.txt")
    shutil.copyfile(data.calls, work / "data/calls.txt")
    phone = first_subscriber(data.users)
    argv = [sys.executable, "-m", "telbill", "--lang", "en", "--plain", "--users", "data/users.txt",
            "--calls", "data/calls.txt", "--tariff", str(data.tariff)]
    result = Result()
    menu = Menu(argv, work)
    try:
        menu.wait_for(MAIN_PROMPT)
        result.steps["open"] = time.perf_counter() - menu.started
        result.open_kb = menu.memory_kb("VmRSS")
        result.steps["add user"] = menu.step(["3", NEW_PHONE, "Bench User", "25", "6"])
        result.steps["add call"] = menu.step(["4", NEW_PHONE, "02584561234", "2024-06-01 10:00:00",
                                              "2024-06-01 10:05:00"])
        result.steps["modify call"] = menu.step(["5", "2", phone, "1", KEEP, "02580000001", KEEP, KEEP])
        result.steps["delete call"] = menu.step(["6", "2", phone, "1", "y"])
        result.peak_kb = menu.memory_kb("VmHWM")
    finally:
        code = menu.close()
    if code != 0:
        raise SystemExit(f"the menu exited {code}: {(work / 'stderr.txt').read_text('utf-8', 'replace')}")
    result.backup_bytes, result.backup_files = folder_bytes(work / "data/backup")
    result.calls_bytes = (work / "data/calls.txt").stat().st_size
    return result


def report(result: Result) -> list[str]:
    """The figures, one line each, with the targets met or not."""
    lines = []
    for step, seconds in result.steps.items():
        target = TARGETS[step]
        verdict = "met" if seconds <= target else "NOT met"
        lines.append(f"{step:<12} {seconds:7.3f} s   (target <= {target} s: {verdict})")
    mib = 1024 * 1024
    verdict = "met" if result.backup_bytes <= result.calls_bytes else "NOT met"
    size = f"{result.backup_bytes / mib:.2f} MiB" if result.backup_bytes >= mib else f"{result.backup_bytes:,} bytes"
    lines.append(f"data/backup/ after the 4 edits: {size} in {result.backup_files} "
                 f"file(s) (target <= calls.txt, {result.calls_bytes / mib:.1f} MiB: {verdict})")
    ratio = result.peak_kb / result.open_kb if result.open_kb else 0.0
    verdict = "met" if ratio <= PEAK_RATIO else "NOT met"
    lines.append(f"memory: {result.open_kb / 1024:.0f} MiB after opening, peak {result.peak_kb / 1024:.0f} MiB "
                 f"(x{ratio:.2f}; target <= x{PEAK_RATIO}: {verdict})")
    return lines


def run_bench(*, calls: int, users: int, seed: int, runs: int, keep: Path | None) -> int:
    """Open the menu and make the four edits ``runs`` times; print each step's median."""
    scratch = Path(tempfile.mkdtemp(prefix="telbill-menubench-"))
    try:
        base = keep if keep is not None else scratch
        folder = base / f"calls{calls}-users{users}-seed{seed}"
        t0 = time.perf_counter()
        data = ensure_data(folder, calls, users, seed)
        print(f"data: {calls:,} calls, {users:,} users in {folder} "
              f"(ready in {time.perf_counter() - t0:.1f} s)")
        results = []
        for i in range(runs):
            result = run_session(data, scratch / "session")
            results.append(result)
            print(f"run {i + 1}: " + ", ".join(f"{k} {v:.3f} s" for k, v in result.steps.items()))
        best = results[0]
        if len(results) > 1:
            for step in best.steps:
                best.steps[step] = sorted(r.steps[step] for r in results)[len(results) // 2]
            best.peak_kb = max(r.peak_kb for r in results)
            best.open_kb = sorted(r.open_kb for r in results)[len(results) // 2]
        print()
        for line in report(best):
            print(line)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m benchmarks.menu`` (also ``python -m benchmarks --menu``)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.menu", description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1_000_000, help="call records (default 1,000,000)")
    parser.add_argument("--users", type=int, default=10_000, help="subscribers (default 10,000)")
    parser.add_argument("--seed", type=int, default=2024, help="random seed of the data set (default 2024)")
    parser.add_argument("--runs", type=int, default=1, help="sessions (each step: the median; default 1)")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="generate the data set into DIR and keep it (reused when it matches)")
    args = parser.parse_args(argv)
    return run_bench(calls=args.calls, users=args.users, seed=args.seed, runs=args.runs, keep=args.keep)


if __name__ == "__main__":
    raise SystemExit(main())
