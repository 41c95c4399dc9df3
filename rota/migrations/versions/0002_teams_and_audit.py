"""Several teams in one store, and the audit log.

A team is a named rota: versions and feeds carry their team's name, and a version the scenario files it was solved
from (the rota of a store made before this revision
becomes team "default", its feed tokens unchanged). The audit log records who published, rolled back, rotated a
link or changed a role, and when.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

DEFAULT_TEAM = "default"


def upgrade() -> None:
    with op.batch_alter_table("versions") as batch:
        batch.add_column(sa.Column("team", sa.String(200), nullable=False, server_default=DEFAULT_TEAM))
        batch.add_column(sa.Column("files", sa.LargeBinary, nullable=True))  # the scenario published, zipped
    op.create_index("ix_versions_team", "versions", ["team"])
    # The feeds' key grows a column: a new table, the rows copied over, the old one dropped (SQLite and PostgreSQL).
    op.create_table(
        "feeds_by_team",
        sa.Column("team", sa.String(200), primary_key=True),
        sa.Column("kind", sa.String(10), primary_key=True),
        sa.Column("ident", sa.String(200), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("generation", sa.Integer, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created", sa.String(20), nullable=False),
    )
    op.execute(f"INSERT INTO feeds_by_team (team, kind, ident, name, description, generation, token_hash, created) "
               f"SELECT '{DEFAULT_TEAM}', kind, ident, name, description, generation, token_hash, created FROM feeds")
    op.drop_table("feeds")
    op.rename_table("feeds_by_team", "feeds")
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(20), nullable=False),
        sa.Column("team", sa.String(200), nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_audit_team", "audit", ["team"])


def downgrade() -> None:
    op.drop_table("audit")
    op.create_table(
        "feeds_one_team",
        sa.Column("kind", sa.String(10), primary_key=True),
        sa.Column("ident", sa.String(200), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("generation", sa.Integer, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created", sa.String(20), nullable=False),
    )
    op.execute("INSERT INTO feeds_one_team SELECT kind, ident, name, description, generation, token_hash, created "
               f"FROM feeds WHERE team = '{DEFAULT_TEAM}'")
    op.drop_table("feeds")
    op.rename_table("feeds_one_team", "feeds")
    op.drop_index("ix_versions_team", "versions")
    with op.batch_alter_table("versions") as batch:
        batch.drop_column("files")
        batch.drop_column("team")
