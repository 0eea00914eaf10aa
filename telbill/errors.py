"""The exceptions telbill raises; the UI turns each into one translated line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from telbill.text.display import shown
from telbill.text.i18n import Tr, Translator
from telbill.text.oserrors import os_reason


def _english(key: str, params: dict[str, object]) -> str:
    return Translator("en")(key, **_rendered(params, Translator("en")))


def _rendered(params: dict[str, object], tr: Tr) -> dict[str, object]:
    """Values for a message: one that is itself a message (an error given as a reason), or what the
    operating system said (``Permission denied`` as the reason), in ``tr``'s language; every text
    shown escaped (:func:`~telbill.text.display.shown`). This is where a message's values are
    escaped, whatever they are (a name, a path, a tariff key, a journal's name) and wherever the
    message goes (the screen, standard error, a prompt, a file's header): no text from a file or
    the command line reaches a terminal raw, even where the caller did not quote it."""
    values: dict[str, object] = {}
    for k, v in params.items():
        if isinstance(v, (Notice, TelbillError)):
            v = v.render(tr)
        elif k == "reason" or isinstance(v, OSError):
            v = os_reason(v, tr)
        values[k] = shown(v) if isinstance(v, str) else v
    return values


@dataclass(slots=True)
class Problem:
    """A line of a data file that was not taken, and why (a call record set aside is one:
    :class:`telbill.rules.screening.SetAside`)."""

    line_no: int | None
    """1-based line number; ``None`` for a record not saved yet."""
    raw: str
    """The line as read."""
    key: str
    """Message key of the reason."""
    params: dict[str, object] = field(default_factory=dict)
    """Values quoted by the reason."""
    source: str = ""
    """The file's name as the user gave it."""

    def reason(self, tr: Tr) -> str:
        """Why, in the translator's language (its values were quoted where the line was read:
        this is called for each of millions of set-aside records)."""
        return tr(self.key, **self.params)

    def render(self, tr: Tr) -> str:
        """``FILE line N: reason`` in the translator's language."""
        return tr("problem.line", **_rendered({"source": self.source, "line": self.line_no,
                                               "reason": self.reason(tr)}, tr))

    def __str__(self) -> str:
        return self.render(Translator("en"))


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the operator is told that is not an error (a crash recovered, a race kept)."""

    key: str
    """Message key."""
    params: dict[str, object] = field(default_factory=dict)
    """Values for the message (text from files already escaped)."""

    def render(self, tr: Tr) -> str:
        """The notice in the translator's language."""
        return tr(self.key, **_rendered(self.params, tr))

    def __str__(self) -> str:
        return _english(self.key, self.params)


class TelbillError(Exception):
    """Something the user must be told, as one line; the base of all our errors."""

    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def render(self, tr: Tr) -> str:
        """The message in the translator's language."""
        return tr(self.key, **_rendered(self.params, tr))

    def __str__(self) -> str:
        return _english(self.key, self.params)


class ScriptNotDone(TelbillError):
    """A menu script (standard input not a terminal) chose an item that ended with an error; the
    command says why in one line on standard error and exits 1 (``ExitCode.NOT_DONE``)."""


class InputFileError(TelbillError):
    """An input file is missing, is a directory, or cannot be read."""


class DataError(TelbillError):
    """A data file has lines that make the result incomplete (users.txt problems)."""

    def __init__(self, key: str, problems: Sequence[Problem], /, *, encodings: dict[str, str] | None = None,
                 **params: object) -> None:
        super().__init__(key, **params)
        self.problems = list(problems)
        self.encodings = dict(encodings or {})
        """Path text → how the file was read (``gb18030``, ``utf-16``…), to say so before the problems."""


class TariffError(TelbillError):
    """The tariff file is not valid TOML or a key has a bad value."""


class OutputError(TelbillError):
    """An output file cannot be written, or would overwrite an input."""


class StdoutError(OutputError):
    """Standard output cannot be written (a full disk, an I/O error). A reader that went away (a
    closed pipe, ``telbill bill | head``) is not this: the reader had enough."""


class OwnFileError(OutputError):
    """One of telbill's own files (audit log, lock, journal, undo record, full copy) is a link,
    not a regular file, or another user's: it is not used."""


class BadRecordError(TelbillError):
    """A journal or an undo record does not hold what telbill writes there (a field missing,
    of the wrong type, out of range, or a name outside its folder)."""


class AfterSaveError(TelbillError):
    """A change was saved, but making what the menu holds equal to the file failed; the file was read again."""


class ConflictError(TelbillError):
    """A data file changed on disk since it was loaded; it was not overwritten."""


class UsageError(TelbillError):
    """A command-line value (such as --month) is not acceptable."""


class ValidationError(TelbillError):
    """A value typed at a prompt is not acceptable."""


class NotFoundError(TelbillError):
    """A user, call or backup that was asked for does not exist."""


class SaveCutShortError(TelbillError):
    """A menu save of the data files was cut short while a batch run waited to read them:
    they may be half changed until the save is finished or taken back (then the run starts again)."""


class WorkerError(TelbillError):
    """A worker process of a batch run ended without finishing its part."""


class ClusterError(TelbillError):
    """A run on a Dask cluster cannot go on: its scheduler cannot be reached or went away, a
    worker cannot see the files, or a task killed every worker that ran it."""


class InternalError(RuntimeError):
    """A fault of telbill's own: something its code makes sure of did not hold (a part's set-aside
    lines out of line order, a range of the anomalies that ended at another byte than planned).

    Not a :class:`TelbillError`, as nothing the user does can mend it: the UI says it as it says
    any exception it did not expect, in one line that asks for a report and names it
    (``cli.internal``: ``internal error, please report it …: InternalError: …``;
    ``menu.error.internal`` in the menu), never with a traceback (unless ``TELBILL_DEBUG`` is set)."""


class ClusterCancelled(KeyboardInterrupt):
    """Ctrl-C during a run on a Dask cluster: its tasks were cancelled."""


class OpeningInterrupted(KeyboardInterrupt):
    """Ctrl-C while the menu opened the data files: it never showed."""
