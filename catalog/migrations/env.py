"""Alembic's entry point for the store's migrations (catalog/store.py runs it, never by hand).

The store hands its own connection in ``config.attributes["connection"]``, so the
migrations run with the store's transaction rules (BEGIN IMMEDIATE on SQLite). One
transaction per revision: a failed revision leaves the store at the one before.
"""
from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, transaction_per_migration=True)
with context.begin_transaction():
    context.run_migrations()
