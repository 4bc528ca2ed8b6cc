"""Alembic migrations of the nba schema, run by `Database.upgrade()`."""
