"""Adding, modifying and deleting users and call records: each a line edit of a data file, saved at once."""

from __future__ import annotations

from dataclasses import replace
from enum import Enum
from pathlib import Path

from telbill.errors import NotFoundError, ValidationError
from telbill.rules.fields import TRAILING_COMMENT, validate_name, validate_phone
from telbill.rules.records import Call, User
from telbill.session._change import Change, record_text
from telbill.session._checks import AnomalyError, Checks
from telbill.session._keeping import Keeping
from telbill.session._loaded import CALLS, USERS, Loaded
from telbill.session._queries import Queries
from telbill.store.audit import Action, AuditEntry
from telbill.store.lines import LineEdit
from telbill.text.display import quote


class RepeatAction(str, Enum):
    """What to do with the lines that repeat a subscriber's phone when the subscriber's line goes."""

    DELETE = "delete"
    """Delete them too."""
    COMMENT = "comment"
    """Turn them into comments (``# `` in front), kept in the file."""


class RepeatedPhoneError(ValidationError):
    """Other lines repeat the phone of the user being deleted (or renumbered): without the
    user's line, the first of them would become that subscriber. Say what to do with them."""

    def __init__(self, phone: str, path: Path, lines: list[tuple[int, str]]) -> None:
        super().__init__("menu.error.repeated_phone", phone=phone, path=str(path), count=len(lines),
                         lines=", ".join(str(n) for n, _ in lines))
        self.phone = phone
        self.lines = lines
        """(line number, text) of each repeated line."""


def _trailing_comment(line: str) -> str:
    """``# ...`` at the end of a record line, or ``''``."""
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return ""
    m = TRAILING_COMMENT.search(stripped)
    return stripped[m.start():].strip() if m is not None else ""


def _with_comment(text: str, old_line: str) -> str:
    comment = _trailing_comment(old_line)
    return f"{text}  {comment}" if comment else text


