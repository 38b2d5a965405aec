"""Harvest candidate credit / non-credit sentences from ../shared/data for labelling by hand.

    .venv/bin/python benchmarks/harvest_credits.py > /tmp/candidates.jsonl
    .venv/bin/python benchmarks/harvest_credits.py --seed 11 --outlets > /tmp/more.jsonl
    .venv/bin/python benchmarks/harvest_credits.py --to-locators tests/data/credits.jsonl

Prints sentences holding a credit cue ("reported", "according to", "told", "via", "source",
"copyright", a "(Wire) -" dateline, ...) from the seeds, the captured feeds, Reuters-21578 and
ECB+, sampled evenly by corpus with a fixed seed. The labels in tests/data/credits.jsonl were
given by reading each sentence; this script only finds sentences worth reading. Sentences
already in the labelled set are left out. ``--outlets`` keeps only sentences that also name
something outlet-like (a media word, a known outlet, an outlet-kind word, a parenthesised
capitalised name or a domain), so a reading round finds more credits of varied wording; the
first round (seed 5) was drawn without it. ``--to-locators`` stores a labelled file's rows as
locators into the corpora (``tests/credit_rows.py`` says how), once each row has its ``doc``.
The corpora are read by ``tests/credit_rows.py``, the readers the labelled rows are rebuilt
with, so a harvested sentence is always one a locator can point at.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tests.credit_rows as rows  # noqa: E402
from dedup.text.sentences import sentences  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
CUE = re.compile(
    r"(?i)\b(reported|reports|report said|according to|told|via|source[sd]?:|copyright|©|"
    r"contributed to|courtesy of|originally published|first appeared|published by|"
    r"said in an? (?:interview|statement)|news agency|newspaper|television|press)\b|"
    r"\([A-Z][A-Za-z]+\)\s*[-—–]"
)


OUTLET = re.compile(
    r"\b(?:[A-Z][\w.&'’-]*\s+){0,3}(?:News|Times|Post|Journal|Press|Herald|Tribune|Gazette|"
    r"Daily|Magazine|Radio|TV|Television|Agency|Observer|Chronicle|Mail|Express|Standard|"
    r"Inquirer|Register|Courier|Review|Shimbun|Zeitung|Network)\b"
    r"|\b(?:newspaper|daily|weekly|magazine|news agency|agency|broadcaster|tabloid|website|"
    r"station|channel|network|wire service)\b"
    r"|\([A-Z][A-Za-z.]+\)"
    r"|\b[\w-]+\.(?:com|org|net|co\.uk)\b"
    r"|\b(?:AP|AFP|UPI|CNN|BBC|NBC|CBS|ABC|TMZ|NPR|Reuters|Bloomberg|Xinhua|Kyodo|Tass|TASS|"
    r"Interfax|Yonhap|Bernama|Antara|ANSA|EFE|IRNA|dpa|DPA)\b"
)


def _split(docs: dict[str, str]) -> list[tuple[str, str]]:
    # a document's text holds one block a line (tests/credit_rows.document_text)
    return [(doc, s) for doc, text in docs.items() for b in text.split("\n") for s in sentences(b)]


def _seeds() -> list[tuple[str, str]]:
    names = sorted(p.name for p in (DATA / "seeds").glob("*.txt"))
    return _split({name: rows.document_text(f"seeds:{name}") for name in names})


def _reuters() -> list[tuple[str, str]]:
    docs = {}
    for path in sorted((DATA / "reuters21578").glob("reut2-*.sgm")):
        for number, _ in enumerate(rows.reuters_file(path.name)):
            docs[f"{path.name}#{number}"] = rows.document_text(f"reuters:{path.name}#{number}")
    return _split(docs)


def _ecbplus() -> list[tuple[str, str]]:
    root = DATA / "ecbplus" / "ECB+_LREC2014" / "ECB+"
    return [
        (f"{path.parent.name}/{path.name}", sentence)
        for path in sorted(root.glob("*/*.xml"))
        for sentence in rows.ecbplus_sentences(path)
    ]


def _feeds(fields: tuple[str, ...] = ("summary", "title")) -> list[tuple[str, str]]:
    import feedparser

    out = []
    for path in sorted((DATA / "feeds").rglob("*")):
        if not path.is_file() or path.suffix.lower() not in (".xml", ".rss", ".atom", ".rdf"):
            continue
        parsed = feedparser.parse(path.read_bytes())
        for number, entry in enumerate(parsed.entries):
            doc = f"{path.relative_to(DATA / 'feeds')}#{number}"
            for field in fields:
                text = rows.feed_field_text(entry.get(field, ""))
                out += [(doc, s) for s in sentences(" ".join(text.split()))]
    return out


# the harvest reads summaries and titles; the document lookup reads every text field, as the
# second labelling round's sentences came from all of them
FEED_FIELDS = rows.FEED_FIELDS
LOADERS = {"seeds": _seeds, "feeds": _feeds, "reuters": _reuters, "ecbplus": _ecbplus}


def to_locators(path: Path) -> tuple[int, int]:
    """Rewrite ``path`` with every row that its document holds exactly stored as a locator
    (``tests/credit_rows.locate``: doc, span, sha1), checked to rebuild the same rows before
    the file is replaced. Returns (rows, rows located)."""
    stored = rows.load_stored(path)
    full = [rows.rebuild(row) for row in stored]
    located = [rows.locate(row) for row in full]
    text = rows.dump(located)
    if [rows.rebuild(row) for row in json_rows(text)] != full:
        raise SystemExit(f"harvest_credits: {path}: the locators do not rebuild the rows")
    path.write_text(text, encoding="utf-8")
    return len(located), sum("span" in row for row in located)


def json_rows(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def add_documents(path: Path) -> tuple[int, int]:
    """Write into each row of ``path`` the document its sentence comes from (``doc``: file and
    entry), so cross-validation can keep one document's sentences in one fold. A sentence is
    found by its words (case, spacing and punctuation aside), first as a whole sentence, then
    inside a document's text, then by its letters and digits alone (ECB+ splits "didn't" into
    "did n't", which a labeller mends). Returns (rows, rows found)."""
    labelled = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    found = 0
    for corpus in sorted({str(r["corpus"]) for r in labelled}):
        if corpus != "feeds" and corpus not in LOADERS:
            continue  # an MSRP sentence is its own document (its doc is written with its ID)
        pairs = _feeds(FEED_FIELDS) if corpus == "feeds" else LOADERS[corpus]()
        by_sentence: dict[str, str] = {}
        whole: dict[str, list[str]] = {}
        for doc, sentence in pairs:
            by_sentence.setdefault(_key(sentence), doc)
            whole.setdefault(doc, []).append(_key(sentence))
        texts = {doc: " ".join(parts) for doc, parts in whole.items()}
        compact = {doc: text.replace(" ", "") for doc, text in texts.items()}
        for row in labelled:
            if row["corpus"] != corpus:
                continue
            key = _key(str(row["text"]))
            doc = by_sentence.get(key) or next(
                (d for d, text in texts.items() if key and key in text), None
            )
            squeezed = key.replace(" ", "")
            doc = doc or next((d for d, text in compact.items() if squeezed in text), None)
            row["doc"] = f"{corpus}:{doc}" if doc else None
            found += doc is not None
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in labelled))
    return len(labelled), found


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--outlets", action="store_true", help="only outlet-naming sentences")
    parser.add_argument("--scale", type=float, default=1.0, help="sample size factor")
    parser.add_argument(
        "--add-documents", type=Path, metavar="JSONL", help="write each row's source document"
    )
    parser.add_argument(
        "--to-locators", type=Path, metavar="JSONL", help="store rows as locators into ../shared"
    )
    args = parser.parse_args()
    if args.to_locators:
        total, located = to_locators(args.to_locators)
        print(f"harvest_credits: {located} of {total} rows stored as locators")
        return
    if args.add_documents:
        total, found = add_documents(args.add_documents)
        print(f"harvest_credits: {found} of {total} rows found in their documents")
        return
    rng = random.Random(args.seed)
    per = {
        name: int(n * args.scale)
        for name, n in {"seeds": 60, "feeds": 80, "reuters": 160, "ecbplus": 160}.items()
    }
    seen: set[str] = {row["text"] for row in rows.load(rows.DATA / "credits.jsonl")}
    for corpus, load in LOADERS.items():
        texts = dict.fromkeys(s for _, s in load())
        found = [s for s in texts if 25 <= len(s) <= 300 and CUE.search(s)]
        if args.outlets:
            found = [s for s in found if OUTLET.search(s)]
        rng.shuffle(found)
        for s in found[: per[corpus]]:
            if s not in seen:
                seen.add(s)
                print(json.dumps({"corpus": corpus, "text": s}, ensure_ascii=False))


if __name__ == "__main__":
    main()
