"""Asking on a terminal: questionary lists and lines, and single keys for paging.

A numbered list shows the number being typed (``13`` for item 13) until Enter
takes it; Backspace edits it, the arrow keys move instead. Inside an item, ``q``
then Enter (or Esc alone) leaves it; at the main menu Enter takes an item only
once its number was typed or an arrow key moved to it, so an Enter meant for
something else never starts item 1. A question line offers a value ready to
take (typing replaces it, the arrow keys and Backspace edit it), suggests
subscribers as a name is typed, and is left with Esc, ``q`` or an empty answer.
A refused answer is shown whole right under the question, and the question
comes back with the answer in the line, selected: typing replaces it, the arrow
keys and Backspace edit it. Keys typed while telbill was busy are thrown away
(:mod:`telbill.menu.keys`), and an Enter typed right after a key that finished a
question at once (q leaving a list, y or n) answers nothing (:data:`ENTER_AFTER_ONE_KEY`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from time import monotonic
from typing import Any, TypeVar

from prompt_toolkit import PromptSession
from prompt_toolkit.application import Application, get_app
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.filters import Condition
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.input.typeahead import get_typeahead, store_typeahead
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent, merge_key_bindings
from prompt_toolkit.keys import Keys
from prompt_toolkit.layout import FormattedTextControl, Layout, Window
from prompt_toolkit.layout.processors import (
    Processor,
    Transformation,
    TransformationInput,
)
from prompt_toolkit.lexers import SimpleLexer
from rich.console import Console

from telbill.errors import TelbillError
from telbill.interrupts import unraised
from telbill.menu import asking
from telbill.menu.ask import BackToMenu, BaseAsker, Option, PageMove
from telbill.menu.keys import KeepKeys, TypedKeys
from telbill.menu.layout import wrap
from telbill.rules.fields import halfwidth
from telbill.text.display import shown
from telbill.text.display import width as display_width
from telbill.text.i18n import Tr

T = TypeVar("T")

SUGGESTIONS = 10
"""Subscribers suggested under a question as a name is typed."""
ESCAPE_WAIT = 0.1
"""Seconds to wait after Esc for the rest of an escape sequence (an arrow key's bytes come
together, over a slow link within a tenth of a second, as vim's ttimeoutlen assumes).
prompt_toolkit's own 0.5 s made Esc feel slow and took the keys typed meanwhile."""
BUSY_AFTER = 0.25
"""Keys typed ahead are thrown away when a question comes this long or longer after the last
answer (telbill was busy: its spinner shows from 0.2 s), or after a list's page (keys that paged
past its end must not answer what follows); after a quicker step they are kept."""
ENTER_AFTER_ONE_KEY = 0.6
"""An Enter this soon after one key finished a question, before anything else is typed, is part
of that key: it does not answer what comes next (a question, a line, a list's page, the pause),
and it is taken so once. The keys that finish a question at once: q or Esc leaving a long list (the
habit of "q Enter", 0.1-0.4 s apart in the operator trial) and y or n answering a yes/no (after
a n to replacing a file in item 9 the Enter took the name offered, ``output/bills.txt``, and
replaced it unseen; after a y it went on to answer what the yes led to). Any other key typed
in that burst is kept (a fast typist's ``n 2`` types the 2), and an Enter typed later is an answer."""

R = TypeVar("R")


class TerminalAsker(BaseAsker):
    """questionary prompts: type a number or use the arrow keys; Esc, q or Enter on nothing goes back."""

    paged = True
    way_out = "menu.error.way_out"

    def __init__(self, tr: Tr, console: Console, pt_input: Any = None, pt_output: Any = None,
                 keys: TypedKeys | None = None) -> None:
        super().__init__(tr)
        self.console = console
        self.keys: TypedKeys = keys or KeepKeys()
        self._io: dict[str, Any] = {}
        self._answered_at: float | None = None
        """When the last question or pager line was answered (:func:`time.monotonic`)."""
        self._one_key_at: float | None = None
        """When a question was finished by one key (:data:`ENTER_AFTER_ONE_KEY`), until the next
        question is shown."""
        self._after_one_key: float | None = None
        """The question shown now comes right after one key finished the last, at this moment,
        and nothing has been typed since."""
        self._paged = False
        """The last thing answered was a list's page."""
        if pt_input is not None:
            self._io["input"] = pt_input
        if pt_output is not None:
            self._io["output"] = pt_output

    # -- lists ------------------------------------------------------------------------

    def select(self, message: str, options: Sequence[Option[T]], *, hint: str | None = None,
               pointer: int = 0, back: bool = True) -> T:
        index = self._list(message, options, hint or self.tr("menu.hint.select" if back else "menu.hint.main"),
                           pointer, back=back)
        self.typed()
        return options[index].value

    def confirm(self, message: str) -> bool:
        options = [Option("n", self.tr("menu.no"), False), Option("y", self.tr("menu.yes"), True)]
        # Esc or q leaves the item (the one way back), as at every other question.
        index = self._list(message, options, self.tr("menu.hint.yes_no"), 0, back=True,
                           hotkeys={"y": 1, "Y": 1, "n": 0, "N": 0})  # each sets _one_key_at
        if options[index].value:
            self.typed()
        return options[index].value

    def _begin(self) -> None:
        """A question (or a pager's line) is about to be shown: keys typed before it are thrown
        away when telbill was busy since the last answer (:data:`BUSY_AFTER`)."""
        self.prompts += 1
        if self._answered_at is None or self._paged or monotonic() - self._answered_at >= BUSY_AFTER:
            self.keys.discard()
        self._after_one_key, self._one_key_at, self._paged = self._one_key_at, None, False

    def _ends_one_key(self) -> bool:
        """Whether an Enter pressed now only finishes the one key that finished the last question
        (:data:`ENTER_AFTER_ONE_KEY`)."""
        at = self._after_one_key
        return at is not None and monotonic() - at < ENTER_AFTER_ONE_KEY

    def _key_pressed(self) -> None:
        """A key was pressed at the question shown (a terminal's own replies are not keys)."""
        self._after_one_key = None

    def _run(self, app: Application[R]) -> R:
        """Show a question (or a pager's line) and wait for its answer. Two rules are kept here, for
        every kind of question: that of :data:`ENTER_AFTER_ONE_KEY`, by an Enter binding of its own,
        eager and added last so that it comes before the question's, while it holds; and Ctrl-C
        pressed while the question is being set up or taken down (:func:`_signalled`)."""
        finishing = KeyBindings()

        @finishing.add(Keys.ControlM, eager=True, filter=Condition(self._ends_one_key))
        def _enter(event: KeyPressEvent) -> None:
            """The Enter after the one key: nothing more (it closes the rule, as any key does)."""

        taken_down: list[KeyPressEvent] = []

        @finishing.add(Keys.SIGINT, eager=True)
        def _signal(event: KeyPressEvent) -> None:
            """Ctrl-C while the question was being set up: as Ctrl-C at the question. Once it has
            been answered, prompt_toolkit may still hand it over, when the application no longer
            runs (``exit`` then failed with a traceback on the screen): it is taken after the answer."""
            if event.app.future is None or event.app.future.done():
                taken_down.append(event)
            else:
                event.app.exit(exception=KeyboardInterrupt())

        app.key_bindings = merge_key_bindings([app.key_bindings or KeyBindings(), finishing])
        app.key_processor.after_key_press += lambda _: self._key_pressed()
        app.ttimeoutlen = ESCAPE_WAIT
        self._begin()
        if unraised():  # Ctrl-C in the step before, which Python could not raise (telbill.interrupts)
            raise KeyboardInterrupt
        def interrupted() -> bool:
            """A Ctrl-C came as the question was set up or taken down, or where Python could not raise it."""
            return _signalled(app) or bool(taken_down) or unraised()

        try:
            answer = app.run()
        except BaseException:  # left with q or Esc (BackToMenu), EOF, Ctrl-C: one taken down meanwhile too
            if interrupted():
                raise KeyboardInterrupt from None
            raise
        finally:
            self._answered_at = monotonic()
        if interrupted():
            raise KeyboardInterrupt
        return answer

    def _list(self, message: str, options: Sequence[Option[Any]], hint: str, pointer: int, *, back: bool,
              hotkeys: dict[str, int] | None = None) -> int:
        """The index of the option chosen (typing its number, the arrow keys, a hotkey).

        Inside an item (``back``) ``q`` is shown and Enter then leaves (Esc leaves at once);
        at the main menu Enter needs a number typed or an arrow key first."""
        from questionary import Choice
        from questionary.prompts.common import InquirerControl, create_inquirer_layout
        from questionary.styles import merge_styles_default

        question = shown(message)
        width = max(len(o.number) for o in options)
        texts = [shown(f"{o.number:>{width}}  {o.label}") for o in options]
        control = InquirerControl([Choice(title=text, value=i) for i, text in enumerate(texts)],
                                  use_indicator=False, use_shortcuts=False)
        control.pointed_at = pointer
        state = _ListState(control, TypedNumber([o.number for o in options], pointer), back=back,
                           chosen=back, chosen_before=back)

        def tokens() -> asking.Fragments:
            return self._list_question(question, hint, state, texts)

        drawn: Callable[[], Any] = control._get_choice_tokens  # questionary's, untyped

        def fitted() -> Any:
            """The choices as drawn: each label fitted to the screen (:func:`telbill.menu.asking.choices`)."""
            rows = self.console.height - asking.lines(tokens()) - 1
            titles = asking.choices([o.number for o in options], [shown(o.label) for o in options],
                                    self.console.width, rows, control.pointed_at)
            for each, title in zip(control.choices, titles):
                each.title = title
            return drawn()

        control.text = fitted
        bindings = _list_bindings(state, hotkeys or {}, self._one_key_finished)
        layout = create_inquirer_layout(control, tokens, **self._io)
        app: Application[int] = Application(layout=layout, key_bindings=bindings,
                                            style=merge_styles_default([None]), **self._io)
        return self._run(app)

    def _list_question(self, question: str, hint: str, state: _ListState, texts: Sequence[str]) -> asking.Fragments:
        """A list's question, folded to the screen (:mod:`telbill.menu.asking`), and its keys or answer."""
        out: asking.Fragments = [("class:qmark", "?"), ("class:question", f" {question} ")]
        keys: asking.Fragments = []
        if state.control.is_answered:
            out.append(("class:answer", texts[state.control.pointed_at]))
        elif state.leaving:
            out.append(("class:answer", "q"))
            keys = [("class:instruction", "  " + self.tr("menu.hint.leaving"))]
        elif state.number.typed:
            out.append(("class:answer", state.number.typed))
            keys = [("class:instruction", "  " + self.tr("menu.hint.typed"))]
        else:
            keys = [("class:instruction", hint)]
        return asking.question(out, keys, self.console.width)

    def _one_key_finished(self) -> None:
        """A hotkey (y or n) finished the question (:data:`ENTER_AFTER_ONE_KEY`)."""
        self._one_key_at = monotonic()

    # -- lines --------------------------------------------------------------------------

    def text(self, message: str, parse: Callable[[str], T], *, offer: str | None = None,
             complete: Callable[[str], Sequence[tuple[str, str]]] | None = None) -> T:
        line, fresh = offer or "", offer is not None
        while True:
            answer = self._line(message, line, fresh=fresh, complete=complete)
            try:
                value = self.meaning(answer, parse, offer)
            except TelbillError as exc:
                self.refuse(exc.render(self.tr))
                line, fresh = answer, True  # selected: typing replaces it, the arrow keys edit it
                continue
            self.typed()
            return value

    def refuse(self, reason: str) -> None:
        """Why the answer was refused and the way back: on one line when they fit, else the
        way back on a line of its own (not folded into the middle of a word of the reason)."""
        self.typed()  # typed, though refused
        whole = self.refused(reason)
        if display_width(shown(whole)) <= self.console.width:
            self.error(whole)
            return
        self.error(reason)
        self.error(self.tr(self.way_out, reason="").strip())

    def error(self, text: str) -> None:
        """A refusal, right under the question, whole."""
        for line in wrap(shown(text), self.console.width):
            self.console.print(line, style="bold red", markup=False, highlight=False, emoji=False,
                               soft_wrap=True)

    def _line(self, message: str, line: str, *, fresh: bool,
              complete: Callable[[str], Sequence[tuple[str, str]]] | None) -> str:
        """One line typed (a prompt_toolkit prompt styled as questionary's, the question folded
        by :mod:`telbill.menu.asking`, with subscribers suggested as they are typed when
        ``complete`` is given); ``line`` is in it to start with (``fresh``: typing
        replaces it)."""
        from questionary.styles import merge_styles_default

        offer = _Offer(fresh and bool(line))
        bindings = KeyBindings()

        @bindings.add(Keys.Escape, eager=True)
        def _escape(event: KeyPressEvent) -> None:
            if not offer.fresh and event.current_buffer.text.strip():
                self.typed()  # something had been typed: "nothing saved" will be said
            event.app.exit(exception=BackToMenu())

        @bindings.add(Keys.Any, filter=Condition(lambda: offer.fresh))
        def _replace(event: KeyPressEvent) -> None:
            if event.data.isprintable():
                event.current_buffer.text = ""
                event.current_buffer.insert_text(event.data)
            offer.fresh = False

        asked = shown(message)

        def prompt() -> StyleAndTextTuples:
            """The question folded to the screen (:mod:`telbill.menu.asking`), the answer after
            its last line; once answered, the whole line echoed, folded the same way."""
            out: asking.Fragments = [("class:qmark", "?"), ("class:question", f" {asked}")]
            drawn: StyleAndTextTuples = []
            app = get_app()  # the prompt's own application, drawing it: its buffer holds the answer
            if app.is_done:
                drawn.extend(asking.question([*out, ("class:answer", " " + shown(app.current_buffer.text))], [],
                                             self.console.width))
            else:
                drawn.extend([*asking.fold(out, self.console.width), ("class:question", " ")])
            return drawn

        session: PromptSession[str] = PromptSession(
            prompt, style=merge_styles_default([None]), lexer=SimpleLexer("class:answer"),
            input_processors=[_Offered(offer)], key_bindings=bindings,
            completer=_Suggest(complete) if complete is not None else None, complete_while_typing=True,
            reserve_space_for_menu=SUGGESTIONS if complete is not None else 0, **self._io)
        buffer = session.default_buffer
        buffer.reset(Document(line))

        def touched(_: object) -> None:
            offer.fresh = False

        buffer.on_text_changed += touched
        buffer.on_cursor_position_changed += touched
        return self._run(session.app)

    # -- paging and pausing ---------------------------------------------------------------

    def page(self, where: str, *, jump: bool = True) -> PageMove | int:
        """One key after a page: Space, Enter or ↓ the next page, b or ↑ the one before, g and G
        the first and the last, w every value whole, q or Esc leaves the list; with ``jump`` a
        number, then Enter, goes to that page (``where`` says so)."""
        typed = _PageNumber()
        bindings = KeyBindings()
        for move, names in PAGE_KEYS.items():
            for name in names:
                bindings.add(name, eager=True)(_exit_with(move))

        @bindings.add(Keys.ControlM, eager=True)
        def _enter(event: KeyPressEvent) -> None:
            event.app.exit(result=int(typed.digits) if typed.digits else PageMove.NEXT)

        @bindings.add(Keys.Escape, eager=True)
        def _escape(event: KeyPressEvent) -> None:
            if typed.digits:
                typed.digits = ""
            else:
                event.app.exit(result=PageMove.STOP)

        @bindings.add(Keys.Backspace)
        def _backspace(event: KeyPressEvent) -> None:
            typed.digits = typed.digits[:-1]

        @bindings.add(Keys.ControlC, eager=True)
        def _interrupt(event: KeyPressEvent) -> None:
            event.app.exit(exception=KeyboardInterrupt())

        @bindings.add(Keys.Any)
        def _other(event: KeyPressEvent) -> None:
            """A digit makes a page number (with ``jump``); other keys do nothing."""
            key = halfwidth(event.key_sequence[0].key)
            if jump and len(key) == 1 and key.isascii() and key.isdigit():
                typed.type(key)

        def text() -> StyleAndTextTuples:
            if typed.digits:
                return [("class:instruction", self.tr("menu.page.typed", page=typed.digits))]
            return [("class:instruction", shown(where))]

        app: Application[PageMove | int] = Application(
            layout=Layout(Window(FormattedTextControl(text), height=1)), key_bindings=bindings,
            erase_when_done=True, **self._io)
        answer = self._run(app)
        self._paged = True
        if answer is PageMove.STOP:
            self._one_key_at = monotonic()
        return answer

    def pause(self) -> None:
        import questionary

        try:
            folded = asking.fold([("", self.tr("menu.pause"))], self.console.width)  # the one rule
            message = "".join(text for _, text in folded)
            self._run(questionary.press_any_key_to_continue(message, **self._io).application)
        except (KeyboardInterrupt, EOFError):
            pass


PAGE_KEYS: dict[PageMove, tuple[str, ...]] = {
    PageMove.NEXT: (" ", "pagedown", "down", "j", "n"),
    PageMove.BACK: ("b", "pageup", "up", "k", "p"),
    PageMove.FIRST: ("g", "home"),
    PageMove.LAST: ("G", "end"),
    PageMove.WHOLE: ("w",),
    PageMove.STOP: ("q", "Q"),
}
"""The pager's keys (Enter, Esc and digits are handled apart)."""
PAGE_DIGITS = 9
"""The longest page number that can be typed."""


@dataclass(slots=True)
class _PageNumber:
    """The page number being typed at a pager's line."""

    digits: str = ""

    def type(self, digit: str) -> None:
        """Add ``digit``: leading zeros are dropped, and the number stops at :data:`PAGE_DIGITS` digits."""
        if len(self.digits) < PAGE_DIGITS:
            self.digits = (self.digits + digit).lstrip("0")


class TypedNumber:
    """The number being typed in a numbered list, and the option pointed at.

    A digit is taken only if some option's number starts with what it makes (so
    ``1``, ``1``, ``1`` stays ``11`` when there is no item 111); the pointer is on
    the option whose number has been typed, or the first one it could become.
    Backspace takes the last digit back (the last one of all: the pointer goes back
    where it was before the number, as the question looks); the arrow keys move the
    pointer and forget the number. Enter takes the option pointed at. No timing is involved.
    """

    def __init__(self, numbers: Sequence[str], pointer: int = 0) -> None:
        self.numbers = list(numbers)
        self.typed = ""
        self.pointer = pointer
        self._before = pointer
        """Where the pointer was before the number being typed."""

    def type(self, digit: str) -> bool:
        """Add ``digit`` if some number starts with the result; whether it was taken."""
        attempt = self.typed + digit
        if not any(n.startswith(attempt) for n in self.numbers):
            return False
        if not self.typed:
            self._before = self.pointer
        self.typed = attempt
        self._point()
        return True

    def erase(self) -> None:
        """Take the last digit back."""
        if not self.typed:
            return
        self.typed = self.typed[:-1]
        if self.typed:
            self._point()
        else:
            self.pointer = self._before

    def move(self, step: int) -> None:
        """Move the pointer (an arrow key); the number typed is forgotten."""
        self.typed = ""
        self.pointer = (self.pointer + step) % len(self.numbers)

    def _point(self) -> None:
        if self.typed in self.numbers:
            self.pointer = self.numbers.index(self.typed)
        elif self.typed:
            self.pointer = next(i for i, n in enumerate(self.numbers) if n.startswith(self.typed))


@dataclass(slots=True)
class _ListState:
    """A numbered list between two keys: the option pointed at, the number being typed, and
    what Enter does now. Each method is what one key does."""

    control: Any
    """questionary's list (untyped): the option pointed at, and whether the list was answered."""
    number: TypedNumber
    back: bool
    """Inside an item: ``q`` then Enter, or Esc, leaves."""
    chosen: bool
    """Enter takes the option pointed at (inside an item always; at the main menu once a number
    was typed or an arrow key moved)."""
    chosen_before: bool
    """What :attr:`chosen` was before the number being typed (Backspace that erases it puts it back)."""
    leaving: bool = False
    """``q`` was typed: Enter leaves."""

    def type(self, digit: str) -> None:
        """A digit: it adds to the number if some option's number starts with what it makes."""
        self.leaving = False
        if not self.number.typed:
            self.chosen_before = self.chosen
        if self.number.type(digit):
            self.chosen = True
        self.control.pointed_at = self.number.pointer

    def erase(self) -> None:
        """Backspace: takes back the ``q``, else the last digit."""
        if self.leaving:
            self.leaving = False
            return
        if self.number.typed:
            self.number.erase()
            if not self.number.typed:  # the question as it was before the number: at the main menu
                self.chosen = self.chosen_before  # Enter again does nothing
        self.control.pointed_at = self.number.pointer

    def move(self, step: int) -> None:
        """An arrow key: the pointer moves, the number is forgotten, and Enter takes the option."""
        self.leaving, self.chosen = False, True
        self.number.move(step)
        self.control.pointed_at = self.number.pointer

    def take(self, event: KeyPressEvent) -> None:
        """The option pointed at is the answer."""
        self.control.is_answered = True
        event.app.exit(result=self.control.get_pointed_at().value)


def _list_bindings(state: _ListState, hotkeys: Mapping[str, int], one_key: Callable[[], None]) -> KeyBindings:
    """A numbered list's keys: a digit, a hotkey (``one_key`` is told), ``q``, Backspace, the arrow
    keys, Esc, Ctrl-C and Enter."""
    bindings = KeyBindings()

    @bindings.add(Keys.Any)
    def _typed(event: KeyPressEvent) -> None:
        key = halfwidth(event.key_sequence[0].key)  # １ from a Chinese input method is 1
        if key in hotkeys:
            state.control.pointed_at = hotkeys[key]
            one_key()
            state.take(event)
        elif len(key) == 1 and key.isascii() and key.isdigit():
            state.type(key)
        elif state.back and key in ("q", "Q"):
            state.leaving = True

    @bindings.add(Keys.Backspace)
    def _backspace(event: KeyPressEvent) -> None:
        state.erase()

    @bindings.add(Keys.Down)
    @bindings.add(Keys.ControlN)
    def _down(event: KeyPressEvent) -> None:
        state.move(1)

    @bindings.add(Keys.Up)
    @bindings.add(Keys.ControlP)
    def _up(event: KeyPressEvent) -> None:
        state.move(-1)

    @bindings.add(Keys.Escape, eager=True)
    def _escape(event: KeyPressEvent) -> None:
        if state.back:
            event.app.exit(exception=BackToMenu())

    @bindings.add(Keys.ControlC, eager=True)
    def _interrupt(event: KeyPressEvent) -> None:
        event.app.exit(exception=KeyboardInterrupt())

    @bindings.add(Keys.ControlM, eager=True)
    def _enter(event: KeyPressEvent) -> None:
        if state.leaving:
            event.app.exit(exception=BackToMenu())
        elif state.chosen:
            state.take(event)

    return bindings


def _signalled(app: Application[Any]) -> bool:
    """Whether Ctrl-C came after the question was answered, while it was being taken down (it is
    then taken as Ctrl-C right after the answer).

    The terminal is in raw mode only while a question waits for keys: just before and after, Ctrl-C
    comes as a signal, which prompt_toolkit turns into a key of its own (``<sigint>``). Before the
    answer it is taken by the binding of :meth:`TerminalAsker._run` (the lists and the pager did not
    bind it: it was lost, and the main menu stayed open about 1 time in 10 on a loaded machine).
    After the answer prompt_toolkit no longer handles keys: it kept it as a key typed ahead, which
    the next question threw away or took after the item had run. It is taken out of the keys typed
    ahead here; the others stay."""
    keys = get_typeahead(app.input) + app.key_processor.empty_queue()
    store_typeahead(app.input, [key for key in keys if key.key != Keys.SIGINT])
    return any(key.key == Keys.SIGINT for key in keys)


def _exit_with(move: PageMove | int) -> Callable[[KeyPressEvent], None]:
    def handler(event: KeyPressEvent) -> None:
        event.app.exit(result=move)
    return handler


@dataclass(slots=True)
class _Offer:
    """Whether a question line still holds the value it offered, untouched (typing replaces it)."""

    fresh: bool


class _Offered(Processor):
    """An offered value not yet touched is shown reversed (typing replaces it). Once the line is
    answered it is not drawn: the question's last line echoes it, folded to the screen."""

    def __init__(self, offer: _Offer) -> None:
        self.offer = offer

    def apply_transformation(self, ti: TransformationInput) -> Transformation:
        if get_app().is_done:
            return Transformation([], source_to_display=lambda _: 0, display_to_source=lambda _: 0)
        if not self.offer.fresh:
            return Transformation(ti.fragments)
        reversed_: StyleAndTextTuples = [(f"{fragment[0]} reverse", fragment[1]) for fragment in ti.fragments]
        return Transformation(reversed_)


class _Suggest(Completer):
    """Subscribers whose phone, name or pinyin fits what has been typed."""

    def __init__(self, complete: Callable[[str], Sequence[tuple[str, str]]]) -> None:
        self.complete = complete

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
        typed = document.text_before_cursor
        if not typed.strip():
            return
        try:
            found = self.complete(typed)
        except TelbillError:
            return
        for value, label in found[:SUGGESTIONS]:
            yield Completion(value, start_position=-len(typed), display=shown(label))
