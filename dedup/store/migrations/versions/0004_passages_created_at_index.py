"""index passages by creation time

The stories step asks for the passages found since its last run; without this index that
question reads every passage in the store.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_passages_created_at", "passages", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_passages_created_at", table_name="passages")
