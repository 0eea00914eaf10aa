"""The ``telbill`` command: argument parsing, the batch summary, error lines."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from rich.console import Console

from telbill import __version__
from telbill.batch.budget import format_size, parse_size
from telbill.batch.run import BatchOptions, BatchResult, run_batch
from telbill.console import make_console
from telbill.constants import (
    DEFAULT_ANOMALIES,
    DEFAULT_CALLS,
    DEFAULT_OUT,
    DEFAULT_USERS,
    ExitCode,
)
from telbill.errors import (
    ClusterCancelled,
    DataError,
    InputFileError,
    Notice,
    OpeningInterrupted,
    SaveCutShortError,
    ScriptNotDone,
    StdoutError,
    TelbillError,
)
from telbill.files.access import journals_left, leftovers_beside, missing_data
from telbill.files.dataset import DataPaths
from telbill.files.outputs import NotOursError
from telbill.files.waiting import waits_told
from telbill.interrupts import DeferredInterrupt, exit_code, signal_name, stops_as_ctrl_c
from telbill.rules.fields import month_given, screen_fen
from telbill.rules.screening import AnomalyCode, limit_values
from telbill.text.display import shown
from telbill.text.i18n import Lang, Translator, detect_lang
from telbill.text.messages.cli import ARGPARSE_ZH

if TYPE_CHECKING:
    from rich.progress import TaskID

PROGRESS_MIN_LINES = 100_000


def _peek_lang(argv: Sequence[str]) -> Lang | None:
    """The ``--lang`` value, read before parsing so that help is in that language.

    As argparse does, the last ``--lang`` given wins (``--lang=zh --lang=en`` is English).
    """
    chosen = None
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        value = None
        if arg == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--lang="):
            value = arg.split("=", 1)[1]
        if value in ("zh", "en"):
            chosen = Lang(value)
    return chosen


class _Folding(argparse.HelpFormatter):
    """argparse's help folded by the menu's one rule (:func:`telbill.menu.layout.wrap`): by
    display width, and in a run of Chinese between characters (argparse breaks only at spaces,
    and counts a Chinese character one column)."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        from telbill.menu.layout import wrap  # only when help is asked for

        return wrap(" ".join(text.split()), width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        from telbill.menu.layout import wrap

        return "\n".join(indent + line for line in wrap(" ".join(text.split()), width - len(indent)))


class _Parser(argparse.ArgumentParser):
    """argparse whose own phrases (usage:, error:) follow the chosen language, its help folded
    as the menu folds text."""

    tr: Translator

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Folding)
        super().__init__(*args, **kwargs)

    def format_usage(self) -> str:
        return self._swap(super().format_usage())

    def format_help(self) -> str:
        return self._swap(super().format_help())

    def _swap(self, text: str) -> str:
        if self.tr.lang is Lang.ZH:
            for en, zh in ARGPARSE_ZH.items():
                text = text.replace(en, zh)
        return text

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(shown(self.tr("cli.usage_error", prog=self.prog, message=self._swap(message))) + "\n")
        raise SystemExit(ExitCode.FAIL)


