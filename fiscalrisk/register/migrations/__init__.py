"""Alembic migrations of the register's schema (run by :func:`fiscalrisk.register.db.migrate`)."""
