from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash

from dedup.index.fingerprint import (
    FingerprintSettings,
    WordHasher,
    band_keys,
    paragraph_units,
    shingle_hash,
    signatures,
    unit_shingles,
)
from dedup.text.normalize import norm_key
from dedup.text.sentences import sentence_spans

SETTINGS = FingerprintSettings()
KNOWN = (
    "Left with no way to get out, the gay men seeking visas continue to fear for their lives "
    "in Russia."
)


def _sig(words_list: list[list[str]], settings: FingerprintSettings = SETTINGS) -> np.ndarray:
    shingles, offsets = unit_shingles(words_list, WordHasher(), settings)
    return signatures(shingles, offsets, settings)


def test_signatures_equal_datasketch_minhash_with_the_same_hash() -> None:
    units = [
        norm_key(KNOWN).split(),
        [
            "the",
            "quick",
            "brown",
            "fox",
            "jumps",
            "over",
            "the",
            "lazy",
            "dog",
            "again",
            "and",
            "again",
        ],
        ["a", "b", "c", "d", "e", "f", "g", "h"],
    ]
    sigs = _sig(units)
    k = SETTINGS.shingle_size
    for unit, sig in zip(units, sigs, strict=True):
        m = MinHash(num_perm=SETTINGS.num_perm, seed=SETTINGS.seed, hashfunc=shingle_hash)
        m.update_batch([" ".join(unit[i : i + k]) for i in range(len(unit) - k + 1)])
        assert np.array_equal(m.hashvalues, sig)


def test_signature_and_band_keys_of_a_known_paragraph_are_pinned() -> None:
    # Persisted values: a change here changes every stored key and needs a HASH_VERSION bump.
    sig = _sig([norm_key(KNOWN).split()])
    keys = band_keys(sig, SETTINGS)
    assert sig[0, :4].tolist() == PINNED_SIGNATURE_HEAD
    assert keys[0, :3].tolist() == PINNED_KEYS_HEAD


PINNED_SIGNATURE_HEAD = [81119950, 184068450, 155376318, 86493075]
PINNED_KEYS_HEAD = [-6006180059842061224, -6046085466365249524, -314538756547162755]


def test_vectorised_units_do_not_share_shingles_across_boundaries() -> None:
    a = ["one", "two", "three", "four", "five", "six", "seven", "eight"]
    b = ["nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen"]
    together = _sig([a, b])
    alone = np.vstack([_sig([a]), _sig([b])])
    assert np.array_equal(together, alone)


def test_identical_units_collide_in_every_band_and_different_ones_rarely() -> None:
    a = norm_key(KNOWN).split()
    other = [
        "stock",
        "markets",
        "rose",
        "sharply",
        "on",
        "tuesday",
        "after",
        "the",
        "central",
        "bank",
        "cut",
        "rates",
    ]
    keys = band_keys(_sig([a, a, other]), SETTINGS)
    assert np.array_equal(keys[0], keys[1])
    assert not set(keys[0].tolist()) & set(keys[2].tolist())


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="bands"):
        FingerprintSettings(num_perm=64, bands=10, rows=4)


def test_sentence_spans_split_on_sentence_ends_only() -> None:
    text = 'He said "It is over." Then he left. The U.S. team stayed.'
    spans = [text[s:e] for s, e in sentence_spans(text, initials=False)]
    assert spans == ['He said "It is over."', "Then he left.", "The U.S. team stayed."]


def test_units_are_sentences_of_long_paragraphs_and_quotes() -> None:
    text = (
        "Officials met on Tuesday to discuss the plan for the coming year in detail. "
        "They agreed on nothing at all after a long day of talks in the capital. "
        'A spokesman said: "We are unable to discuss individual cases at this time."'
    )
    units = paragraph_units(text, norm_key(text), SETTINGS)
    assert [" ".join(u) for u in units] == [
        "officials met on tuesday to discuss the plan for the coming year in detail",
        "they agreed on nothing at all after a long day of talks in the capital",
        "a spokesman said we are unable to discuss individual cases at this time",
        "we are unable to discuss individual cases at this time",
    ]


def test_short_paragraphs_are_not_indexed_and_short_sentences_are_merged() -> None:
    assert paragraph_units("Read more here.", "read more here", SETTINGS) == []
    text = "Short one. " + "This second sentence is long enough to stand as a unit on its own here."
    units = paragraph_units(text, norm_key(text), SETTINGS)
    assert len(units) == 1
    assert units[0][:2] == ["short", "one"]
