"""The ``telbill`` command as the tests run it: ``main(argv)`` with streams of its own, in this
process (the shape of httpie's ``http()``). The one runner of the command for every test."""

from __future__ import annotations

import io
from typing import NamedTuple

from telbill.cli import main


class Result(NamedTuple):
    """What one run of the command left: compare it with a tuple, ``(2, "", "error: …\\n")``."""

    code: int
    out: str
    err: str


def run(*argv: str) -> Result:
    """``telbill --lang en ARGV`` in the current folder: its exit code, what it printed and what it
    said on stderr. A ``--lang`` in ``argv`` wins (the last one given does, as on the command line)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(["--lang", "en", *argv], stdout=out, stderr=err)
    return Result(code, out.getvalue(), err.getvalue())
