"""The MSRP sentences that blind credit set 6 labelled (now development rows of credits.jsonl).

The Microsoft Research Paraphrase Corpus may not be committed (its licence is research use,
see ../shared/data/msrp/SOURCE.md), so its rows in ``tests/data/credits.jsonl`` are locators
``msrp:<ID>`` with a span and a SHA-1, as every located row (``tests/credit_rows.py``):
:func:`read_sentences` gives ``credit_rows.document_text`` each sentence back by its ID, and a
file that gives one ID two texts, or is no MSRP file, is an error, never a silently wrong
sentence.
"""

from __future__ import annotations

from pathlib import Path

# Relative to ../shared/data: only the training part; the test part was never labelled.
MSRP_FILE = Path("msrp") / "msr_paraphrase_train.txt"
HEADER = ["Quality", "#1 ID", "#2 ID", "#1 String", "#2 String"]


class MsrpError(ValueError):
    """The file beside the clone is not the MSRP file the rows were labelled from."""


def read_sentences(path: Path) -> dict[str, str]:
    """Every sentence of an MSRP file by its ID (each pair gives two), as the file has it."""
    if not path.is_file():
        raise MsrpError(f"{path} is absent: the MSRP rows need the corpus beside the clone")
    # utf-8-sig: the file starts with a byte-order mark, which is not part of the header.
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    if not lines or lines[0].split("\t") != HEADER:
        raise MsrpError(f"{path}: not an MSRP file (header {lines[:1]!r})")
    by_id: dict[str, str] = {}
    for number, line in enumerate(lines[1:], 2):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != len(HEADER):
            raise MsrpError(f"{path} line {number}: {len(parts)} fields, not {len(HEADER)}")
        for sentence_id, text in ((parts[1], parts[3]), (parts[2], parts[4])):
            if by_id.setdefault(sentence_id, text) != text:
                raise MsrpError(f"{path} line {number}: ID {sentence_id} has two texts")
    return by_id
