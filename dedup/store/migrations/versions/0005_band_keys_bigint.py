"""band keys are 64-bit

Band keys are signed 64-bit hashes. SQLite's INTEGER holds them already; PostgreSQL's
INTEGER is 32-bit, so the column becomes BIGINT there.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return  # INTEGER is 64-bit in SQLite; rebuilding the table would change nothing
    op.alter_column("band_keys", "key", type_=sa.BigInteger(), existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.alter_column("band_keys", "key", type_=sa.Integer(), existing_nullable=False)
