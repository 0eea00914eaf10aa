"""Hypothesis strategies for calls.txt lines, shared by the tests of the reader and of the menu's helper."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import strategies as st

from telbill.files.callreader import BLOCK

PHONES = {"83470000", "83470001", "83470002"}
BASE = datetime(2020, 12, 31, 23, 0, 0)


def moment(offset: int) -> str:
    return (BASE + timedelta(seconds=offset)).strftime("%Y-%m-%d %H:%M:%S")


record = st.builds(
    lambda caller, callee, start, length, sep, tail: sep.join(
        [caller, callee, moment(start), moment(start + length)]) + tail,
    st.sampled_from(sorted(PHONES) + ["83479999"]),
    st.sampled_from(["8346123", "02584561234", "0044207946000"]),
    st.integers(0, 4 * 3600),
    st.one_of(st.integers(-60, 1200), st.sampled_from([0, 259_200, 259_201])),
    st.sampled_from(["  ", "\t", " \t ", "   "]),
    st.sampled_from(["", "", "  # note", "\t#x"]),
)
other = st.sampled_from([
    "", "   ", "# a comment",
    "83470000  8346123  2021-02-29 10:00:00  2021-02-29 10:05:00",  # no such date
    "83470000  8346123  2021-01-01 24:00:00  2021-01-01 10:05:00",  # no such time
    "83470000  8346123  2021-01-01 10:00:00",  # four fields
    "8347000x  8346123  2021-01-01 10:00:00  2021-01-01 10:05:00",
    "83470000\x1c8346123  2021-01-01 10:00:00  2021-01-01 10:05:00",  # a control character, no separator
    "83470000  8346123  2021-01-01 10:00:00  2021-01-01 10:05:00 x",  # seven fields
])
files = st.lists(st.one_of(record, record, record, other), max_size=3 * BLOCK)

# Lines made to hurt a reader: no encoding, NUL, a BOM inside, a vertical tab, GB18030 inside UTF-8,
# a huge line, damaged UTF-16.
HOSTILE = st.sampled_from([
    b"", b"   ", b"# comment", b"83470000", b"\xff\xfe\xfd", b"83470001  8346123  2021-01-01 10:00:00\x00",
    b"83470002  8346123  2021-01-01 10:00:00  2021-01-01 10:05:00  # \xe5\xbc\xa0",
    b"83470000  8346123  2021-01-01 10:00:00  2021-01-01 10:05:00  # \xd5\xc5",
    b"\xef\xbb\xbf83470000  8346123  2021-01-01 10:00:00  2021-01-01 10:05:00",
    b"83470000\x0b8346123  2021-01-01 10:00:00  2021-01-01 10:05:00",
    b"83470000  " + b"7 " * 34_000,
])
