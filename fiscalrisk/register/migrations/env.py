"""Alembic environment: migrations run on the connection :func:`fiscalrisk.register.db.migrate` passes."""

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through fiscalrisk.register.db.migrate (fiscalrisk register init)")
context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