def build_parser(tr: Translator) -> argparse.ArgumentParser:
    """The command line of SPEC §5 and the menu's options."""

    def parser_class(**kwargs: object) -> _Parser:
        p = _Parser(**kwargs)
        p.tr = tr
        return p

    parser = parser_class(prog="telbill", description=tr("cli.description"), epilog=tr("cli.epilog"))
    parser.add_argument("--version", action="version", version=f"telbill {__version__}",
                        help=tr("cli.help.version"))
    parser.add_argument("--lang", choices=["zh", "en"], help=tr("cli.help.lang"))
    sub = parser.add_subparsers(dest="command", metavar="{bill,menu}", parser_class=_Parser)

    def data_options(p: argparse.ArgumentParser, top: bool = False) -> None:
        # The options are accepted before and after the command (`telbill --users P`
        # opens the menu on P); after it they leave unset what was not given.
        def default(value: object) -> object:
            return value if top else argparse.SUPPRESS

        p.add_argument("--users", type=Path, default=default(DEFAULT_USERS), metavar="P", help=tr("cli.help.users"))
        p.add_argument("--calls", type=Path, default=default(DEFAULT_CALLS), metavar="P", help=tr("cli.help.calls"))
        p.add_argument("--tariff", type=Path, default=default(None), metavar="P", help=tr("cli.help.tariff"))
        if not top:
            p.add_argument("--lang", choices=["zh", "en"], default=argparse.SUPPRESS, help=tr("cli.help.lang"))

    data_options(parser, top=True)
    parser.add_argument("--plain", action="store_true", help=tr("cli.help.plain"))

    bill = sub.add_parser("bill", help=tr("cli.help.bill"), description=tr("cli.help.bill"),
                          epilog=tr("cli.epilog.bill"))
    bill.tr = tr
    data_options(bill)
    bill.add_argument("--month", metavar="YYYY-MM", help=tr("cli.help.month"))
    bill.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="P", help=tr("cli.help.out"))
    bill.add_argument("--anomalies", type=Path, default=DEFAULT_ANOMALIES, metavar="P",
                      help=tr("cli.help.anomalies"))
    bill.add_argument("--csv", type=Path, default=None, metavar="P", help=tr("cli.help.csv"))
    bill.add_argument("--force", action="store_true", help=tr("cli.help.force"))
    bill.add_argument("--memory", metavar="SIZE", help=tr("cli.help.memory"))
    bill.add_argument("--cluster", metavar="ADDRESS", help=tr("cli.help.cluster"))
    bill.add_argument("-q", "--quiet", action="store_true", help=tr("cli.help.quiet"))

    menu = sub.add_parser("menu", help=tr("cli.help.menu"), description=tr("cli.help.menu"))
    menu.tr = tr
    data_options(menu)
    menu.add_argument("--plain", action="store_true", default=argparse.SUPPRESS, help=tr("cli.help.plain"))
    return parser


def _make_console(file: TextIO | None, stderr: bool = False) -> Console:
    # No markup or emoji codes: file names and data such as "[red]" or ":x:" print as they are.
    return make_console(file=file, stderr=stderr, soft_wrap=True)


