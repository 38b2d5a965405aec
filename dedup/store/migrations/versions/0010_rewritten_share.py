"""ledgers count rewritten text

``story_members.rewritten``: the share of the origin's text a copy says again in its own words
(kept + edited + rewritten + dropped = 1). ``ledger_entries.rewrites``: the pairs of origin and
copy sentences behind it, shown side by side. ``ledger_entries.op`` gains the value
``rewritten`` (ten characters: the column widens where the database enforces lengths).

Revision ID: 0010
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dedup.store.views import create_views, drop_views

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite rebuilds ledger_entries to widen ``op``: the views over it go first, back after.
    drop_views(op.execute)
    with op.batch_alter_table("story_members") as batch:
        batch.add_column(sa.Column("rewritten", sa.Float(), nullable=False, server_default="0"))
    with op.batch_alter_table("ledger_entries") as batch:
        batch.add_column(sa.Column("rewrites", sa.JSON(), nullable=True))
        batch.alter_column("op", type_=sa.String(10), existing_nullable=False)
    create_views(op.execute, before="0013")


def downgrade() -> None:
    drop_views(op.execute)
    with op.batch_alter_table("ledger_entries") as batch:
        batch.drop_column("rewrites")
        batch.alter_column("op", type_=sa.String(8), existing_nullable=False)
    with op.batch_alter_table("story_members") as batch:
        batch.drop_column("rewritten")
    create_views(op.execute, before="0013")
