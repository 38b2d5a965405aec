"""The sketching half of an analysis batch, run in a worker process: texts in, arrays out.

A batch crosses to the worker as a :class:`SketchTask` (paragraph ids in a numpy array, their
display and normalised texts as one UTF-8 byte string each with offsets) and comes back as a
:class:`Sketch` of numpy arrays: every unit's band keys and owning paragraph, the pairs that
share a band inside the batch, and each paragraph's exact shingle set for verification.
Everything here is a pure function of the task, so a worker's result is the one the main
process would compute itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple, dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from dedup.index.arrays import sort_pairs, unique_sorted
from dedup.index.fingerprint import (
    FingerprintSettings,
    WordHasher,
    band_keys,
    paragraph_units,
    signatures,
    unit_shingles,
)
from dedup.index.passages import pairs_from_sorted
from dedup.workers import gc_paused

I64 = npt.NDArray[np.int64]
U32 = npt.NDArray[np.uint32]


def pack_texts(texts: Sequence[str]) -> tuple[bytes, I64]:
    """Strings -> one UTF-8 byte string and the offsets of each string in it."""
    encoded = [t.encode() for t in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    return b"".join(encoded), offsets


def unpack_texts(blob: bytes, offsets: I64) -> list[str]:
    bounds = offsets.tolist()
    return [blob[s:e].decode() for s, e in pairwise(bounds)]


@dataclass(frozen=True)
class SketchTask:
    """One batch of paragraphs to sketch, as arrays and bytes."""

    settings: tuple[int, ...]  # astuple(FingerprintSettings)
    ids: I64
    texts: bytes
    text_offsets: I64
    norms: bytes
    norm_offsets: I64
    bucket_cap: int
    recent: int


@dataclass(frozen=True)
class Sketch:
    """What the worker computed for a batch."""

    keys: I64  # band keys of every unit, flat
    owners: I64  # the paragraph id owning each key
    # the (key, paragraph) rows sorted, each once: the batch's segment of the index
    sorted_keys: I64
    sorted_owners: I64
    units: int
    indexed: int  # paragraphs with at least one unit
    pairs: I64  # (n, 2) paragraph pairs sharing a band key within the batch
    shingle_ids: I64  # paragraphs an in-batch pair names, whose exact shingle sets follow
    shingles: U32  # their shingle hashes back to back
    shingle_offsets: I64


def make_task(
    settings: FingerprintSettings,
    ids: Sequence[int],
    texts: Sequence[str],
    norms: Sequence[str],
    bucket_cap: int,
    recent: int,
) -> SketchTask:
    text_blob, text_offsets = pack_texts(texts)
    norm_blob, norm_offsets = pack_texts(norms)
    return SketchTask(
        astuple(settings),
        np.asarray(ids, dtype=np.int64),
        text_blob,
        text_offsets,
        norm_blob,
        norm_offsets,
        bucket_cap,
        recent,
    )


def unit_keys(
    ids: Sequence[int],
    texts: Sequence[str],
    norms: Sequence[str],
    settings: FingerprintSettings,
    hasher: WordHasher,
) -> tuple[I64, I64, int]:
    """The band keys of every unit of the paragraphs (flat), the paragraph owning each key,
    and the number of units: the one path from paragraph texts to LSH keys."""
    units: list[list[str]] = []
    owners: list[int] = []
    for pid, text, norm in zip(ids, texts, norms, strict=True):
        for unit in paragraph_units(text, norm, settings):
            units.append(unit)
            owners.append(pid)
    shingles, offsets = unit_shingles(units, hasher, settings)
    keys = band_keys(signatures(shingles, offsets, settings), settings).reshape(-1)
    return keys, np.repeat(np.asarray(owners, dtype=np.int64), settings.bands), len(units)


def sketch(task: SketchTask) -> Sketch:
    """Units -> shingles -> MinHash -> band keys, in-batch pairs and exact shingle sets."""
    with gc_paused():
        return _sketch(task)


def _sketch(task: SketchTask) -> Sketch:
    settings = FingerprintSettings(*task.settings)
    hasher = WordHasher()
    ids = task.ids.tolist()
    texts = unpack_texts(task.texts, task.text_offsets)
    norms = unpack_texts(task.norms, task.norm_offsets)
    keys, flat_owners, unit_count = unit_keys(ids, texts, norms, settings, hasher)
    # sorted here, where the core is free, not by the process that writes the segment
    sorted_keys, sorted_owners = sort_pairs(keys, flat_owners)
    pairs = pairs_from_sorted(sorted_keys, sorted_owners, task.bucket_cap, task.recent)
    pair_array = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
    # Exact sets of the paragraphs an in-batch pair names, for verification (an empty text
    # gets one placeholder shingle, as in ShingleSets); the main process hashes the others a
    # stored candidate meets.
    named = set(pair_array.reshape(-1).tolist())
    keep = [i for i, pid in enumerate(ids) if pid in named]
    set_hashes, set_offsets = unit_shingles(
        [norms[i].split() or ["\x00"] for i in keep], hasher, settings
    )
    return Sketch(
        keys=keys,
        owners=flat_owners,
        sorted_keys=sorted_keys,
        sorted_owners=sorted_owners,
        units=unit_count,
        indexed=int(unique_sorted(flat_owners).size),
        pairs=pair_array,
        shingle_ids=task.ids[keep],
        shingles=set_hashes,
        shingle_offsets=set_offsets,
    )
