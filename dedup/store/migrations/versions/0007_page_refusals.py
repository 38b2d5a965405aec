"""page refusals: article links the fetch policy refused

One row per article page that was not fetched because it pointed at a private, loopback or
otherwise non-global address; ``dedup status`` warns about them per feed.

Revision ID: 0007
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "page_refusals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "feed_id", sa.Integer(), sa.ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id"), nullable=True),
        sa.Column("article_key", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("refused_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_page_refusals_feed_id", "page_refusals", ["feed_id"])


def downgrade() -> None:
    op.drop_index("ix_page_refusals_feed_id", table_name="page_refusals")
    op.drop_table("page_refusals")
