"""Precision and recall of the credit finder on the labelled real sentences in tests/data.

    .venv/bin/python benchmarks/eval_credits.py            # both parts
    .venv/bin/python benchmarks/eval_credits.py --errors dev

``tests/data/credits.jsonl`` holds sentences from the seeds, the captured feeds, Reuters-21578
and ECB+ (found by ``harvest_credits.py``), each labelled by reading: does it name a publisher
as the source of its text (and which)? Statements or interviews given *to* an outlet, "press
reports said", officials and police are not credits. Rules may be written from the ``dev``
part only; ``test`` is the held-apart part the figures are reported on.

A sentence counts as a predicted credit when the finder returns a credit of the text (not an
interview) with a publisher; a true positive must name the labelled publisher (same key).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dedup.stories.credits import find_credits, publisher_key  # noqa: E402
from dedup.stories.origin import INTERVIEW  # noqa: E402

CREDITS = ROOT / "tests" / "data" / "credits.jsonl"


@dataclass(frozen=True)
class Scores:
    split: str
    sentences: int
    credits: int
    precision: float
    recall: float
    errors: tuple[str, ...]


def load(path: Path = CREDITS) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def predicted(text: str) -> set[str]:
    """Publisher keys the finder says ``text`` credits as the source of its text."""
    return {c.key for c in find_credits([text]) if c.key is not None and c.pattern not in INTERVIEW}


def score(rows: list[dict[str, object]], split: str) -> Scores:
    part = [r for r in rows if r["split"] == split]
    tp = fp = fn = 0
    errors = []
    for row in part:
        got = predicted(str(row["text"]))
        want = publisher_key(str(row["publisher"])) if row["credit"] else None
        if want is not None and want in got:
            tp += 1
            got.discard(want)
        elif want is not None:
            fn += 1
            errors.append(f"missed {row['publisher']}: {row['text']}")
        if got:
            fp += len(got)
            errors.append(f"false {sorted(got)}: {row['text']}")
    return Scores(
        split=split,
        sentences=len(part),
        credits=sum(1 for r in part if r["credit"]),
        precision=tp / (tp + fp) if tp + fp else 1.0,
        recall=tp / (tp + fn) if tp + fn else 1.0,
        errors=tuple(errors),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", choices=("dev", "test"))
    args = parser.parse_args()
    rows = load()
    for split in ("dev", "test"):
        s = score(rows, split)
        print(
            f"credit set, {split} part: {s.sentences} sentences, {s.credits} credits; "
            f"precision {s.precision:.3f}, recall {s.recall:.3f} (targets 0.95, 0.9)"
        )
        if args.errors == split:
            for line in s.errors:
                print("   ", line[:220])


if __name__ == "__main__":
    main()
