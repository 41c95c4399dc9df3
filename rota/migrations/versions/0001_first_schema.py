"""The first schema: versions, revisions, version_events, feeds, meta (the stores made before migrations).

Written out in full, not from rota.store's tables, so that it stays this schema when those tables change.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("published", sa.String(20), nullable=False),
        sa.Column("scenario", sa.Text, nullable=False),
        sa.Column("window_start", sa.String(20), nullable=False),
        sa.Column("window_end", sa.String(20), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("rollback_of", sa.Integer, nullable=True),
        *(sa.Column(name, sa.Integer, nullable=False) for name in ("shifts", "added", "changed", "unchanged",
                                                                   "cancelled")),
    )
    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("uid", sa.String(64), nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("modified", sa.String(20), nullable=False),
        sa.Column("cancelled", sa.String(20), nullable=True),
        sa.Column("engineer", sa.String(200), nullable=False),
        sa.Column("centre", sa.String(200), nullable=False),
        sa.Column("start_utc", sa.String(20), nullable=False),
        sa.Column("end_utc", sa.String(20), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.UniqueConstraint("uid", "sequence"),
    )
    for column in ("uid", "engineer", "centre"):
        op.create_index(f"ix_revisions_{column}", "revisions", [column])
    op.create_table(
        "version_events",
        sa.Column("version_id", sa.Integer, sa.ForeignKey("versions.id"), primary_key=True),
        sa.Column("revision_id", sa.Integer, sa.ForeignKey("revisions.id"), primary_key=True),
    )
    op.create_table(
        "feeds",
        sa.Column("kind", sa.String(10), primary_key=True),
        sa.Column("ident", sa.String(200), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("generation", sa.Integer, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created", sa.String(20), nullable=False),
    )
    meta = op.create_table(
        "meta",
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    # "publish-lock" is the row every writer locks first (rota.store); "schema" is what rota before Alembic checked.
    op.bulk_insert(meta, [{"key": "schema", "value": "1"}, {"key": "publish-lock", "value": ""}])


def downgrade() -> None:
    for table in ("meta", "feeds", "version_events", "revisions", "versions"):
        op.drop_table(table)
