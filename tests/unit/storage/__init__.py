"""Tests of nba.storage against real SQLite and (when configured) PostgreSQL."""
