"""The benchmark of ``telbill bill`` (a development tool, not part of the command).

``python -m telbill.bench`` (:mod:`telbill.bench.__main__`) generates data
(:mod:`~telbill.bench.generate`), checks telbill against a simple reference
(:mod:`~telbill.bench.reference`) and times whole processes
(:mod:`~telbill.bench.timing`); ``--vs duckdb`` compares it with a DuckDB SQL job
(:mod:`~telbill.bench.duckdb_job`, :mod:`~telbill.bench.versus`). ``--menu`` times
the main menu as a process (:mod:`~telbill.bench.menu`: opening, edits) and
``--menu-steps`` its heavy steps in the process (:mod:`~telbill.bench.steps`:
sorting, finding, the first page).
"""

from __future__ import annotations

from telbill.bench.generate import DataSet, ensure_data, generate
from telbill.bench.reference import REF_TARIFF, Mismatch, Reference, reference, verify

__all__ = ["REF_TARIFF", "DataSet", "Mismatch", "Reference", "ensure_data", "generate", "reference", "verify"]
