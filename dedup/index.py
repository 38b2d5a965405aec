"""The persistent LSH index: band keys <-> paragraphs, kept in the store's ``band_keys`` table.

The interface is small — :meth:`SqlBandIndex.candidates`, :meth:`SqlBandIndex.add` and
:meth:`SqlBandIndex.clear` — so another backend (Redis, past one machine) can stand behind it.
A query costs what is new: the new keys go to a temporary table and meet the stored ones
through the primary-key index; no run loads or rebuilds the whole index.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from dedup.errors import IndexSettingsChanged
from dedup.fingerprint import FingerprintSettings
from dedup.models import IndexSetting

_INSERT_CHUNK = 50_000


class SqlBandIndex:
    """Band keys in an SQL table, shared by every run through the store."""

    def __init__(self, session: Session, bucket_cap: int) -> None:
        self.session = session
        self.bucket_cap = bucket_cap

    def candidates(self, keys: np.ndarray, owners: np.ndarray) -> set[tuple[int, int]]:
        """Pairs (new paragraph, stored paragraph) that share a key with the stored index.

        Buckets already holding more than ``bucket_cap`` paragraphs are passed over: the
        correlated ``LIMIT`` keeps their cost bounded however large they grow.
        """
        conn = self.session.connection()
        conn.exec_driver_sql(
            "CREATE TEMP TABLE IF NOT EXISTS new_band_keys (key INTEGER, paragraph_id INTEGER)"
        )
        conn.exec_driver_sql("DELETE FROM new_band_keys")
        _insert_many(conn, "new_band_keys", keys, owners, ignore_duplicates=False)
        result = conn.execute(
            text(
                """
                WITH probe AS (SELECT DISTINCT key FROM new_band_keys),
                small AS (
                    SELECT key FROM probe
                    WHERE (SELECT count(*) FROM (
                        SELECT 1 FROM band_keys b WHERE b.key = probe.key LIMIT :cap_plus_one
                    )) BETWEEN 1 AND :cap
                )
                SELECT DISTINCT n.paragraph_id, b.paragraph_id
                FROM new_band_keys n
                JOIN small s ON s.key = n.key
                JOIN band_keys b ON b.key = n.key
                """
            ),
            {"cap": self.bucket_cap, "cap_plus_one": self.bucket_cap + 1},
        )
        pairs = {(int(x), int(y)) for x, y in result}
        conn.exec_driver_sql("DELETE FROM new_band_keys")
        return pairs

    def add(self, keys: np.ndarray, owners: np.ndarray) -> None:
        """Store the keys of newly indexed paragraphs (sorted: B-tree inserts stay local)."""
        if len(keys) == 0:
            return
        order = np.lexsort((owners, keys))
        _insert_many(
            self.session.connection(),
            "band_keys",
            keys[order],
            owners[order],
            ignore_duplicates=True,
        )

    def clear(self) -> None:
        self.session.execute(text("DELETE FROM band_keys"))


def _insert_many(
    conn: Connection, table: str, keys: np.ndarray, owners: np.ndarray, ignore_duplicates: bool
) -> None:
    """Bulk insert (key, paragraph_id) rows; SQLite gets the driver's executemany directly."""
    rows = list(zip(keys.tolist(), owners.tolist(), strict=True))
    if conn.dialect.name == "sqlite":
        verb = "INSERT OR IGNORE" if ignore_duplicates else "INSERT"
        sql = f"{verb} INTO {table} (key, paragraph_id) VALUES (?, ?)"
        for start in range(0, len(rows), _INSERT_CHUNK):
            conn.exec_driver_sql(sql, rows[start : start + _INSERT_CHUNK])
        return
    suffix = " ON CONFLICT DO NOTHING" if ignore_duplicates else ""
    statement = text(f"INSERT INTO {table} (key, paragraph_id) VALUES (:k, :p){suffix}")
    for start in range(0, len(rows), _INSERT_CHUNK):
        conn.execute(statement, [{"k": k, "p": p} for k, p in rows[start : start + _INSERT_CHUNK]])


def check_settings(session: Session, settings: FingerprintSettings) -> None:
    """Adopt ``settings`` for a new index, or refuse to mix them with an index built otherwise."""
    stored = dict(session.query(IndexSetting.key, IndexSetting.value).all())
    wanted = settings.as_strings()
    if not stored:
        session.add_all(IndexSetting(key=k, value=v) for k, v in wanted.items())
        session.flush()
        return
    changed = _differences(stored, wanted)
    if changed:
        raise IndexSettingsChanged(
            f"the paragraph index was built with other fingerprint settings ({changed}); "
            "signatures of two settings are never mixed: run `dedup reindex` to rebuild it"
        )


def _differences(stored: dict[str, str], wanted: dict[str, str]) -> str:
    keys: Sequence[str] = sorted(set(stored) | set(wanted))
    return ", ".join(
        f"{k}: {stored.get(k, '-')} -> {wanted.get(k, '-')}"
        for k in keys
        if stored.get(k) != wanted.get(k)
    )


def reset_settings(session: Session, settings: FingerprintSettings) -> None:
    session.query(IndexSetting).delete()
    session.add_all(IndexSetting(key=k, value=v) for k, v in settings.as_strings().items())
    session.flush()
