"""Alembic's environment: migrate the connection rota.schema.upgrade hands over, inside its transaction."""

from alembic import context

from rota.store import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("rota's migrations run when the store is opened (rota.schema.upgrade), not from the alembic CLI")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
