"""the band index moves into the database as checksummed segments

Segments of sorted (band key, paragraph) pairs used to live in files beside an SQLite
database (``<database>.index/``) and in the ``band_keys`` table on a server; a kill between
writing a segment and committing its batch left the two disagreeing. They are now rows of
``index_segments`` and ``index_chunks``, written in the batch's own transaction. The old
index is not carried over: a store that had one says so on the next ``dedup analyze`` and
``dedup reindex`` rebuilds it.

Also an index on ``article_versions.fetched_at``: the stories step asks which story members
got a new version since its last run, which otherwise walks every story member.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "index_segments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("index_id", sa.String(length=32), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("entries", sa.BigInteger(), nullable=False),
        sa.Column("chunks", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("index_segments", schema=None) as batch_op:
        batch_op.create_index("ix_index_segments_index", ["index_id", "level"], unique=False)
    op.create_table(
        "index_chunks",
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("first_key", sa.BigInteger(), nullable=False),
        sa.Column("last_key", sa.BigInteger(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("checksum", sa.String(length=32), nullable=False),
        sa.Column("keys", sa.LargeBinary(), nullable=False),
        sa.Column("owners", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["segment_id"], ["index_segments.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("segment_id", "number"),
    )
    with op.batch_alter_table("band_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_band_keys_paragraph")
    op.drop_table("band_keys")
    op.create_index("ix_article_versions_fetched_at", "article_versions", ["fetched_at"])


def downgrade() -> None:
    op.drop_index("ix_article_versions_fetched_at", table_name="article_versions")
    key_type = sa.Integer() if op.get_bind().dialect.name == "sqlite" else sa.BigInteger()
    op.create_table(
        "band_keys",
        sa.Column("key", key_type, nullable=False),
        sa.Column("paragraph_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["paragraph_id"], ["paragraphs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("key", "paragraph_id"),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("band_keys", schema=None) as batch_op:
        batch_op.create_index("ix_band_keys_paragraph", ["paragraph_id"], unique=False)
    op.drop_table("index_chunks")
    op.execute("DELETE FROM index_settings WHERE key = 'index_entries'")
    with op.batch_alter_table("index_segments", schema=None) as batch_op:
        batch_op.drop_index("ix_index_segments_index")
    op.drop_table("index_segments")
