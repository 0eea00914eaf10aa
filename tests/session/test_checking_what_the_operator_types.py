"""What the operator types is checked before the session is asked to change anything: each value
refused with the reason, quoting it (SPEC §6); the operator's login name for the audit log."""

from __future__ import annotations

from typing import Any

import pytest

from telbill.errors import ValidationError
from telbill.rules.fields import (
    validate_date,
    validate_end,
    validate_moment,
    validate_money,
    validate_month,
    validate_name,
    validate_phone,
)
from telbill.session.facade import login_name

from plain import EN
from smalldata import at


@pytest.mark.parametrize(
    ("check", "text", "message"),
    [
        (validate_phone, "8347x", "phone '8347x' is not 3 to 20 digits"),
        (validate_phone, "12", "phone '12' is not 3 to 20 digits"),
        (validate_name, "   ", "the name cannot be empty"),
        (validate_name, "Li #2", "name 'Li #2' has a word starting with #, which would start a comment in users.txt"),
        (validate_name, "#Li", "name '#Li' has a word starting with #, which would start a comment in users.txt"),
        (lambda t: validate_money(t, "rent"), "-1", "rent '-1' is negative"),
        (lambda t: validate_money(t, "rent"), "1.234", "rent '1.234' has more than two decimals"),
        (lambda t: validate_money(t, "feature"), "abc", "feature fee 'abc' is not an amount of yuan"),
        (validate_moment, "2021-02-29 10:00:00", "impossible date '2021-02-29': that month has no such day"),
        (validate_moment, "2021-02-28 24:00:00", "impossible time '24:00:00'"),
        (validate_moment, "yesterday", "'yesterday' is not a date and time like 2021-01-31 08:00:00"),
        (validate_date, "2021-13-01", "impossible date '2021-13-01': there is no month 13"),
        (validate_month, "2021-13", "'2021-13' is not a month: there is no month 13"),
    ],
)
def test_typed_values_are_refused_with_the_reason(check: Any, text: str, message: str) -> None:
    """Each check says what is wrong with the value, quoting it."""
    with pytest.raises(ValidationError) as info:
        check(text)
    assert info.value.render(EN) == message


def test_values_that_are_fine() -> None:
    """Names get single spaces; money becomes fen; a time alone is on the given day."""
    assert validate_name("  Wang   Xiao  Er ") == "Wang Xiao Er"
    assert validate_name("Li#Na") == "Li#Na"  # a # inside a word is part of the name in users.txt
    assert validate_name("No.5#") == "No.5#"
    assert validate_money("25.5") == 2550
    start = at("2021-01-05 23:59:00")
    assert validate_end("23:59:30", start) == at("2021-01-05 23:59:30")
    assert validate_end("2021-01-06 00:01:00", start) == at("2021-01-06 00:01:00")
    with pytest.raises(ValidationError) as info:
        validate_end("23:58:59", start)
    assert info.value.render(EN) == "the end 2021-01-05 23:58:59 is before the start 2021-01-05 23:59:00"


def test_login_name_falls_back_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No password entry and no getpass: USER, then LOGNAME, then 'unknown'."""
    import getpass

    def broken() -> str:
        raise OSError("no user")

    monkeypatch.setattr(getpass, "getuser", broken)
    monkeypatch.setenv("USER", "alice")
    assert login_name() == "alice"
    monkeypatch.delenv("USER")
    monkeypatch.setenv("LOGNAME", "bob")
    assert login_name() == "bob"
    monkeypatch.delenv("LOGNAME")
    assert login_name() == "unknown"
