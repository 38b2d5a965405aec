"""timestamps of a whole second carry their microseconds in SQLite, as documented

The bulk article writer handed SQLite naive datetimes, which sqlite3's default adapter wrote
without a fraction when it was 0 (``2017-05-16 18:12:00``), where every other writer and the
documented form (docs/schema.md) have ``2017-05-16 18:12:00.000000``. Text comparison then
put the short form before the same moment's long form: ``dedup report --since`` left out a
member published exactly at the boundary. This writes the fraction into the rows already
stored; PostgreSQL keeps real timestamps and has nothing to change. Downgrading keeps the
long form, which every revision reads the same way.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# The columns the bulk writer (dedup.store.articles) stored: the only ones in either form.
_COLUMNS = (
    ("articles", "published"),
    ("articles", "first_seen"),
    ("articles", "updated_at"),
    ("article_versions", "fetched_at"),
)
_WHOLE_SECOND = len("YYYY-MM-DD HH:MM:SS")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, column in _COLUMNS:
        op.execute(
            f"UPDATE {table} SET {column} = {column} || '.000000' "
            f"WHERE typeof({column}) = 'text' AND length({column}) = {_WHOLE_SECOND}"
        )


def downgrade() -> None:
    pass  # the long form is what every revision writes and reads
