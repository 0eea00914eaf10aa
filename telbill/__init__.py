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
    "BatchOptions": "telbill.batch",
    "run_batch": "telbill.batch",
    "DataPaths": "telbill.dataset",
    "Session": "telbill.session",
    "LinkedList": "telbill.linkedlist",
    "IntrusiveList": "telbill.linkedlist",
    "Call": "telbill.records",
    "User": "telbill.records",
    "screen_calls": "telbill.screening",
    "compute_bills": "telbill.billing",
    "Tariff": "telbill.tariff",
    "Translator": "telbill.i18n",
    "TelbillError": "telbill.errors",
}

__all__ = [
    "BatchOptions", "Call", "DataPaths", "IntrusiveList", "LinkedList", "Session", "Tariff", "TelbillError",
    "Translator", "User", "compute_bills", "main", "run_batch", "screen_calls",
]

if TYPE_CHECKING:
    from telbill.batch import BatchOptions, run_batch
    from telbill.billing import compute_bills
    from telbill.cli import main
    from telbill.dataset import DataPaths
    from telbill.errors import TelbillError
    from telbill.i18n import Translator
    from telbill.linkedlist import IntrusiveList, LinkedList
    from telbill.records import Call, User
    from telbill.screening import screen_calls
    from telbill.session import Session
    from telbill.tariff import Tariff


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'telbill' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
