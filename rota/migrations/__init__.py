"""The store's schema history (Alembic): env.py runs inside rota.schema.upgrade's transaction; versions/ holds one
file per revision, the first being the schema of the stores made before migrations existed."""
