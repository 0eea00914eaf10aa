"""The benchmark of ``telbill bill`` (a development tool, not part of the command).

``python -m benchmarks`` (:mod:`benchmarks.__main__`) generates data
(:mod:`~benchmarks.generate`), checks telbill against a simple reference
(:mod:`~benchmarks.reference`) and times whole processes
(:mod:`~benchmarks.timing`); ``--vs duckdb`` compares it with a DuckDB SQL job
(:mod:`~benchmarks.duckdb_job`, :mod:`~benchmarks.versus`). ``--menu`` times
the main menu as a process (:mod:`~benchmarks.menu`: opening, edits) and
``--menu-steps`` its heavy steps in the process (:mod:`~benchmarks.steps`:
sorting, finding, the first page).
"""

from __future__ import annotations

from benchmarks.generate import DataSet, ensure_data, generate
from benchmarks.reference import REF_TARIFF, Mismatch, Reference, reference, verify

__all__ = ["REF_TARIFF", "DataSet", "Mismatch", "Reference", "ensure_data", "generate", "reference", "verify"]
