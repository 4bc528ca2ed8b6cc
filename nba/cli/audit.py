"""`nba audit`: the audit log, newest first, one change per line (tab-separated)."""

from __future__ import annotations

import json

import click

from nba.cli._common import database_options, open_database, settings_from
from nba.clock import parse_time
from nba.domain import AUDIT_ENTITIES
from nba.serving.audit import DEFAULT_LIMIT, MAX_LIMIT, AuditLog


@click.command("audit")
@click.option("--entity", type=click.Choice(AUDIT_ENTITIES), default=None)
@click.option("--actor", default=None, help="A key id, `cli` or `system`.")
@click.option("--from", "start", default=None, help="ISO-8601 time: at or after it.")
@click.option("--to", "end", default=None, help="ISO-8601 time: before it.")
@click.option("--limit", type=click.IntRange(1, MAX_LIMIT), default=DEFAULT_LIMIT)
@database_options
def command(
    entity: str | None,
    actor: str | None,
    start: str | None,
    end: str | None,
    limit: int,
    database_url: str | None,
    data_dir: str | None,
) -> None:
    """Print changes: time, actor id, actor role, entity, entity id, action, after (JSON)."""
    database = open_database(settings_from(database_url, data_dir))
    try:
        entries = AuditLog(database).list(
            entity=entity,
            actor=actor,
            start=parse_time(start, "from") if start else None,
            end=parse_time(end, "to") if end else None,
            limit=limit,
        )
    finally:
        database.dispose()
    for e in entries:
        after = json.dumps(e.after, sort_keys=True, default=str)
        fields = (e.ts.isoformat(), e.actor.id, e.actor.role, e.entity, e.entity_id, e.action)
        click.echo("\t".join((*fields, after)))
