"""Paragraph units -> word shingles -> MinHash signatures -> LSH band keys, vectorised.

A pure numeric core with fixed, checked parameters. Signatures are exactly those of
``datasketch.MinHash(num_perm, seed, hashfunc=shingle_hash)`` (scheme ``affine32``) updated
with the unit's shingles, but computed for thousands of units at once with numpy: words are
hashed once per distinct word, shingle hashes are combined arithmetically, and the
permutations are applied to a whole block of shingles with one ``minimum.reduceat``.

The parameters live in :class:`FingerprintSettings`, which is stored with the index; a
changed setting is detected (see ``dedup.index.analysis``) and needs ``dedup reindex``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from itertools import islice

import numpy as np
import numpy.typing as npt

from dedup.text.normalize import norm_key
from dedup.text.quotes import PAIRED
from dedup.text.sentences import sentence_spans

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

# Bumped when the hashing below changes in a way that changes keys for the same settings.
HASH_VERSION = 1

_M64_1 = np.uint64(0xFF51AFD7ED558CCD)
_M64_2 = np.uint64(0xC4CEB9FE1A85EC53)
_M32_1 = np.uint32(0x85EBCA6B)
_M32_2 = np.uint32(0xC2B2AE35)
# Odd multipliers that give each shingle position its own weight (order matters in a shingle).
_POSITION_MULTIPLIERS = np.array(
    [
        0x9E3779B97F4A7C15,
        0xBF58476D1CE4E5B9,
        0x94D049BB133111EB,
        0xD6E8FEB86659FD93,
        0xA0761D6478BD642F,
        0xE7037ED1A0B428DB,
        0x8EBC6AF09C88C6E3,
        0x589965CC75374CC3,
    ],
    dtype=np.uint64,
)
_SHINGLE_BLOCK = 1 << 18


@dataclass(frozen=True)
class FingerprintSettings:
    """Fixed parameters of the index; stored with it and compared on every run.

    Chosen by measurement (``benchmarks/tune_lsh.py`` on Reuters-21578): 3-word shingles of
    the normalised text, 48 permutations in 16 bands of 3 rows. Against 64 permutations in
    16 bands of 4 it costs less to sketch and the same to store, and raises candidate recall
    of light edits (one word in eight replaced) from 0.69 to 0.83 and of trimmed copies from
    0.94 to 0.99, for 0.18 instead of 0.09 candidates per paragraph; 32 bands of 2 reach 0.98
    but draw 2.7 candidates per paragraph and store twice the keys.
    """

    shingle_size: int = 3
    num_perm: int = 48
    bands: int = 16
    rows: int = 3
    seed: int = 1
    min_unit_words: int = 8
    hash_version: int = HASH_VERSION

    def __post_init__(self) -> None:
        if self.bands * self.rows != self.num_perm:
            raise ValueError("bands * rows must equal num_perm")
        if not 1 <= self.shingle_size <= len(_POSITION_MULTIPLIERS):
            raise ValueError(f"shingle_size must be 1..{len(_POSITION_MULTIPLIERS)}")

    def as_strings(self) -> dict[str, str]:
        return {k: str(v) for k, v in asdict(self).items()}


def _fmix64(h: U64) -> U64:
    h = h ^ (h >> np.uint64(33))
    h = h * _M64_1
    h = h ^ (h >> np.uint64(33))
    h = h * _M64_2
    return h ^ (h >> np.uint64(33))


def _fmix32(h: U32) -> U32:
    h = h ^ (h >> np.uint32(16))
    h = h * _M32_1
    h = h ^ (h >> np.uint32(13))
    h = h * _M32_2
    return h ^ (h >> np.uint32(16))


def word_hash(word: str) -> int:
    """Stable 64-bit hash of one normalised word (the same in every process and version)."""
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")


class _Vocabulary(dict[str, int]):
    """Word -> dense id; a missing word gets the next id (so lookups run at C speed)."""

    def __missing__(self, word: str) -> int:
        value = self[word] = len(self)
        return value


class WordHasher:
    """Maps words to stable 64-bit hashes, hashing each distinct word once per instance."""

    def __init__(self) -> None:
        self._ids = _Vocabulary()
        self._table = np.empty(0, dtype=np.uint64)

    def hashes(self, words: Sequence[str]) -> U64:
        ids = self._ids
        index = np.fromiter(map(ids.__getitem__, words), dtype=np.int64, count=len(words))
        known = len(self._table)
        if len(ids) > known:
            fresh = np.fromiter(
                (word_hash(w) for w in islice(ids, known, None)),
                dtype=np.uint64,
                count=len(ids) - known,
            )
            self._table = np.concatenate([self._table, fresh])
        return self._table[index]


def _window_sums(word_hashes: U64, k: int) -> U64:
    """Position-weighted sums of every run of ``k`` consecutive word hashes."""
    count = max(len(word_hashes) - k + 1, 0)
    acc = np.zeros(count, dtype=np.uint64)
    for j in range(k):
        acc += word_hashes[j : j + count] * _POSITION_MULTIPLIERS[j]
    return acc


def _finish(sums: U64, k: int) -> U32:
    """Window sums -> well-mixed 32-bit shingle hashes."""
    return (_fmix64(sums + np.uint64(k)) >> np.uint64(32)).astype(np.uint32)


def shingle_hashes(word_hashes: U64, k: int) -> U32:
    """32-bit hashes of the k-word shingles of one run of words (one value if it is shorter)."""
    if len(word_hashes) == 0:
        return np.empty(0, dtype=np.uint32)
    k = min(k, len(word_hashes))
    return _finish(_window_sums(word_hashes, k), k)


def shingle_hash(shingle: str) -> int:
    """The hash of one shingle given as space-joined words: the ``hashfunc`` for datasketch."""
    words = shingle.split(" ")
    hashes = np.array([word_hash(w) for w in words], dtype=np.uint64)
    return int(shingle_hashes(hashes, len(words))[0])


def permutations(settings: FingerprintSettings) -> tuple[U32, U32]:
    """datasketch's affine32 permutation parameters for ``(num_perm, seed)``.

    Drawn exactly as ``datasketch.MinHash(scheme="affine32")`` draws them (a test compares
    the signatures with datasketch's), without importing datasketch, which loads scipy: a
    cost every `dedup` run would pay.
    """
    gen = np.random.RandomState(settings.seed)
    a = gen.randint(0, 1 << 31, settings.num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, settings.num_perm, dtype=np.uint32)
    return a, b


def signatures(shingles: U32, offsets: npt.NDArray[np.int64], settings: FingerprintSettings) -> U32:
    """MinHash signatures of many units at once.

    ``shingles`` holds the units' shingle hashes back to back; unit ``i`` owns
    ``shingles[offsets[i]:offsets[i+1]]`` (``offsets`` has one more entry than units, and every
    unit has at least one shingle). Returns a ``(units, num_perm)`` array.
    """
    a, b = permutations(settings)
    units = len(offsets) - 1
    out = np.empty((units, settings.num_perm), dtype=np.uint32)
    if units == 0:
        return out
    mixed = _fmix32(shingles)
    start_unit = 0
    # Work in blocks of whole units so the (num_perm x shingles) matrix stays small.
    while start_unit < units:
        end_unit = int(np.searchsorted(offsets, offsets[start_unit] + _SHINGLE_BLOCK, "right")) - 1
        end_unit = max(end_unit, start_unit + 1)
        end_unit = min(end_unit, units)
        lo, hi = int(offsets[start_unit]), int(offsets[end_unit])
        block = a[:, None] * mixed[None, lo:hi] + b[:, None]
        starts = offsets[start_unit:end_unit] - lo
        out[start_unit:end_unit] = np.minimum.reduceat(block, starts, axis=1).T
        start_unit = end_unit
    return out


def band_keys(sigs: U32, settings: FingerprintSettings) -> I64:
    """``(units, bands)`` signed 64-bit keys: each band's rows hashed with the band number."""
    units = sigs.shape[0]
    keys = np.empty((units, settings.bands), dtype=np.uint64)
    for band in range(settings.bands):
        salt = ((band + 1) * int(_POSITION_MULTIPLIERS[0])) & 0xFFFFFFFFFFFFFFFF
        acc = np.full(units, salt, dtype=np.uint64)
        for row in range(settings.rows):
            col = sigs[:, band * settings.rows + row].astype(np.uint64)
            acc = _fmix64(acc ^ col) + np.uint64(row)
        keys[:, band] = acc
    return keys.view(np.int64)


def paragraph_units(text: str, norm: str, settings: FingerprintSettings) -> list[list[str]]:
    """The units of one paragraph, as lists of normalised words.

    A paragraph of one sentence is one unit; a longer one gives a unit per sentence, so a
    sentence copied into a rewritten paragraph still meets its original; a long quoted
    statement is a unit too. Sentences shorter
    than ``min_unit_words`` are merged into a neighbour, so a unit is never a fragment that
    many unrelated articles share. A paragraph shorter than that is not indexed at all (it is
    still aligned in ledgers).
    """
    words = norm.split()
    if len(words) < settings.min_unit_words:
        return []
    quotes = quoted_units(text, settings)
    if len(words) < 2 * settings.min_unit_words:
        return [words, *quotes]  # too short to hold two sentences
    # Units were always cut without the capital-initial exception: signatures are persisted.
    spans = sentence_spans(text, initials=False)
    if len(spans) <= 1:
        return [words, *quotes]
    pieces: list[list[str]] = []
    for s, e in spans:
        sentence_words = norm_key(text[s:e]).split()
        if not sentence_words:
            continue
        if pieces and len(pieces[-1]) < settings.min_unit_words:
            pieces[-1].extend(sentence_words)
        else:
            pieces.append(sentence_words)
    if len(pieces) > 1 and len(pieces[-1]) < settings.min_unit_words:
        tail = pieces.pop()
        pieces[-1].extend(tail)
    return [*(pieces or [words]), *quotes]


def quoted_units(text: str, settings: FingerprintSettings) -> list[list[str]]:
    """Quoted statements long enough to be units of their own.

    A statement quoted inside otherwise new text is what independent reports share most
    often; as its own unit it meets its other occurrences however the sentence around it
    was rewritten (the link is then classified as a quote or an edit by verification).
    """
    if '"' not in text and "“" not in text and "«" not in text and "„" not in text:
        return []
    units = []
    for match in PAIRED.finditer(text):
        words = norm_key(match.group(1)).split()
        if len(words) >= settings.min_unit_words:
            units.append(words)
    return units


def unit_shingles(
    units: Sequence[Sequence[str]], hasher: WordHasher, settings: FingerprintSettings
) -> tuple[U32, npt.NDArray[np.int64]]:
    """Back-to-back shingle hashes of all ``units`` and their offsets, for :func:`signatures`.

    Vectorised over every unit at once: the words of all units are hashed in one array and a
    window is kept only when it does not cross a unit boundary. A unit shorter than the
    shingle size becomes one shingle of all its words.
    """
    lengths = np.fromiter((len(u) for u in units), dtype=np.int64, count=len(units))
    offsets = np.zeros(len(units) + 1, dtype=np.int64)
    if len(units) == 0:
        return np.empty(0, dtype=np.uint32), offsets
    flat = [w for u in units for w in u]
    wh = hasher.hashes(flat)
    k = settings.shingle_size
    unit_of = np.repeat(np.arange(len(units), dtype=np.int64), lengths)
    sums = _window_sums(wh, k)
    count = len(sums)
    valid = unit_of[:count] == unit_of[k - 1 : k - 1 + count]
    hashes = _finish(sums[valid], k)
    owners = unit_of[:count][valid]
    short = np.flatnonzero(lengths < k)
    if len(short):
        # Rare (units are at least min_unit_words long): hash each short unit whole.
        extra = np.array(
            [shingle_hashes(hasher.hashes(list(units[int(i)])), k)[0] for i in short],
            dtype=np.uint32,
        )
        hashes = np.concatenate([hashes, extra])
        owners = np.concatenate([owners, short])
        order = np.argsort(owners, kind="stable")
        hashes, owners = hashes[order], owners[order]
    np.cumsum(np.bincount(owners, minlength=len(units)), out=offsets[1:])
    return hashes, offsets
