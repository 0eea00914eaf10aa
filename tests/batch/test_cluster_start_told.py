"""A run on a cluster tells that the cluster is starting (a spinner on a terminal: it takes some
seconds with nothing else on the screen), and its summary keeps that start apart from the time
spent reading."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from telbill.batch.run import BatchResult
from telbill.cli import _BatchProgress, print_summary
from telbill.rules.screening import AnomalyCode
from telbill.text.i18n import Translator


def shown(progress: _BatchProgress) -> str:
    """The bar's lines now (drawn on a console of their own)."""
    shot = Console(record=True, width=100, force_terminal=True, file=io.StringIO())
    shot.print(progress.bar.make_tasks_table(progress.bar.tasks))
    return shot.export_text()


@pytest.mark.parametrize(("local", "words"), [(True, "starting the cluster …"), (False, "reaching the cluster …")])
def test_the_cluster_starting_is_said_at_once_then_the_split(local: bool, words: str) -> None:
    """Whatever the file's size, the cluster's start pulses under its name; the split then takes over."""
    console = Console(record=True, width=100, force_terminal=True, file=io.StringIO())
    progress = _BatchProgress(console, Translator("en"), local_cluster=local)
    progress.phase("cluster")
    assert words in shown(progress)
    progress.phase("split")
    text = shown(progress)
    assert "splitting call records into partitions" in text and words not in text
    progress.stop()


@pytest.mark.parametrize(("cluster", "lang", "said"), [
    ("local:2", "en", "(workers: 2, threads: 2); it took 4.00 s to start, not counted in the time above."),
    ("tcp://10.0.0.5:8786", "en", "; it took 4.00 s to reach, not counted in the time above."),
    ("local:2", "zh", "；启动集群用时 4.00 秒，未计入上面的用时。"),
])
def test_the_summary_counts_the_clusters_start_apart(cluster: str, lang: str, said: str) -> None:
    """14 records read in 1 s of a 5 s run whose cluster took 4 s to start: 14 records/s, not 2 (the
    instructor's file on --cluster local said 'in 3.95 s (3 records/s)')."""
    result = BatchResult(calls=Path("data/calls.txt"), records=14, billed=14, counts=dict.fromkeys(AnomalyCode, 0),
                         months=["2024-05"], grand_total=100, written=[Path("output/bills.txt")], encodings={},
                         timings={"total": 5.0, "cluster": 4.0}, partitions=8, cluster=cluster, workers=(2, 2))
    out = Console(file=io.StringIO(), width=300)
    print_summary(result, Translator(lang), out, Console(file=io.StringIO()))
    lines = out.file.getvalue().splitlines()  # type: ignore[attr-defined]
    assert ("in 1.00 s (14 records/s)." if lang == "en" else "用时 1.00 秒（每秒 14 条）") in lines[0]
    assert lines[-2].endswith(said), lines[-2]
