"""A run of ``telbill bill`` on a cluster or on one machine, its files and its error, for the tests of
tests/cluster (the command itself: ``command.run``)."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from telbill.batch.run import BatchOptions, run_batch
from telbill.errors import TelbillError
from telbill.files.dataset import DataPaths
from telbill.text.i18n import Translator

NOW = datetime(2026, 1, 2, 3, 4, 5)


def spill_folders(folder: Path) -> list[Path]:
    return list(folder.rglob(".telbill-spill*"))


def bill(folder: Path, users: Path, calls: Path, cluster: str | None = None, month: str | None = None,
         lang: str = "en") -> dict[str, object]:
    """The three files a run writes (on ``cluster``, else on this machine in one process) and how it
    read calls.txt, or the error it ended with; no spill folder is left either way."""
    out = folder / f"out-{cluster is not None}-{month}-{lang}"
    shutil.rmtree(out, ignore_errors=True)
    try:
        result = run_batch(BatchOptions(paths=DataPaths(users, calls, None), month=month, out=out / "bills.txt",
                                        anomalies=out / "anomalies.txt", csv=out / "bills.csv", processes=1,
                                        cluster=cluster), Translator(lang), now=NOW)
    except Exception as exc:  # noqa: BLE001 - the same error on a cluster and on one machine
        assert not spill_folders(folder)
        # Dask passes a task's exception on by its own pickling, which keeps its class, and the
        # message of telbill's errors, but not that of a UnicodeError: the class is compared.
        return {"error": f"{type(exc).__name__}: {exc}" if isinstance(exc, TelbillError) else type(exc).__name__}
    assert bool(result.cluster) == (cluster is not None)
    assert not spill_folders(folder)
    files = {path.name: path.read_bytes() for path in sorted(out.iterdir())}
    return {"encoding": result.encodings[str(calls)], **files}
