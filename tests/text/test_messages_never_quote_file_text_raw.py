"""Every message that quotes text from a file (the tariff's keys, sections, values and lines, a users
line's fields, a calls line's fields, a file's name, a journal's or an undo record's name) holds no
character a terminal could obey or that would not be seen, in both languages, before it reaches any
screen: C0 controls, DEL, C1 controls and the bidi and invisible format characters are escaped where
every message's values are (:class:`telbill.errors.TelbillError`, :class:`~telbill.errors.Notice`,
:class:`~telbill.errors.Problem`)."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telbill.cli import main
from telbill.errors import InputFileError, Notice, Problem, TariffError, TelbillError
from telbill.files.access import read_bytes
from telbill.files.loader import read_user_line
from telbill.rules.fields import split_fields
from telbill.rules.records import parse_call_fields
from telbill.rules.tariff import parse_tariff
from telbill.store.journal import _moved_aside
from telbill.text.i18n import Translator

HOSTILE = ([chr(c) for c in range(0x20)] + ["\x7f"] + [chr(c) for c in range(0x80, 0xA0)]
           + [chr(c) for c in range(0x200B, 0x2010)] + [chr(c) for c in range(0x202A, 0x202F)]
           + [chr(c) for c in range(0x2066, 0x206A)] + ["\ufeff", "\u2028", "\u2029"])
"""C0, DEL, C1, the zero-width and direction marks, the bidi embeddings, overrides and isolates,
the BOM, the line and paragraph separators."""
SEEN_AS_IS = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
TRANSLATORS = (Translator("en"), Translator("zh"))

hostile = st.sampled_from(HOSTILE)
texts = st.lists(st.one_of(hostile, st.sampled_from(["a", "张", " ", "\\", "'", '"'])), min_size=1,
                 max_size=5).map("".join).filter(lambda t: any(ch in HOSTILE for ch in t))


def raw_characters(message: str) -> list[str]:
    return [ch for ch in message if unicodedata.category(ch) in SEEN_AS_IS]


def assert_escaped(message: TelbillError | Notice | Problem) -> None:
    for tr in TRANSLATORS:
        text = message.render(tr)
        assert raw_characters(text) == [], repr(text)
    assert raw_characters(str(message)) == [], repr(str(message))


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string (any character, escaped as TOML writes it)."""
    return '"' + "".join(f"\\u{ord(ch):04x}" for ch in text) + '"'


def tariff_error(toml: str) -> TariffError:
    with pytest.raises(TariffError) as caught:
        parse_tariff(toml, "data/tariff.toml")
    return caught.value


TARIFF_FILES: list[Callable[[str], str]] = [
    lambda t: f"[local]\n{toml_string(t)} = 1\n",  # an unknown key
    lambda t: f"[{toml_string(t)}]\nfirst_price = 1\n",  # an unknown section
    lambda t: f"{toml_string(t)} = 1\n",  # a key outside every section
    lambda t: f"[local]\nfirst_price = {toml_string(t)}\n",  # a price that is a string
    lambda t: f"[local]\nstep_seconds = [{toml_string(t)}]\n",  # seconds that are a list
    lambda t: f"[local]\nfirst_price = {toml_string(t)} = 1\n",  # not TOML: the line is quoted
    lambda t: f'# {t.replace(chr(10), " ").replace(chr(13), " ")}\n[local]\nfirst_price = 1 1 {t}\n',
]


@pytest.mark.parametrize("made", range(len(TARIFF_FILES)))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts)
def test_a_tariff_error_quotes_its_file_escaped(made: int, text: str) -> None:
    """A tariff file's error quotes what the file holds escaped, whatever the text."""
    assert_escaped(tariff_error(TARIFF_FILES[made](text)))


@pytest.mark.parametrize("ch", ["\x7f", "\x85", "\u202e", "\u200b", "\ufeff", "\x1b"])
def test_a_tariff_key_or_value_with_del_is_escaped_on_standard_error(ch: str, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole way: `telbill bill` on a tariff whose key or value holds the character prints it escaped."""
    monkeypatch.chdir(tmp_path)
    Path("data").mkdir()
    Path("data/users.txt").write_text("83470000  Zhang Qiang  25.00  6.00\n", "utf-8")
    Path("data/calls.txt").write_text("", "utf-8")
    for toml in (f"[local]\n{toml_string('k' + ch)} = 1\n", f"[local]\nfirst_price = {toml_string('v' + ch)}\n"):
        Path("data/tariff.toml").write_text(toml, "utf-8")
        err = io.StringIO()
        assert main(["--lang", "en", "bill"], stdout=io.StringIO(), stderr=err) == 2
        assert "data/tariff.toml" in err.getvalue()
        assert raw_characters(err.getvalue().replace("\n", "")) == [], repr(err.getvalue())
        assert f"\\x{ord(ch):02x}" in err.getvalue() or f"\\u{ord(ch):04x}" in err.getvalue()


@settings(max_examples=60, deadline=None)
@given(text=texts, field=st.sampled_from(range(4)))
def test_a_bad_users_line_quotes_its_fields_escaped(text: str, field: int) -> None:
    """A users.txt line refused for any field quotes its fields escaped."""
    fields = ["83470001", "Li Na", "25.00", "6.00"]
    fields[field] = (fields[field] + text) if field != 1 else text
    line = "  ".join(fields)
    problem = read_user_line(line, 7, "data/users.txt")
    if isinstance(problem, Problem):
        assert_escaped(problem)


@settings(max_examples=60, deadline=None)
@given(text=texts, field=st.sampled_from(range(6)))
def test_a_malformed_calls_line_quotes_its_fields_escaped(text: str, field: int) -> None:
    """A malformed calls.txt line quotes its fields escaped."""
    parts = ["83470001", "83471111", "2021-01-05", "10:00:00", "2021-01-05", "10:04:01"]
    parts[field] += text
    fields, key, params = parse_call_fields(split_fields("  ".join(parts)))
    if fields is None:
        assert_escaped(Problem(3, "  ".join(parts), key, params, "data/calls.txt"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts.filter(lambda t: "\x00" not in t and "/" not in t))
def test_a_file_name_is_quoted_escaped(text: str, tmp_path: Path) -> None:
    """An input that is missing, a journal moved aside: the file's name as given, escaped."""
    with pytest.raises(InputFileError) as caught:
        read_bytes(tmp_path / f"users{text}.txt")
    assert_escaped(caught.value)
    journal = tmp_path / f".calls{text}.txt.journal"
    journal.write_text("{", "utf-8")
    assert_escaped(_moved_aside(journal, "recovery.bad_journal", field="files.0.offset"))
    assert_escaped(Notice("record.bad", {"path": str(tmp_path / f"calls{text}.txt.20260101-120000-000001.undo"),
                                         "field": "files", "aside": str(tmp_path / f"x{text}.undo.bad")}))


@pytest.mark.parametrize("ch", ["\x85", "\u2028", "\u2029"])
def test_a_tariff_syntax_error_quotes_its_own_line(ch: str) -> None:
    """TOML ends a line at ``\\n`` alone: a line separator in a comment does not make the message
    quote another line than the one it names."""
    message = tariff_error(f"# prices{ch}of 2021\n[local]\nfirst_price = 1 1\n").render(TRANSLATORS[0])
    assert message == "data/tariff.toml line 3: not valid TOML: 'first_price = 1 1'"
