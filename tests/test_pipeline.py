"""The pipeline: runs are recorded with their figures; a killed run is marked as such."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from dedup import pipeline
from dedup.config import Settings
from dedup.models import Run, utcnow
from dedup.store import Store


def test_runs_are_recorded_with_figures_and_killed_ones_marked(
    store: Store, settings: Settings, seeds_dir: Path
) -> None:
    with store.session() as s:
        s.add(Run(command="poll", started_at=utcnow(), status="running", figures={}))
    summary = pipeline.import_paths(settings, [seeds_dir], analyze=True)
    assert summary.new == 5 and summary.analysis is not None
    again = pipeline.analyze(settings)
    assert again.paragraphs == 0
    with store.session() as s:
        runs = s.scalars(select(Run).order_by(Run.id)).all()
    assert [(r.command, r.status) for r in runs] == [
        ("poll", "killed"),
        ("import", "ok"),
        ("analyze", "ok"),
    ]
    assert runs[1].figures["new"] == 5
    assert runs[1].figures["analysis"]["passages"]["reuse"] >= 6
    assert runs[2].finished_at is not None
