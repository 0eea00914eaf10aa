"""The help alone leads to what the docs promise: the exit codes, where the docs are, the tariff
file's format, ``$TMPDIR`` for the spill folder, ``--cluster local``; and options that would mean
nothing together are refused, not silently ignored."""

from __future__ import annotations

from pathlib import Path

import pytest

from command import run


@pytest.mark.parametrize(("argv", "words"), [
    (["--help"], ["Exit codes: 0", "2 an error", "130 Ctrl-C, 143 SIGTERM, 129 SIGHUP", "TOML",
                  "docs/files-and-rules.md", "README.md", "docs/index.md"]),
    (["bill", "--help"], ["Exit codes: 0", "130 Ctrl-C, 143 SIGTERM, 129 SIGHUP", "$TMPDIR", "docs/batch.md",
                          "docs/cluster.md", "local:N for N of them, local for one per core", "not with --memory"]),
    (["--lang", "zh", "bill", "--help"], ["退出码", "143 SIGTERM", "$TMPDIR", "local 每个 CPU 核心一个"]),
])
def test_the_help_names_the_exit_codes_and_the_docs(argv: list[str], words: list[str]) -> None:
    """Each of these is in the help, folded as a terminal of 80 columns folds it or not."""
    code, out, err = run(*argv)
    assert (code, err) == (0, "")
    flat = " ".join(out.split())
    for word in words:
        assert word in flat, (word, out)


@pytest.mark.parametrize(("argv", "message"), [
    (["--plain", "bill"], "--plain is the menu's option; telbill bill asks no questions"),
    (["bill", "--memory", "1", "--cluster", "local:2"],
     "--memory does not apply to --cluster: the workers' own memory limits size the partitions (docs/cluster.md)"),
])
def test_options_that_mean_nothing_together_are_refused(data: Path, argv: list[str], message: str) -> None:
    """As ``telbill bill --plain`` is: the usage and one error line, exit 2, nothing written."""
    code, out, err = run(*argv)
    assert (code, out) == (2, "")
    assert err.endswith(f"telbill: error: {message}\n"), err
    assert not (data / "output").exists()
