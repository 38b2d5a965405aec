"""views for researchers

Creates the SQL views of ``sql_views/*.sql`` (see ``dedup/store/views.py``, ``docs/schema.md``):
``article_texts``, ``story_articles``, ``reused_passages``, ``ledger_lines``, ``site_records``.
Views hold no data, so dropping and recreating them is always safe.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 06:00:00
"""

from __future__ import annotations

from alembic import op

from dedup.store.views import create_views, drop_views

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_views(op.execute, before="0013")


def downgrade() -> None:
    drop_views(op.execute)
