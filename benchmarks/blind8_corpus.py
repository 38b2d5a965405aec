"""Sentences of blind credit set 8: English news fixtures shipped in PyPI sdists.

Each chosen fixture's article text is extracted with trafilatura (``.txt`` fixtures are
taken as they are), each paragraph is whitespace-normalised, and the paragraphs are split
into sentences with ``dedup.text.sentences.sentences``. Documents are named
``pypi:<package>-<version>/<path inside the sdist>``.

    python benchmarks/blind8_corpus.py [--cache DIR] [--jsonl]

prints one line per sentence, ``doc#index<TAB>sentence`` (or JSON with ``--jsonl``), in a
fixed order. Missing sdists are fetched with ``pip download --no-deps --no-binary :all:``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tarfile
from pathlib import Path

from dedup.text.sentences import sentences

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
FIXTURES = [
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
    (package, "2.3.1" if package == "trafilatura" else "0.9.6", inner)
    for package, inner in FIXTURES
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


def rows(cache: Path):
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/dedup-blind8"))
    parser.add_argument("--jsonl", action="store_true", help="print JSON lines")
    args = parser.parse_args()
    for doc, index, sentence in rows(args.cache):
        if args.jsonl:
            print(json.dumps({"doc": f"{doc}#{index}", "text": sentence}, ensure_ascii=False))
        else:
            print(f"{doc}#{index}\t{sentence}")


if __name__ == "__main__":
    main()
