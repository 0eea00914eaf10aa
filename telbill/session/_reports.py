"""The files the menu writes: the bill-detail file (item 9) and the anomalies file (item 10)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from telbill.files import access
from telbill.files.decoding import encode
from telbill.files.outputs import check_replaceable
from telbill.files.report import RunInfo, format_anomalies, format_bills
from telbill.rules.billing import Bills
from telbill.rules.screening import SetAside
from telbill.session._checks import Checks
from telbill.session._loaded import Loaded
from telbill.session._queries import Queries
from telbill.text.i18n import Tr


class Reports:
    """Writes the reports of what is held, never over an input."""

    def __init__(self, loaded: Loaded, queries: Queries, checks: Checks) -> None:
        self.loaded = loaded
        self.queries = queries
        self.checks = checks

    def run_info(self, now: datetime | None = None) -> RunInfo:
        """Sources and counts for the output files' headers."""
        loaded = self.loaded
        billed, set_aside = self.queries.counts()
        return RunInfo(
            users_source=str(loaded.paths.users), users=len(loaded.held_users.file.users),
            calls_source=str(loaded.paths.calls), records=loaded.held_calls.file.records,
            billed=billed, set_aside=set_aside, tariff_source=loaded.dataset.tariff_source,
            generated=now or loaded.clock(),
        )

    def write_bills(self, path: Path, tr: Tr, month: str | None = None, *, force: bool = False) -> Bills:
        """Write the bill-detail file (all months or one).

        Never over an input; over an existing file that telbill did not write (or a
        read-only one) only with ``force`` (else NotOursError, so the menu can ask).
        """
        target = self._target(path, force=force)
        with access.writing([target]):  # a batch run writing the same file: one waits for the other
            bills = self.queries.bills(month)
            access.atomic_write(target, format_bills(bills, self.run_info(), tr))
        return bills

    def write_anomalies(self, path: Path, tr: Tr, *, force: bool = False) -> list[SetAside]:
        """Write the anomalies file (``force`` as for :meth:`write_bills`); return what it lists."""
        target = self._target(path, force=force)
        with access.writing([target]):
            records = self.queries.set_aside()
            access.atomic_write(target, encode(format_anomalies(records, self.run_info(), tr)))
        return records

    def _target(self, path: Path, *, force: bool) -> Path:
        """Where a report named ``path`` is written (through its links, as a data file is saved),
        once ``path`` is found to be no input and replaceable (both judged where its links point)."""
        target = access.output_file(path)
        self.checks.refuse_input(path)
        check_replaceable(path, force=force)
        return target
