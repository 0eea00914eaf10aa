"""Item 13: back up the data files, restore a backup, undo the last change."""

from __future__ import annotations

from datetime import datetime

from telbill.constants import DataKind
from telbill.menu.ask import BackToMenu
from telbill.menu.context import Ctx, Item
from telbill.menu.layout import Column
from telbill.menu.picking import pick_from
from telbill.menu.rows import count
from telbill.session.facade import Backup
from telbill.store.audit import AuditEntry
from telbill.store.history import headline
from telbill.text.messages import CATALOG

UNDO_SHOWN = 3
"""Records of one kind shown before a change is undone (a user deleted with 500 calls fits a screen)."""
LATER_SHOWN = 5
"""Later changes a restore also takes back, shown before it is asked for."""


def item_backup(ctx: Ctx) -> None:
    """13. Copy the data files into the backup folder, put a backup back, or undo the last change."""
    tr, ask = ctx.tr, ctx.ask
    ctx.view.title(Item.BACKUP.label(tr))
    what = ask.choose(tr("menu.ask.backup_what"), [(tr("menu.backup.now"), "now"),
                                                   (tr("menu.backup.restore"), "restore"),
                                                   (tr("menu.backup.undo"), "undo")])
    if what == "now":
        with ctx.busy("menu.busy.backup"):
            changes = ctx.session.backup_now()
        for change in changes:
            ctx.view.ok(tr("menu.backup.done", path=str(change.path), copy=str(change.backup)))
    elif what == "restore":
        _restore(ctx)
    else:
        _undo(ctx)


def _undo(ctx: Ctx) -> None:
    """Show the last change, ask, and take it back (both files where it changed both)."""
    s, tr = ctx.session, ctx.tr
    s.check_writable()
    last = s.last_change()
    if last is None:
        ctx.view.warn(tr("menu.undo.none"))
        raise BackToMenu
    entries, skipped = last
    if skipped:
        ctx.view.warn(tr("menu.undo.skipped", count=count(skipped)))
    ctx.view.say(tr("menu.undo.last"))
    groups: dict[str, list[AuditEntry]] = {}
    for entry in entries:
        groups.setdefault(entry.action, []).append(entry)
    for action, group in groups.items():
        ctx.view.say("  " + action_label(ctx, action, len(group)))
        for entry in group[:UNDO_SHOWN]:
            if entry.before:
                ctx.view.say(tr("menu.undo.before", record=entry.before))
            if entry.after:
                ctx.view.say(tr("menu.undo.after", record=entry.after))
        if len(group) > UNDO_SHOWN:
            ctx.view.say(tr("menu.undo.more", count=count(len(group) - UNDO_SHOWN)))
    if not ctx.ask.confirm(tr("menu.undo.confirm")):
        ctx.view.warn(tr("menu.not_undone"))
        return
    with ctx.busy("menu.busy.undo"):
        changes = s.undo()
    ctx.view.ok(tr("menu.undo.done", count=count(len(changes))))
    for path in dict.fromkeys(c.path for c in changes):
        ctx.view.say(tr("menu.saved_new", path=str(path)))
    ctx.saved()


def action_label(ctx: Ctx, action: str, times: int = 1) -> str:
    """An audit-log action (``modify-call``) in words, in the interface language; done ``times``
    times, with its count (``deleted 8 call records``)."""
    key = f"action.{action}" if times == 1 else f"actions.{action}"
    if key in CATALOG:
        return ctx.tr(key, count=count(times))
    return action if times == 1 else ctx.tr("menu.undo.group", action=action, count=count(times)).strip()


def change_text(ctx: Ctx, entry: AuditEntry) -> str:
    """A change in one line, as restoring takes it back: ``modified a user: OLD → NEW``
    (an added record is only NEW, a deleted one only OLD)."""
    records = " → ".join(r for r in (entry.before, entry.after) if r)
    return ctx.tr("menu.backup.change", action=action_label(ctx, entry.action), records=records)


def _taken_back(ctx: Ctx, entries: tuple[AuditEntry, ...]) -> str:
    """A change in one line: its headline (:func:`~telbill.store.history.headline`), and how many more
    records it changed."""
    if not entries:
        return ctx.tr("menu.backup.copy")
    text = change_text(ctx, headline(entries))
    if len(entries) > 1:
        text += ctx.tr("menu.backup.more", count=count(len(entries) - 1))
    return text


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment is not None else "-"


def _restore(ctx: Ctx) -> None:
    """List the backups (a change to both files is one row), show what restoring the one chosen
    takes back besides, ask, and restore every file it names in one transaction."""
    s, tr = ctx.session, ctx.tr
    s.check_writable()
    backups = s.list_backups()
    if not backups:
        ctx.view.warn(tr("menu.backup.none", folder=str(s.backup_dir(DataKind.USERS))))
        raise BackToMenu

    def undoes(b: Backup) -> str:
        text = _taken_back(ctx, b.changes)
        if b.later:
            text += tr("menu.backup.later", count=count(len(b.later)))
        return text if b.usable else tr("menu.backup.unusable", what=text)

    rows = [[str(i), _when(b.taken), ", ".join(s.path(kind).name for kind in b.kinds), undoes(b)]
            for i, b in enumerate(backups, 1)]
    ctx.view.table([Column(tr("menu.col.no"), "right"), Column(tr("menu.col.taken")),
                    Column(tr("menu.col.file")), Column(tr("menu.col.undoes"), wrap=True)], rows,
                   tr("menu.backup.list", count=count(len(backups))))
    chosen = backups[pick_from(ctx, "menu.ask.which_backup", len(backups)) - 1]
    if chosen.later:
        ctx.view.say(tr("menu.backup.also", count=count(len(chosen.later))))
        for entries in chosen.later[:LATER_SHOWN]:
            ctx.view.say("  " + _taken_back(ctx, entries))
        if len(chosen.later) > LATER_SHOWN:
            ctx.view.say(tr("menu.undo.more", count=count(len(chosen.later) - LATER_SHOWN)))
    ways: dict[tuple[bool, datetime | None], list[str]] = {}  # files restored the same way: named together
    for source in chosen.sources:
        ways.setdefault((source.is_copy, source.taken), []).append(str(s.path(source.kind)))
    what = [tr("menu.backup.as_copy" if is_copy else "menu.backup.as_before", when=_when(when),
               paths=tr("menu.backup.and").join(paths)) for (is_copy, when), paths in ways.items()]
    if not ctx.ask.confirm(tr("menu.backup.confirm", what=tr("menu.backup.and").join(what))):
        ctx.view.warn(tr("menu.not_restored"))
        return
    with ctx.busy("menu.busy.restore"):
        changes = s.restore(chosen)
    for change in changes:
        ctx.view.ok(tr("menu.backup.restored", path=str(change.path)))
        if change.backup is not None:
            ctx.view.say(tr("menu.backup.previous", copy=str(change.backup)))
    ctx.saved()
