"""The console entry: main() returns normally; a batch run then ends with os._exit."""

from __future__ import annotations

import io
import subprocess
import sys
import tomllib
from pathlib import Path

from telbill.batch.run import BatchResult
from telbill.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_console_script_and_python_dash_m_use_entry() -> None:
    """The telbill script and python -m telbill both start at cli.entry."""
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["scripts"]
    assert scripts == {"telbill": "telbill.cli:entry"}
    assert "entry()" in (ROOT / "telbill/__main__.py").read_text("utf-8")


def test_main_returns_and_hands_over_the_batch_result(workdir: Path) -> None:
    """main returns the exit code and hands a batch run's result to keep, only when the run billed."""
    kept: list[object] = []
    out, err = io.StringIO(), io.StringIO()
    assert main(["--lang", "en", "bill"], stdout=out, stderr=err, keep=kept) == 0
    assert len(kept) == 1 and isinstance(kept[0], BatchResult)
    assert main(["--lang", "en", "bill", "--month", "2021-13"], stdout=out, stderr=err, keep=kept) == 2
    assert len(kept) == 1


def test_buffered_output_is_flushed_before_the_quick_exit(workdir: Path) -> None:
    """stdout to a file is block-buffered: the whole summary must still be there."""
    with open(workdir / "out.txt", "w", encoding="utf-8") as fh:
        proc = subprocess.run([sys.executable, "-m", "telbill", "--lang", "en", "bill"], stdout=fh,
                              stderr=subprocess.PIPE, text=True, check=False)
    assert (proc.returncode, proc.stderr) == (0, "")
    lines = (workdir / "out.txt").read_text("utf-8").splitlines()
    assert len(lines) == 4 and lines[-1] == "Wrote output/bills.txt, output/anomalies.txt."


def test_the_public_api_is_listed_and_loads_on_first_use() -> None:
    """Every name in telbill.__all__ resolves; importing telbill alone loads none of them."""
    import subprocess
    import sys

    code = ("import sys, telbill; assert 'telbill.session.facade' not in sys.modules; "
            "[getattr(telbill, n) for n in telbill.__all__]; print(len(telbill.__all__))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert int(out) >= 10


def test_a_batch_run_with_no_save_cut_short_imports_neither_the_store_nor_the_progress_bar(workdir: Path) -> None:
    """A batch job off a terminal, with no journal left beside the data files, leaves telbill.store and rich.progress unimported."""
    script = ("import sys; from telbill.cli import main; code = main(['--lang', 'en', 'bill']); "
              "print(code, sorted(m for m in ('telbill.store', 'rich.progress') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=workdir, check=False)
    assert (proc.stderr, proc.stdout.splitlines()[-1]) == ("", "0 []")
