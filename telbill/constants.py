"""Exit codes, the data files' kinds and default paths, in one place."""

from __future__ import annotations

from enum import IntEnum, StrEnum
from pathlib import Path


class ExitCode(IntEnum):
    """What ``telbill`` exits with."""

    OK = 0
    """Bills written (anomalies are normal), or the menu left with 0, Ctrl-C at the menu or end of input
    (inside an item too: SPEC §6)."""
    NOT_DONE = 1
    """A menu script (standard input not a terminal) chose an item that ended with an error (a save
    refused), which stops the menu at once (:class:`telbill.errors.ScriptNotDone`)."""
    FAIL = 2
    """Nothing written: a bad input, option or output."""
    INTERRUPTED = 130
    """Ctrl-C."""


class DataKind(StrEnum):
    """Which data file: the subscribers or the call records (one word for it everywhere: the
    store, the session, the menu; the undo records' JSON keys are the values)."""

    USERS = "users"
    CALLS = "calls"


DEFAULT_USERS = Path("data/users.txt")
DEFAULT_CALLS = Path("data/calls.txt")
DEFAULT_TARIFF_PATH = Path("data/tariff.toml")
"""Read when it exists and no ``--tariff`` is given; never an output, existing or not."""
DEFAULT_OUT = Path("output/bills.txt")
DEFAULT_ANOMALIES = Path("output/anomalies.txt")
DEFAULT_AUDIT_LOG = Path("output/audit.log")

BACKUPS_KEPT = 20
"""Undo records, and full copies, kept per data file in its backup folder (the oldest go first)."""
