"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-21 05:42:15.397293
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "index_settings",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("command", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("domain", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sources_domain"), ["domain"], unique=False)

    op.create_table(
        "feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("current_url", sa.Text(), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("bozo", sa.Boolean(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.Column("next_poll_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("guid", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("author", sa.Text(), nullable=True),
        sa.Column("published", sa.DateTime(), nullable=True),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("current_version_id", sa.Integer(), nullable=True),
        sa.Column("origin_path", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["current_version_id"],
            ["article_versions.id"],
            name="fk_articles_current_version",
            use_alter=True,
        ),
        sa.ForeignKeyConstraint(["feed_id"], ["feeds.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_articles_first_seen"), ["first_seen"], unique=False)
        batch_op.create_index(batch_op.f("ix_articles_published"), ["published"], unique=False)
        batch_op.create_index(batch_op.f("ix_articles_source_id"), ["source_id"], unique=False)

    op.create_table(
        "fetch_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("bozo", sa.Boolean(), nullable=False),
        sa.Column("bytes", sa.Integer(), nullable=True),
        sa.Column("entries_seen", sa.Integer(), nullable=False),
        sa.Column("entries_new", sa.Integer(), nullable=False),
        sa.Column("entries_changed", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["feed_id"], ["feeds.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["runs.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("fetch_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fetch_attempts_feed_id"), ["feed_id"], unique=False)

    op.create_table(
        "article_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.Column("full_text", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("article_id", "content_hash"),
        sa.UniqueConstraint("article_id", "number"),
    )
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("merged_into", sa.Integer(), nullable=True),
        sa.Column("origin_article_id", sa.Integer(), nullable=True),
        sa.Column("origin_name", sa.Text(), nullable=True),
        sa.Column("origin_external", sa.Boolean(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("first_seen", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merged_into"],
            ["stories.id"],
        ),
        sa.ForeignKeyConstraint(["origin_article_id"], ["articles.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=True),
        sa.Column("anchor", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["version_id"], ["article_versions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("version_id", "url"),
    )
    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_links_article_id"), ["article_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_links_domain"), ["domain"], unique=False)

    op.create_table(
        "paragraphs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("norm_text", sa.Text(), nullable=False),
        sa.Column("norm_hash", sa.String(length=16), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("words", sa.Integer(), nullable=False),
        sa.Column("indexed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["version_id"], ["article_versions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("version_id", "position"),
    )
    with op.batch_alter_table("paragraphs", schema=None) as batch_op:
        batch_op.create_index("ix_paragraphs_article", ["article_id", "position"], unique=False)
        batch_op.create_index("ix_paragraphs_norm_hash", ["norm_hash"], unique=False)
        batch_op.create_index("ix_paragraphs_unindexed", ["indexed", "kind"], unique=False)

    op.create_table(
        "story_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=10), nullable=False),
        sa.Column("other_story_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["story_id"], ["stories.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("story_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_story_events_story_id"), ["story_id"], unique=False)

    op.create_table(
        "story_members",
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("shared_paragraphs", sa.Integer(), nullable=False),
        sa.Column("kept", sa.Float(), nullable=False),
        sa.Column("edited", sa.Float(), nullable=False),
        sa.Column("dropped", sa.Float(), nullable=False),
        sa.Column("added", sa.Float(), nullable=False),
        sa.Column("moved", sa.Integer(), nullable=False),
        sa.Column("headline_changed", sa.Boolean(), nullable=False),
        sa.Column("credit", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["story_id"], ["stories.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("story_id", "article_id"),
    )
    with op.batch_alter_table("story_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_story_members_article_id"), ["article_id"], unique=False
        )

    op.create_table(
        "band_keys",
        sa.Column("key", sa.Integer(), nullable=False),
        sa.Column("paragraph_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["paragraph_id"], ["paragraphs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("key", "paragraph_id"),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("band_keys", schema=None) as batch_op:
        batch_op.create_index("ix_band_keys_paragraph", ["paragraph_id"], unique=False)

    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("op", sa.String(length=8), nullable=False),
        sa.Column("origin_paragraph_id", sa.Integer(), nullable=True),
        sa.Column("copy_paragraph_id", sa.Integer(), nullable=True),
        sa.Column("origin_text", sa.Text(), nullable=True),
        sa.Column("moved", sa.Boolean(), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=True),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("diff", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["copy_paragraph_id"], ["paragraphs.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["origin_paragraph_id"], ["paragraphs.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["story_id"], ["stories.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_story_article", ["story_id", "article_id"], unique=False)

    op.create_table(
        "passages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("paragraph_a", sa.Integer(), nullable=False),
        sa.Column("paragraph_b", sa.Integer(), nullable=False),
        sa.Column("article_a", sa.Integer(), nullable=False),
        sa.Column("article_b", sa.Integer(), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.Column("containment", sa.Float(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["article_a"], ["articles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["article_b"], ["articles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["paragraph_a"], ["paragraphs.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["paragraph_b"], ["paragraphs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("paragraph_a", "paragraph_b"),
    )
    with op.batch_alter_table("passages", schema=None) as batch_op:
        batch_op.create_index("ix_passages_articles", ["article_a", "article_b"], unique=False)
        batch_op.create_index("ix_passages_b", ["paragraph_b"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("passages", schema=None) as batch_op:
        batch_op.drop_index("ix_passages_b")
        batch_op.drop_index("ix_passages_articles")

    op.drop_table("passages")
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_story_article")

    op.drop_table("ledger_entries")
    with op.batch_alter_table("band_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_band_keys_paragraph")

    op.drop_table("band_keys")
    with op.batch_alter_table("story_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_story_members_article_id"))

    op.drop_table("story_members")
    with op.batch_alter_table("story_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_story_events_story_id"))

    op.drop_table("story_events")
    with op.batch_alter_table("paragraphs", schema=None) as batch_op:
        batch_op.drop_index("ix_paragraphs_unindexed")
        batch_op.drop_index("ix_paragraphs_norm_hash")
        batch_op.drop_index("ix_paragraphs_article")

    op.drop_table("paragraphs")
    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_links_domain"))
        batch_op.drop_index(batch_op.f("ix_links_article_id"))

    op.drop_table("links")
    op.drop_table("stories")
    op.drop_table("article_versions")
    with op.batch_alter_table("fetch_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fetch_attempts_feed_id"))

    op.drop_table("fetch_attempts")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_articles_source_id"))
        batch_op.drop_index(batch_op.f("ix_articles_published"))
        batch_op.drop_index(batch_op.f("ix_articles_first_seen"))

    op.drop_table("articles")
    op.drop_table("feeds")
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sources_domain"))

    op.drop_table("sources")
    op.drop_table("runs")
    op.drop_table("index_settings")
