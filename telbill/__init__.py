"""telbill: a telecom customer-bill manager for the terminal (电信计费系统客户帐单管理).

The public API, for scripts and tests that use telbill as a library; each name
is imported on first use, so that ``import telbill`` (and the ``telbill``
command's start) stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "1.0.0"

_WHERE = {
    "main": "telbill.cli",
    "BatchOptions": "telbill.batch.run",
    "run_batch": "telbill.batch.run",
    "DataPaths": "telbill.files.dataset",
    "Session": "telbill.session.facade",
    "LinkedList": "telbill.lists.linked",
    "IntrusiveList": "telbill.lists.linked",
    "Call": "telbill.rules.records",
    "User": "telbill.rules.records",
    "screen_calls": "telbill.rules.screening",
    "compute_bills": "telbill.rules.billing",
    "Tariff": "telbill.rules.tariff",
    "Translator": "telbill.text.i18n",
    "TelbillError": "telbill.errors",
}

__all__ = [
    "BatchOptions", "Call", "DataPaths", "IntrusiveList", "LinkedList", "Session", "Tariff", "TelbillError",
    "Translator", "User", "compute_bills", "main", "run_batch", "screen_calls",
]

if TYPE_CHECKING:
    from telbill.batch.run import BatchOptions, run_batch
    from telbill.cli import main
    from telbill.errors import TelbillError
    from telbill.files.dataset import DataPaths
    from telbill.lists.linked import IntrusiveList, LinkedList
    from telbill.rules.billing import compute_bills
    from telbill.rules.records import Call, User
    from telbill.rules.screening import screen_calls
    from telbill.rules.tariff import Tariff
    from telbill.session.facade import Session
    from telbill.text.i18n import Translator


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'telbill' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
