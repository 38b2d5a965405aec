from __future__ import annotations

import pytest

from dedup.text.normalize import clean_chars, norm_key, normalize_text, word_count


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\u201cQuoted\u201d and \u2018single\u2019", "\"Quoted\" and 'single'"),
        ("en\u2013dash, em\u2014dash, minus \u2212 1", "en-dash, em-dash, minus - 1"),
        ("no\u00a0break\u202fspaces", "no break spaces"),
        ("soft\u00adhyphen and zero\u200bwidth\u200d\ufeff", "softhyphen and zerowidth"),
        ("  many \t spaces\n\nand lines  ", "many spaces and lines"),
        ("e\u0301te\u0301 composed", "\u00e9t\u00e9 composed"),
        ("wait\u2026 \ufb01ne", "wait... fine"),
        ("plain ascii stays", "plain ascii stays"),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_clean_chars_keeps_line_structure() -> None:
    assert clean_chars("a\u2019b\n\n  c\u00a0d") == "a'b\n\n  c\u00a0d"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Hello, World!", "hello world"),
        ("U.S. Denies 40 Visas -- here", "u s denies 40 visas here"),
        ("Don't stop", "dont stop"),
        ("Don\u2019t stop", "dont stop"),
        ("well-known snake_case/path", "well known snake case path"),
        ("Stra\u00dfe \u00c9T\u00c9", "strasse \u00e9t\u00e9"),
        ("\u201cPurge\u201d \u2014 of 2017\u2019s", "purge of 2017s"),
        ("  ...  ", ""),
    ],
)
def test_norm_key(raw: str, expected: str) -> None:
    assert norm_key(raw) == expected


def test_norm_key_ignores_typesetting() -> None:
    """Two copies that differ only in quotes, dashes and case match."""
    a = "\u201cThey\u2019re not going to provide\u201d \u2014 said the spokesperson."
    b = '"THEY\'RE NOT going to provide" - said the spokesperson'
    assert norm_key(a) == norm_key(b)


def test_norm_key_of_normalized_text_is_the_same() -> None:
    raw = "Kadyrov\u2019s \u201cnear\u00a0impunity\u201d \u2013 since 2007"
    assert norm_key(normalize_text(raw)) == norm_key(raw) == "kadyrovs near impunity since 2007"


def test_word_count() -> None:
    assert word_count("one two  three\nfour") == 4
    assert word_count("") == 0


def test_control_and_bidi_characters_are_removed() -> None:
    assert normalize_text("\x00\x01 x\x7f y\u202atext\u202c \x85z") == "x ytext z"
