"""Checking what the operator types against what is held, before anything is saved or written."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from telbill.constants import DataKind
from telbill.errors import ValidationError
from telbill.rules.fields import validate_phone
from telbill.rules.records import Call
from telbill.rules.screening import SetAside, code_name, screen_caller
from telbill.session._loaded import Loaded
from telbill.store.keeper import writable_problem
from telbill.text.i18n import Tr


def validate_out_path(text: str) -> Path:
    """A file name to write to (not empty, not a folder)."""
    value = text.strip()
    if not value:
        raise ValidationError("menu.error.path_empty")
    path = Path(value)
    if path.is_dir():
        raise ValidationError("output.directory", path=value)
    return path


class AnomalyError(ValidationError):
    """A new or changed call record would be set aside at billing (not confirmed)."""

    def __init__(self, anomaly: SetAside) -> None:
        super().__init__("menu.error.anomaly", code=anomaly.code.value)
        self.anomaly = anomaly

    def render(self, tr: Tr) -> str:
        reason = self.anomaly.reason(tr)
        return tr(self.key, code=code_name(tr, self.anomaly.code), reason=reason)

    def __str__(self) -> str:
        from telbill.text.i18n import Translator

        return self.render(Translator("en"))


class Checks:
    """Typed values checked against what is held: phones taken, files that are inputs, anomalies."""

    def __init__(self, loaded: Loaded) -> None:
        self.loaded = loaded

    def validate_new_phone(self, text: str) -> str:
        """A phone for a new user: digits, and not taken."""
        phone = validate_phone(text)
        other = self.loaded.held_users.by_phone.get(phone)
        if other is not None:
            raise ValidationError("menu.error.phone_taken", phone=phone, name=other.name)
        return phone

    def validate_out_path(self, text: str) -> Path:
        """A file to write a report to: a file name, and none of the files read (data, tariff, audit log)."""
        path = validate_out_path(text)
        self.refuse_input(path)
        return path

    def refuse_input(self, path: Path) -> None:
        """InputFileError when ``path`` is one of the files read (data, tariff, audit log, backups)."""
        loaded = self.loaded
        protected = loaded.paths.protected(audit_log=loaded.audit_log,
                                           backup_dirs=[loaded.backup_dir(kind) for kind in DataKind])
        protected.refuse(path)

    def unwritable(self) -> list[Path]:
        """The data files whose changes could not be saved now (see :meth:`check_writable`)."""
        loaded = self.loaded
        return [loaded.path(kind) for kind in DataKind
                if writable_problem(loaded.path(kind), loaded.states[kind].fmt) is not None]

    def check_writable(self, *kinds: DataKind) -> None:
        """OutputError now, before the operator types anything, when a change to the
        file of ``kinds`` (both when none is given) could not be saved: read-only file, no
        permission, a folder that cannot be written, a file whose byte-order mark claims an
        encoding it does not decode in."""
        states = self.loaded.states
        self.loaded.keeper.check_writable(kinds or tuple(DataKind), {k: state.fmt for k, state in states.items()})

    def anomaly_for(self, call: Call, replacing: Call | None = None) -> SetAside | None:
        """Why a new or changed ``call`` would be set aside at billing, or ``None``."""
        held = self.loaded.held_calls
        probe = replace(call, line_no=replacing.line_no if replacing is not None else None)
        group = [c for c in held.of(call.caller) if c is not replacing]
        group.append(probe)
        group.sort(key=lambda c: c.line_no if c.line_no is not None else len(held.lines) + 1)
        known = call.caller in self.loaded.held_users.by_phone
        found = next((a for a in screen_caller(group, known) if a.call is probe), None)
        if found is not None:
            found.call = call
        return found