def _fen(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError("money.negative", value=quote(str(value)))
    return value


class Edits:
    """The menu's changes to users and call records (items 3 to 6)."""

    def __init__(self, loaded: Loaded, keeping: Keeping, checks: Checks, queries: Queries) -> None:
        self.loaded = loaded
        self.keeping = keeping
        self.checks = checks
        self.queries = queries

    # -- users ----------------------------------------------------------------------------

    def add_user(self, phone: str, name: str, rent: int, feature: int) -> Change:
        """Add a subscriber at the end of users.txt (one line appended)."""
        phone = self.checks.validate_new_phone(phone)
        user = User(phone, validate_name(name), _fen(rent), _fen(feature))
        text = record_text(user)
        saved = self.keeping.save({USERS: LineEdit.append(len(self.loaded.held_users.lines), text)},
                                  [AuditEntry(Action.ADD_USER, None, text)])
        return self.keeping.change(Action.ADD_USER, None, text, saved[USERS], self.queries.user(phone))

    def modify_user(
        self,
        phone: str,
        *,
        new_phone: str | None = None,
        name: str | None = None,
        rent: int | None = None,
        feature: int | None = None,
        repeats: RepeatAction | None = None,
    ) -> Change | None:
        """Change a subscriber's fields; ``None`` when nothing differs.

        The phone of a user who has call records cannot change (the records
        would no longer be theirs). When other lines repeat the old phone,
        RepeatedPhoneError asks what to do with them (``repeats``).
        """
        old = self.queries.require_user(phone)
        new = replace(old, raw=None)
        if new_phone is not None and new_phone != old.phone:
            new.phone = self.checks.validate_new_phone(new_phone)
            count = len(self.loaded.held_calls.of(old.phone))
            if count:
                raise ValidationError("menu.error.phone_has_calls", phone=old.phone, count=count)
        if name is not None:
            new.name = validate_name(name)
        if rent is not None:
            new.rent = _fen(rent)
        if feature is not None:
            new.feature = _fen(feature)
        if record_text(new) == record_text(old):
            return None
        assert old.line_no is not None
        replaced = {old.line_no: _with_comment(record_text(new), self.loaded.held_users.lines[old.line_no - 1])}
        entries = [AuditEntry(Action.MODIFY_USER, record_text(old), record_text(new))]
        deleted: set[int] = set()
        if new.phone != old.phone:
            self._repeats(old.phone, repeats, replaced, deleted, entries)
        saved = self.keeping.save({USERS: LineEdit(replaced, frozenset(deleted))}, entries)
        return self.keeping.change(Action.MODIFY_USER, entries[0].before, entries[0].after, saved[USERS],
                                   self.queries.user(new.phone))

    def delete_user(self, phone: str, *, with_calls: bool = False,
                    repeats: RepeatAction | None = None) -> list[Change]:
        """Delete a subscriber; with ``with_calls`` their call records too (one change each).

        Without it the records stay in calls.txt and are set aside as unknown caller.
        Both files change together: either both or neither. When other lines
        repeat the phone, RepeatedPhoneError asks what to do with them (``repeats``).
        """
        user = self.queries.require_user(phone)
        assert user.line_no is not None
        replaced: dict[int, str] = {}
        deleted = {user.line_no}
        repeat_entries: list[AuditEntry] = []
        self._repeats(phone, repeats, replaced, deleted, repeat_entries)
        edits = {USERS: LineEdit(replaced, frozenset(deleted))}
        entries: list[AuditEntry] = []
        if with_calls:
            theirs = self.loaded.held_calls.of(phone)
            if theirs:
                edits[CALLS] = LineEdit(delete=frozenset(c.line_no for c in theirs if c.line_no is not None))
                entries += [AuditEntry(Action.DELETE_CALL, record_text(c), None) for c in theirs]
        entries.append(AuditEntry(Action.DELETE_USER, record_text(user), None))
        entries += repeat_entries
        saved = self.keeping.save(edits, entries)
        return [self.keeping.change(e.action, e.before, e.after, saved[CALLS if e.action is Action.DELETE_CALL else USERS])
                for e in entries]

    def _repeats(self, phone: str, how: RepeatAction | None, replaced: dict[int, str], deleted: set[int],
                 entries: list[AuditEntry]) -> None:
        """Add to an edit what happens to the lines repeating ``phone`` (its subscriber's line goes)."""
        lines = self.loaded.held_users.repeats_of(phone)
        if not lines:
            return
        if how is None:
            raise RepeatedPhoneError(phone, self.loaded.paths.users, lines)
        for number, text in lines:
            if how is RepeatAction.DELETE:
                deleted.add(number)
                entries.append(AuditEntry(Action.DELETE_LINE, text, None))
            else:
                replaced[number] = "# " + text
                entries.append(AuditEntry(Action.COMMENT_LINE, text, "# " + text))

    # -- calls ----------------------------------------------------------------------------

    def add_call(self, caller: str, callee: str, start: int, end: int, *, accept_anomaly: bool = False) -> Change:
        """Add a call record at the end of calls.txt (one line appended).

        A record that would be set aside at billing is refused with
        ValidationError unless ``accept_anomaly`` (the operator confirmed).
        """
        call = Call(validate_phone(caller, "calls.caller"), validate_phone(callee, "calls.callee"), start, end)
        self._refuse_anomaly(call, None, accept_anomaly)
        text = record_text(call)
        count = len(self.loaded.held_calls.lines)
        saved = self.keeping.save({CALLS: LineEdit.append(count, text)}, [AuditEntry(Action.ADD_CALL, None, text)])
        return self.keeping.change(Action.ADD_CALL, None, text, saved[CALLS], self.keeping.written_call(count + 1))

    def modify_call(
        self,
        call: Call,
        *,
        caller: str | None = None,
        callee: str | None = None,
        start: int | None = None,
        end: int | None = None,
        accept_anomaly: bool = False,
    ) -> Change | None:
        """Change a call record held here; ``None`` when nothing differs."""
        self._require_call(call)
        new = replace(call, raw=None)
        if caller is not None:
            new.caller = validate_phone(caller, "calls.caller")
        if callee is not None:
            new.callee = validate_phone(callee, "calls.callee")
        if start is not None:
            new.start = start
        if end is not None:
            new.end = end
        if record_text(new) == record_text(call):
            return None
        self._refuse_anomaly(new, call, accept_anomaly)
        assert call.line_no is not None
        number = call.line_no
        before, after = record_text(call), record_text(new)
        edit = LineEdit({number: _with_comment(after, self.loaded.held_calls.lines[number - 1])})
        saved = self.keeping.save({CALLS: edit}, [AuditEntry(Action.MODIFY_CALL, before, after)])
        return self.keeping.change(Action.MODIFY_CALL, before, after, saved[CALLS], self.keeping.written_call(number))

    def delete_call(self, call: Call) -> Change:
        """Delete a call record held here."""
        self._require_call(call)
        assert call.line_no is not None
        before = record_text(call)
        saved = self.keeping.save({CALLS: LineEdit(delete=frozenset({call.line_no}))},
                                  [AuditEntry(Action.DELETE_CALL, before, None)])
        return self.keeping.change(Action.DELETE_CALL, before, None, saved[CALLS])

    def _refuse_anomaly(self, call: Call, replacing: Call | None, accept: bool) -> None:
        if accept:
            return
        anomaly = self.checks.anomaly_for(call, replacing)
        if anomaly is not None:
            raise AnomalyError(anomaly)

    def _require_call(self, call: Call) -> None:
        if call.line_no is None or not self.loaded.held_calls.holds(call):
            raise NotFoundError("menu.error.call_gone")