def _tolerant_streams() -> None:
    """Let the real stdout and stderr print what their encoding lacks as escapes, not crash."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError, OSError):
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]


class _BatchProgress:
    """A rich progress bar for large inputs on a terminal: reading (or splitting, then billing
    the partitions), counted; each other phase pulsing under its name."""

    def __init__(self, console: Console, tr: Translator, *, local_cluster: bool = False) -> None:
        # Imported here, not above: the bar is drawn only on a terminal, and a batch job's
        # output seldom is one (rich.progress takes some 10 ms to import).
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self.tr = tr
        # the count with thousands separators, as the menu's loading bar and the summary write it
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[count]}"),
                            TimeRemainingColumn(), console=console, transient=True)
        self.task: TaskID | None = None
        self.name = "reading"
        """The phase under way."""
        self.counted = False
        """Whether the task shown counts (or pulses)."""
        self.local_cluster = local_cluster
        """Whether the cluster, if any, starts with the run (or is reached)."""

    def reading(self, done: int, total: int) -> None:
        """How much of the phase under way is done; the bar appears only for large files."""
        if total < PROGRESS_MIN_LINES:
            return
        if self.task is None:
            self.bar.start()
        if self.task is None or not self.counted:
            if self.task is not None:
                self.bar.update(self.task, visible=False)
            self.task = self.bar.add_task(self.tr(f"cli.progress.{self.name}"), total=total, count="")
            self.counted = True
        counted = f"{done:,}/{total:,}"
        if self.name == "reading":  # lines, comments included (the summary counts records)
            counted = self.tr("cli.progress.lines", done=f"{done:,}", total=f"{total:,}")
        self.bar.update(self.task, completed=done, total=total, count=counted)

    def phase(self, name: str) -> None:
        """A later phase began: the bar pulses under its name (its length is unknown) until told how far.
        A cluster starting (or being reached) is said at once, whatever the file's size: it takes
        seconds with nothing else on the screen."""
        self.name = name
        if name == "cluster":
            self.bar.start()
            name = "cluster_local" if self.local_cluster else "cluster"
        elif self.task is None:
            return
        if self.task is not None:
            self.bar.update(self.task, visible=False)
        self.task = self.bar.add_task(self.tr(f"cli.progress.{name}"), total=None, count="")
        self.counted = False

    def stop(self) -> None:
        self.bar.stop()


def print_summary(result: BatchResult, tr: Translator, out: Console, err: Console,
                  month: str | None = None, users: Path | None = None) -> None:
    """The few lines a batch job prints when the bills are written (counts with thousands
    separators); with ``month``, how many of its calls were billed, and a warning when none;
    a warning too when no call was billed because no caller is in ``users`` (an empty users
    file, or one that does not go with the calls file)."""
    counts = result.counts
    started = result.timings.get("cluster", 0.0)  # a cluster's start: not reading time
    read_s = result.timings.get("total", 0.0) - started
    rate = int(result.records / read_s) if read_s > 0 else 0
    out.print(tr("summary.read", records=f"{result.records:,}", source=str(result.calls),
                 seconds=f"{read_s:.2f}", rate=f"{rate:,}"))
    parts = tr("list.sep").join(tr(f"summary.code.{code.value}", count=f"{n:,}", **limit_values()) for code, n in counts.items())
    out.print(tr("summary.billed", billed=f"{result.billed:,}", set_aside=f"{result.set_aside:,}", parts=parts))
    unknown = counts.get(AnomalyCode.UNKNOWN_CALLER, 0)
    if result.billed == 0 and unknown and users is not None:
        err.print(tr("summary.no_caller_known", count=f"{unknown:,}", users=str(users)), style="yellow")
    if month is not None:
        calls = result.month_calls.get(month, 0)
        out.print(tr("summary.month_calls", month=month, count=f"{calls:,}"))
        if not calls:
            err.print(tr("summary.month_empty", month=month), style="yellow")
    months = result.months
    span = f"{months[0]} … {months[-1]}" if len(months) > 1 else (months[0] if months else "-")
    out.print(tr("summary.months", count=len(months), span=span, total=screen_fen(result.grand_total)))
    if result.cluster:
        start = tr("summary.cluster_started" if _local_cluster(result.cluster) else "summary.cluster_reached",
                   seconds=f"{started:.2f}")
        out.print(tr("summary.cluster", count=f"{result.partitions:,}", address=result.cluster,
                     workers=result.workers[0], threads=result.workers[1], start=start), markup=False)
    elif result.partitions:
        out.print(tr("summary.partitions", count=f"{result.partitions:,}", budget=format_size(result.budget)))
    out.print(tr("summary.wrote", files=tr("list.sep").join(str(p) for p in result.written)))


NOTES_ONLY = frozenset({"gb18030", "utf-16"})
"""Encodings a file is read in whole, with nothing to look at: said as a note, which ``-q`` leaves
out (a cron job's mail would come every month for a file that is fine). A file read line by line
("mixed") is a warning: some of its lines may be read wrong."""


def _notices(result_encodings: dict[str, str], tr: Translator, err: Console, *, quiet: bool = False) -> None:
    for path, encoding in result_encodings.items():
        if encoding != "utf-8" and not (quiet and encoding in NOTES_ONLY):
            err.print(tr(f"notice.encoding.{encoding}", path=path), style="yellow")


def run_bill(args: argparse.Namespace, tr: Translator, out: Console, err: Console,
             keep: list[object] | None = None) -> int:
    """``telbill bill``: write the files, print the summary; 0 or 2.

    The result goes to ``keep`` (when given) before anything else can fail.
    """
    opts = BatchOptions(
        paths=DataPaths(args.users, args.calls, args.tariff),
        month=month_given(args.month) if args.month is not None else None, out=args.out, anomalies=args.anomalies, csv=args.csv, force=args.force,
        memory=parse_size(args.memory) if args.memory is not None else None, cluster=args.cluster,
    )
    for attempt in range(1, BATCH_ATTEMPTS + 1):
        notices = _recover([opts.paths.users, opts.paths.calls])
        for notice in notices:
            err.print(notice.render(tr), style="yellow", markup=False)
        if any(n.key in ("recovery.unfinished", "recovery.not_now") for n in notices):  # the files may be half changed
            err.print(tr("cli.error", message=tr("recovery.batch_refused")), style="red", markup=False)
            return ExitCode.FAIL
        try:
            result = _bill(opts, tr, err, quiet=args.quiet)
            break
        except SaveCutShortError:  # killed while this run waited for its locks: finish or take it back, again
            if attempt == BATCH_ATTEMPTS:
                raise
        except DataError as exc:
            _notices(exc.encodings, tr, err)
            for problem in exc.problems:
                err.print(problem.render(tr), style="red", markup=False)
            err.print(exc.render(tr), style="red", markup=False)
            return ExitCode.FAIL
    if keep is not None:
        keep.append(result)
    _notices(result.encodings, tr, err, quiet=args.quiet)
    if args.quiet:  # a cron job: nothing on stdout when all is well; warnings and errors still on stderr
        out.quiet = True
    try:
        print_summary(result, tr, out, err, opts.month, opts.paths.users)
    except StdoutError as exc:  # the bills are written: exit 0 (SPEC §5), and say what was not printed
        files = tr("list.sep").join(str(p) for p in result.written)
        err.print(tr("cli.summary_lost", error=exc.render(tr), files=files), style="yellow", markup=False)
    return ExitCode.OK


BATCH_ATTEMPTS = 3
"""How many times a run starts again after a menu save of the data files was cut short while it
waited to read them (each time the save is finished or taken back first)."""


def _recover(paths: list[Path]) -> list[Notice]:
    """Finish or take back a menu save of these files cut short by a crash, and remove the
    temporary files a killed save left (none: two ``lstat`` and a ``listdir``)."""
    if not journals_left(paths) and not leftovers_beside(paths):
        return []
    # Imported here, not above: the batch never saves, and telbill.store (some 40 ms to
    # import, a per cent of a million calls' run) is only needed when a save was cut short.
    from telbill.store import recover_saves
    return recover_saves(paths)


def _bill(opts: BatchOptions, tr: Translator, err: Console, *, quiet: bool = False) -> BatchResult:
    """One batch run, with the loading bar on a terminal (not with ``quiet``)."""
    progress = _BatchProgress(err, tr, local_cluster=_local_cluster(opts.cluster)) if err.is_terminal and not quiet \
        else None

    def dashboard(link: str) -> None:
        if not quiet and (err.is_terminal or not _local_cluster(opts.cluster)):
            err.print(tr("cli.cluster_dashboard", link=link), markup=False, highlight=False)

    try:
        if progress is None:
            return run_batch(opts, tr, on_dashboard=dashboard)
        return run_batch(opts, tr, progress.reading, on_phase=progress.phase, on_dashboard=dashboard)
    finally:
        if progress is not None:
            progress.stop()


def _local_cluster(cluster: str | None) -> bool:
    """``--cluster local[:N]``: the cluster, and its dashboard, end with the run, so its link is
    worth printing only to someone watching the run on a terminal (in a log it leads nowhere)."""
    return cluster is not None and cluster.strip().partition(":")[0] == "local"


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None,
         *, keep: list[object] | None = None) -> int:
    """The ``telbill`` command; returns the exit code.

    ``keep``, when given, receives the batch result of ``telbill bill`` so that
    it outlives this call (see :func:`entry`).
    """
    args_list = list(sys.argv[1:] if argv is None else argv)
    lang = _peek_lang(args_list) or detect_lang()
    tr = Translator(lang)
    if stdout is None and stderr is None:
        _tolerant_streams()
    out = _make_console(stdout)
    err = _make_console(stderr, stderr=stderr is None)
    parser = build_parser(tr)
    try:
        with contextlib.ExitStack() as streams:  # argparse writes to sys.stdout / sys.stderr
            if stdout is not None:
                streams.enter_context(contextlib.redirect_stdout(stdout))
            if stderr is not None:
                streams.enter_context(contextlib.redirect_stderr(stderr))
            args = parser.parse_args(args_list)
            _refuse_unfit(args, parser, tr)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else ExitCode.FAIL
    try:
        if args.command == "bill":
            def waiting(lock: Path, seconds: float) -> None:
                if not args.quiet:  # -q: a wait that ends with the lock taken is no news; one that times out is an error
                    err.print(tr("lock.waiting", lock=str(lock), seconds=f"{seconds:g}"), style="yellow", markup=False)

            with stops_as_ctrl_c(), waits_told(waiting):
                return run_bill(args, tr, out, err, keep)
        from telbill.menu import run_menu

        paths = DataPaths(getattr(args, "users", DEFAULT_USERS), getattr(args, "calls", DEFAULT_CALLS),
                          getattr(args, "tariff", None))
        return run_menu(paths, tr, plain=getattr(args, "plain", False), stdout=stdout)
    except ScriptNotDone as exc:  # a menu script: the item was said on stdout, why the exit is 1 on stderr
        err.print(tr("cli.error", message=exc.render(tr)), style="red", markup=False)
        return ExitCode.NOT_DONE
    except NotOursError as exc:
        err.print(tr("cli.error", message=tr("cli.not_replaced", reason=exc.render(tr))), style="red", markup=False)
        return ExitCode.FAIL
    except TelbillError as exc:
        err.print(tr("cli.error", message=_told(exc, args).render(tr)), style="red", markup=False)
        return ExitCode.FAIL
    except DeferredInterrupt as exc:  # Ctrl-C while the outputs were being renamed: they all are in place
        err.print(tr("cli.interrupted_after_write", interrupted=_interrupted(exc, tr)), style="yellow")
        return exit_code(exc)
    except ClusterCancelled as exc:
        err.print(tr("cli.cluster_cancelled", interrupted=_interrupted(exc, tr)), style="yellow")
        return exit_code(exc)
    except OpeningInterrupted:
        err.print(tr("cli.menu_interrupted"), style="yellow")
        return ExitCode.INTERRUPTED
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM or SIGHUP in a batch run (:func:`stops_as_ctrl_c`)
        err.print(tr("cli.interrupted", interrupted=_interrupted(exc, tr)), style="yellow")
        return exit_code(exc)
    except BrokenPipeError:
        return ExitCode.OK
    except Exception as exc:  # a bug in telbill: still one line, never a traceback
        if os.environ.get("TELBILL_DEBUG"):
            raise
        err.print(tr("cli.internal", error=f"{type(exc).__name__}: {exc}"), style="red")
        return ExitCode.FAIL


def _told(exc: TelbillError, args: argparse.Namespace) -> TelbillError:
    """A data file that does not exist is said with where it was looked for and what to do (the
    current folder is not always the one meant: cron starts in $HOME); any other error as it is."""
    data = {str(getattr(args, "users", DEFAULT_USERS)), str(getattr(args, "calls", DEFAULT_CALLS))}
    if isinstance(exc, InputFileError) and exc.key == "input.missing" and exc.params.get("path") in data:
        return missing_data(Path(str(exc.params["path"])))
    return exc


def _refuse_unfit(args: argparse.Namespace, parser: argparse.ArgumentParser, tr: Translator) -> None:
    """Options that argparse takes but that would mean nothing together: refused as a bad option is
    (exit 2), not silently ignored."""
    if args.command != "bill":
        return
    if args.plain:  # `telbill --plain bill`: refused as `telbill bill --plain` is
        parser.error(tr("cli.plain_with_bill"))
    if args.memory is not None and args.cluster is not None:
        parser.error(tr("cli.memory_with_cluster"))


def _interrupted(exc: BaseException, tr: Translator) -> str:
    """"interrupted", or "interrupted by SIGTERM" when a stop signal ended the run."""
    name = signal_name(exc)
    return tr("cli.by_ctrl_c") if name is None else tr("cli.by_signal", signal=name)


def entry(argv: Sequence[str] | None = None) -> NoReturn:
    """The console script and ``python -m telbill``: :func:`main`, then exit at once.

    A batch run ends holding millions of records; freeing them one by one at
    exit would take a good part of a second and achieve nothing. So after
    ``telbill bill`` its result is kept alive (``keep``), stdout and stderr are
    flushed, and the process ends with ``os._exit``. Every output file is
    already written, synced and renamed by then. Any other command ends the
    ordinary way.
    """
    kept: list[object] = []
    code = main(argv, keep=kept)
    if not kept:  # not a batch run (the menu, help, an error): the ordinary way out
        raise SystemExit(code)
    exit_now(code)


def exit_now(code: int) -> NoReturn:
    """Flush stdout and stderr, then end the process with ``code`` without freeing anything.

    A reader that went away (a closed pipe) does not change the exit status.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)
