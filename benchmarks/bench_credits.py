"""The credit finder's cost over every sentence of Reuters-21578, against the sentence splitter.

    .venv/bin/python benchmarks/bench_credits.py
    .venv/bin/python benchmarks/bench_credits.py --repeat 3   # best of 3 runs of each timing

Reads every paragraph of Reuters (as ``dedup.ingest.reuters`` gives them), then times in one
run: the sentence splitter over those paragraphs (the baseline), and the credit finder over
every sentence with the shipped model, uncached (``credits._sentence_credits`` behind the
cheap cue filter, as a story's first sight of a sentence runs it), and ``find_credits`` over
every paragraph with a cold cache (what the stories step pays, splitting included). Prints
seconds per 10,000 sentences and the finder / splitter ratio, the share of sentences and
candidate spans the cheap filters reject, and a digest of every credit found (publisher key,
pattern, span, probability to 6 places), so a change that claims identical output can show it.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dedup.stories import credits  # noqa: E402
from dedup.text.sentences import sentences  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "reuters21578"


def paragraphs() -> list[str]:
    from dedup.ingest import reuters

    out = []
    for path in sorted(DATA.glob("reut2-*.sgm")):
        for entry in reuters.read_entries(path.read_bytes().decode("latin-1")):
            for block in entry.blocks:
                text = block if isinstance(block, str) else getattr(block, "text", "")
                if text.strip():
                    out.append(text)
    return out


def _best(repeat: int, run: object) -> float:
    assert callable(run)
    times = []
    for _ in range(repeat):
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    if not DATA.is_dir():
        raise SystemExit(f"bench_credits: {DATA} is not there (../shared/data beside the repo)")
    texts = paragraphs()
    split = [s for p in texts for s in sentences(p)]
    model = credits.load_model()
    credits.sentence_credits("warm-up (Reuters) - said")  # compile the patterns
    splitter = _best(args.repeat, lambda: [sentences(p) for p in texts])
    empty: frozenset[str] = frozenset()

    def finder() -> list[list[tuple[float, str, object]]]:
        return [
            credits._sentence_credits(s, empty, model)
            if credits._may_credit(s, empty) and credits._ANY_CUE.search(s)
            else []
            for s in split
        ]

    found: list[list[tuple[float, str, object]]] = []

    def run_finder() -> None:
        found[:] = finder()

    finder_time = _best(args.repeat, run_finder)

    def whole() -> None:
        credits._shipped_sentence_credits.cache_clear()
        credits.find_credits(texts)

    whole_time = _best(args.repeat, whole)
    digest = hashlib.sha256()
    n_credits = 0
    for s, got in zip(split, found, strict=True):
        for p, pattern, c in got:
            n_credits += 1
            key = getattr(c, "key", "")
            span = (getattr(c, "start", 0), getattr(c, "end", 0))
            digest.update(f"{s}\t{key}\t{pattern}\t{span}\t{p:.6f}\n".encode())
    cue = sum(1 for s in split if credits._ANY_CUE.search(s))
    gate = sum(1 for s in split if credits._ANY_CUE.search(s) and credits._may_credit(s, empty))
    per = 10_000 / len(split)
    print(
        f"bench_credits: Reuters-21578, {len(texts)} paragraphs, {len(split)} sentences; "
        f"{cue} ({cue / len(split):.0%}) pass the cue filter, {gate} ({gate / len(split):.0%}) "
        f"the outlet filter too; {n_credits} credits and interview mentions found"
    )
    print(f"  sentence splitter (baseline) {splitter:.2f} s CPU, {splitter * per:.3f} s / 10k")
    print(
        f"  credit finder, uncached      {finder_time:.2f} s CPU, {finder_time * per:.3f} s / 10k;"
        f" finder / splitter = {finder_time / splitter:.2f}"
    )
    print(
        f"  find_credits, cold cache     {whole_time:.2f} s CPU, {whole_time * per:.3f} s / 10k;"
        f" find_credits / splitter = {whole_time / splitter:.2f}"
    )
    print(f"  output digest {digest.hexdigest()[:16]}")


if __name__ == "__main__":
    main()
