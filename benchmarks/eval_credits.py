"""Precision and recall of the credit finder on labelled real sentences.

    .venv/bin/python benchmarks/eval_credits.py                      # tests/data/credits.jsonl
    .venv/bin/python benchmarks/eval_credits.py --file PATH --errors  # any labelled file

A labelled file holds one JSON object a line: ``text`` (a sentence), ``credit`` (does it
name a publisher as the source of its text?), ``publisher`` (which; null when not a credit),
and optionally ``corpus`` and ``split``. ``tests/data/credits.jsonl`` holds sentences from the
seeds, the captured feeds, Reuters-21578 and ECB+ (found by ``harvest_credits.py``), each
labelled by reading. Statements or interviews given *to* an outlet, "press reports said",
officials and police are not credits. All of it is development data: the credit model is
fitted on it (``fit_credits.py``, which reports cross-validated figures); a held-apart set
labelled by someone else is scored with ``--file``.

A sentence counts as a predicted credit when the finder returns a credit of the text (not an
interview) with a publisher; a true positive must name the labelled publisher: the same key,
or one key holding the other ("Kyodo" for "Kyodo News Service", "New England Journal of
Medicine" for "Thursday's New England Journal of Medicine"), or the other of a name and its
acronym that the sentence sets side by side ("the Sudan News Agency (SUNA)": the labels name
whichever the labeller chose, and the finder credits one of the two). Every other publisher it
names is a false positive.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dedup.stories.credit_features import apposed, candidates, untokenised  # noqa: E402
from dedup.stories.credits import find_credits, publisher_key  # noqa: E402
from dedup.stories.origin import INTERVIEW  # noqa: E402
from dedup.stories.publishers import DISPLAY  # noqa: E402

CREDITS = ROOT / "tests" / "data" / "credits.jsonl"


@dataclass(frozen=True)
class Scores:
    name: str
    sentences: int
    credits: int
    precision: float
    recall: float
    errors: tuple[str, ...]
    # the counts behind the figures (sentences found, false credits, sentences missed)
    found: int = 0
    false: int = 0
    missed: int = 0


def load(path: Path = CREDITS) -> list[dict[str, object]]:
    """The labelled rows of ``path``, located rows' text rebuilt from ../shared/data by the
    sets' one loader (``tests/credit_rows.py``)."""
    from tests.credit_rows import Drift, SharedMissing, load_stored, rebuild

    stored = load_stored(path)
    rows = []
    for number, row in enumerate(stored, 1):
        if not isinstance(row, dict) or "credit" not in row:
            raise SystemExit(f"eval_credits: {path}:{number}: needs 'text' and 'credit'")
        try:
            row = rebuild(row)
        except (SharedMissing, Drift) as problem:
            raise SystemExit(f"eval_credits: {path}:{number}: {problem}") from None
        if "text" not in row:
            raise SystemExit(f"eval_credits: {path}:{number}: needs 'text' and 'credit'")
        rows.append(row)
    return rows


def predicted(text: str) -> set[str]:
    """Publisher keys the finder says ``text`` credits as the source of its text."""
    return {c.key for c in find_credits([text]) if c.key is not None and c.pattern not in INTERVIEW}


def canonical(key: str) -> str:
    """The key of the name a publisher is shown under: "newchinanewsagency" and "xinhua" are
    one (the labels name a known outlet as ``publishers.DISPLAY`` shows it)."""
    return publisher_key(DISPLAY.get(key, key))


def same_publisher(got: str, want: str) -> bool:
    """Keys naming one publisher: equal once shown by their display name, or one holding the
    other (at least 3 letters)."""
    got, want = canonical(got), canonical(want)
    return got == want or (min(len(got), len(want)) >= 3 and (got in want or want in got))


@lru_cache(maxsize=1 << 14)
def apposed_names(text: str) -> frozenset[frozenset[str]]:
    """Pairs of keys ``text`` gives to one outlet: a name and its acronym side by side."""
    from dedup.text.sentences import sentences

    pairs = set()
    for sentence in sentences(text):
        spans = candidates(sentence)
        joined = untokenised(sentence)
        for i, a in enumerate(spans):
            for b in spans[i + 1 :]:
                if apposed(joined, a, b):
                    pairs.add(frozenset((canonical(a.key), canonical(b.key))))
    return frozenset(pairs)


def score(
    rows: Iterable[dict[str, object]],
    name: str = "all",
    finder: Callable[[str], set[str]] = predicted,
) -> Scores:
    part = list(rows)
    tp = fp = fn = 0
    errors = []
    for row in part:
        got = finder(str(row["text"]))
        want = publisher_key(str(row["publisher"])) if row["credit"] else None
        hit = {
            g
            for g in got
            if want is not None
            and (
                same_publisher(g, want)
                or frozenset((canonical(g), canonical(want))) in apposed_names(str(row["text"]))
            )
        }
        if hit:
            tp += 1
            got -= hit
        elif want is not None:
            fn += 1
            errors.append(f"missed {row['publisher']}: {row['text']}")
        if got:
            fp += len(got)
            errors.append(f"false {sorted(got)}: {row['text']}")
    return Scores(
        name=name,
        sentences=len(part),
        credits=sum(1 for r in part if r["credit"]),
        precision=tp / (tp + fp) if tp + fp else 1.0,
        recall=tp / (tp + fn) if tp + fn else 1.0,
        errors=tuple(errors),
        found=tp,
        false=fp,
        missed=fn,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=CREDITS, help="a labelled JSON-lines file")
    parser.add_argument("--errors", action="store_true", help="print each miss and false credit")
    args = parser.parse_args()
    if not args.file.is_file():
        raise SystemExit(f"eval_credits: {args.file} is not a file")
    s = score(load(args.file), args.file.name)
    print(
        f"credit set {s.name}: {s.sentences} sentences, {s.credits} credits; "
        f"precision {s.precision:.3f}, recall {s.recall:.3f} (targets 0.95, 0.9)"
    )
    if args.file == CREDITS:
        print(
            "  (the model was fitted on this file: see fit_credits.py for cross-validated figures)"
        )
    if args.errors:
        for line in s.errors:
            print("   ", line[:220])


if __name__ == "__main__":
    main()
