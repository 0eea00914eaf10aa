"""Keeping the data files on disk: each change saved as one transaction, undo records, recovery.

- :mod:`~telbill.store.lines`: line edits and how line numbers move with them;
- :mod:`~telbill.store.disk`: a file's format and fingerprint, writing its lines, our temporary names;
- :mod:`~telbill.store.audit`: the audit log's lines;
- :mod:`~telbill.store.journal`: the intent written before a change, and recovery after a crash;
- :mod:`~telbill.store.history`: undo records and full copies in the backup folder;
- :mod:`~telbill.store.keeper`: a save, from the first check to the last fsync.

Nothing here prints or prompts; it takes and returns data and raises
:mod:`telbill.errors`.
"""

from telbill.store.audit import AuditEntry
from telbill.store.disk import FileState, read_file, state_of
from telbill.store.keeper import Changed, Keeper, Saved, SavePlan, recover_saves
from telbill.store.lines import LineEdit

__all__ = ["AuditEntry", "Changed", "FileState", "Keeper", "LineEdit", "SavePlan", "Saved", "read_file", "recover_saves",
           "state_of"]
