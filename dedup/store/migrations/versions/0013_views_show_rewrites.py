"""researcher views show rewritten text and the external-origin bounds

The ledgers have counted rewritten text since 0010 and carried an upper bound for copies of
an external origin since 0011, but the views kept their 0002 columns: ``story_articles`` gave
kept, edited and dropped shares that did not add up to 1 for a rewriter, and nothing showed
the rewritten sentence pairs. ``story_articles`` gains ``rewritten``, ``kept_upper`` and
``dropped_upper``; ``ledger_lines`` gains ``rewrites``; ``site_records`` gains
``avg_rewritten``. The earlier definitions stay in ``sql_views/before_0013/`` for the older
migrations and for the downgrade.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

from alembic import op

from dedup.store.views import create_views, drop_views

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    drop_views(op.execute)
    create_views(op.execute)


def downgrade() -> None:
    drop_views(op.execute)
    create_views(op.execute, before="0013")
