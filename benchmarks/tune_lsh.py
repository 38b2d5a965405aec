"""How the fingerprint settings were chosen: candidate recall on edits vs candidates per paragraph.

    .venv/bin/python benchmarks/tune_lsh.py [--paragraphs 20000]

Takes Reuters-21578 paragraphs (read from ../shared, never copied) and makes, for a sample,
a light edit (about one word in eight replaced), a trimmed copy (the last third dropped) and a
copied sentence inside new text. For each setting it reports the share of those pairs that
become LSH candidates (through dedup's own units: sentences and quotes) and the average number
of candidates a paragraph draws from the whole set (the verification cost). The default
settings are the cheapest row that keeps recall of every edit kind high.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dedup.index.analysis import paragraph_keys  # noqa: E402
from dedup.index.fingerprint import FingerprintSettings, WordHasher  # noqa: E402
from dedup.index.passages import Para  # noqa: E402
from dedup.ingest.importer import BadRecord, read_files  # noqa: E402
from dedup.text.normalize import norm_key  # noqa: E402

REUTERS = ROOT.parent / "shared" / "data" / "reuters21578"
CONFIGS = [
    FingerprintSettings(shingle_size=3, num_perm=32, bands=8, rows=4),
    FingerprintSettings(shingle_size=3, num_perm=64, bands=16, rows=4),
    FingerprintSettings(shingle_size=3, num_perm=64, bands=32, rows=2),
    FingerprintSettings(shingle_size=3, num_perm=48, bands=16, rows=3),
    FingerprintSettings(shingle_size=3, num_perm=60, bands=20, rows=3),
    FingerprintSettings(shingle_size=3, num_perm=72, bands=24, rows=3),
    FingerprintSettings(shingle_size=3, num_perm=128, bands=32, rows=4),
    FingerprintSettings(shingle_size=2, num_perm=64, bands=16, rows=4),
    FingerprintSettings(shingle_size=4, num_perm=64, bands=16, rows=4),
    FingerprintSettings(shingle_size=5, num_perm=64, bands=16, rows=4),
]


def _texts(limit: int) -> list[str]:
    files = sorted(REUTERS.glob("reut2-*.sgm"))
    if not files:
        sys.exit(f"tune_lsh: no Reuters files under {REUTERS}")
    texts = []
    for rec in read_files(files):
        if isinstance(rec, BadRecord):
            continue
        texts.extend(p.text for p in rec.paragraphs if p.words >= 20)
    random.Random(3).shuffle(texts)
    return texts[:limit]


def _variants(texts: list[str], rng: random.Random) -> dict[str, list[tuple[int, str]]]:
    vocab = [w for t in texts[:2000] for w in t.split()]
    out: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for i, text in enumerate(texts[:1000]):
        words = text.split()
        light = [rng.choice(vocab) if rng.random() < 0.125 else w for w in words]
        out["light edit"].append((i, " ".join(light)))
        out["trimmed"].append((i, " ".join(words[: max(8, 2 * len(words) // 3)])))
        filler = texts[(i + 5000) % len(texts)]
        out["sentence in new text"].append((i, f"{filler} {text} {texts[(i + 7000) % len(texts)]}"))
    return out


def _keys(texts: list[str], owners: list[int], settings: FingerprintSettings) -> tuple:
    """Band keys through dedup's own units, as the analysis computes them."""
    paras = [
        Para(owner, owner, 0, text, norm_key(text), "")
        for text, owner in zip(texts, owners, strict=True)
    ]
    return paragraph_keys(paras, settings, WordHasher())


def measure(texts: list[str], variants: dict, settings: FingerprintSettings) -> dict[str, float]:
    started = time.perf_counter()
    keys, owners = _keys(texts, list(range(len(texts))), settings)
    buckets: dict[int, set[int]] = defaultdict(set)
    for k, o in zip(keys.tolist(), owners.tolist(), strict=True):
        buckets[k].add(o)
    per_para: dict[int, set[int]] = defaultdict(set)
    for members in buckets.values():
        if 1 < len(members) <= 50:
            for m in members:
                per_para[m] |= members
    candidates = sum(len(v) - 1 for v in per_para.values()) / len(texts)
    result = {"candidates per paragraph": candidates}
    for kind, pairs in variants.items():
        vkeys, vowners = _keys([t for _, t in pairs], [i for i, _ in pairs], settings)
        hit = {
            o
            for k, o in zip(vkeys.tolist(), vowners.tolist(), strict=True)
            if o in buckets.get(k, ())
        }
        result[kind] = len(hit) / len(pairs)
    result["seconds"] = time.perf_counter() - started
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--paragraphs", type=int, default=20000)
    args = parser.parse_args()
    texts = _texts(args.paragraphs)
    variants = _variants(texts, random.Random(5))
    print(f"{len(texts)} Reuters paragraphs of 20+ words; 1000 of each edit kind")
    header = None
    for settings in CONFIGS:
        row = measure(texts, variants, settings)
        if header is None:
            header = list(row)
            print("k perm bands x rows | " + " | ".join(header))
        cells = " | ".join(f"{row[h]:.3f}" if h != "seconds" else f"{row[h]:.1f}" for h in header)
        print(
            f"{settings.shingle_size} {settings.num_perm:4d} {settings.bands:3d} x "
            f"{settings.rows} | {cells}"
        )


if __name__ == "__main__":
    main()
