"""index articles by current version

Every analysis step joins paragraphs to their article's current version; without this index
SQLite builds a temporary one on each query, a cost that grows with the store.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_articles_current_version", "articles", ["current_version_id"])


def downgrade() -> None:
    op.drop_index("ix_articles_current_version", table_name="articles")
