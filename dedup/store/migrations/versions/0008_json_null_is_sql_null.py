"""JSON null is SQL NULL in ledger_entries.diff and story_events.detail

Lines without a word diff (and events without detail) were stored as the JSON text ``null``,
so ``diff IS NULL`` found nothing. The columns now write SQL NULL for None; this turns the
rows already stored into NULL as well. Downgrading leaves them NULL, which the older code
reads the same way (both come back as None).

Revision ID: 0008
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_COLUMNS = (("ledger_entries", "diff"), ("story_events", "detail"))


def upgrade() -> None:
    # SQLite keeps JSON as text; PostgreSQL's json type compares through its text form.
    cast = "" if op.get_bind().dialect.name == "sqlite" else "::text"
    for table, column in _COLUMNS:
        op.execute(f"UPDATE {table} SET {column} = NULL WHERE {column}{cast} = 'null'")


def downgrade() -> None:
    pass  # NULL reads as None under either revision: nothing to undo
