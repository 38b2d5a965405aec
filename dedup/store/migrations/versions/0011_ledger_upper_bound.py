"""ledgers of copies of an external origin carry their upper bound

``story_members.kept_upper`` and ``story_members.dropped_upper``: an external origin's text is
rebuilt from what its copies share, so text one copy alone kept counts as that copy's own. The
two columns hold the copy's kept and dropped shares if every word of its own were origin text
(NULL for copies of a stored origin, and for origins), beside the lower bound in ``kept``.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dedup.store.views import create_views, drop_views

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite rebuilds story_members in batch mode: the views over it go first, back after.
    drop_views(op.execute)
    with op.batch_alter_table("story_members") as batch:
        batch.add_column(sa.Column("kept_upper", sa.Float(), nullable=True))
        batch.add_column(sa.Column("dropped_upper", sa.Float(), nullable=True))
    create_views(op.execute, before="0013")


def downgrade() -> None:
    drop_views(op.execute)
    with op.batch_alter_table("story_members") as batch:
        batch.drop_column("dropped_upper")
        batch.drop_column("kept_upper")
    create_views(op.execute, before="0013")
