"""Alembic revisions of the nba schema, one file each."""
