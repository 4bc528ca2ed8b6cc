"""Marketers' and admins' operations on contact policies: the policy document and the
suppression list (add, import from CSV, list, remove); every change is audited."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from nba.clock import utc_now
from nba.contact_policy import ContactPolicy, Suppression
from nba.domain import Actor
from nba.errors import InvalidInput, NotFound
from nba.schemas import parse
from nba.schemas.contacts import (
    ContactPolicyBody,
    SuppressionBody,
    contact_policy_reply,
    suppression_reply,
)
from nba.serving.contact_rules import ContactRules
from nba.storage import Database, audit, contacts

MAX_PAGE = 1000
CSV_COLUMNS = ("customer_id", "reason", "expires_at")
"""The columns of a suppression CSV file: `customer_id` required, the others optional."""
MAX_IMPORT_ROWS = 1_000_000


class ContactPolicies:
    """The contact policy and suppression list; each call is one transaction."""

    def __init__(
        self,
        database: Database,
        rules: ContactRules | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._database = database
        self._rules = rules
        self._clock = clock

    def _changed(self) -> None:
        if self._rules is not None:
            self._rules.invalidate()

    def refusal_counts(self) -> dict[str, int]:
        """Decisions of this process in which each rule held offers back, by rule name."""
        return {} if self._rules is None else self._rules.refusal_counts()

    def policy(self) -> ContactPolicy:
        """The stored policy (an empty one, restricting nothing, until one is set)."""
        with self._database.session(readonly=True) as session:
            document = contacts.get_policy_json(session)
        return ContactPolicy() if document is None else parse(ContactPolicyBody, document).policy()

    def set_policy(
        self, spec: ContactPolicyBody | Mapping[str, object], *, actor: Actor = Actor.system()
    ) -> ContactPolicy:
        """Replace the policy whole; decisions of every process follow within the cache time."""
        body = spec if isinstance(spec, ContactPolicyBody) else parse(ContactPolicyBody, spec)
        policy = body.policy()
        with self._database.session() as session:
            before = contacts.get_policy_json(session)
            after = contact_policy_reply(policy)
            contacts.set_policy_json(session, after)
            audit.record_change(
                session, actor, "contact_policy", "default", "edit", before=before, after=after
            )
        self._changed()
        return policy

    def suppress(
        self, spec: SuppressionBody | Mapping[str, object], *, actor: Actor = Actor.system()
    ) -> Suppression:
        """Put one customer on the suppression list (replacing an entry already there)."""
        body = spec if isinstance(spec, SuppressionBody) else parse(SuppressionBody, spec)
        entry = self._entry(body, actor)
        with self._database.session() as session:
            before = contacts.get_suppression(session, entry.customer_id)
            contacts.put_suppressions(session, [entry])
            audit.record_change(
                session, actor, "suppression", entry.customer_id,
                "add" if before is None else "edit",
                before=None if before is None else suppression_reply(before),
                after=suppression_reply(entry),
            )  # fmt: skip
        self._changed()
        return entry

    def import_csv(
        self, lines: Iterable[str], *, source: str = "csv", actor: Actor = Actor.system()
    ) -> tuple[int, int]:
        """Suppress every customer of a CSV file (header `customer_id[,reason][,expires_at]`);
        returns (added, replaced). A bad row is an InvalidInput naming its line and field,
        and nothing is written."""
        entries = {e.customer_id: e for e in self._read_csv(lines, actor)}
        with self._database.session() as session:
            added, replaced = contacts.put_suppressions(session, entries.values())
            audit.record_change(
                session, actor, "suppression", source, "import",
                after={"added": added, "replaced": replaced},
            )  # fmt: skip
        self._changed()
        return added, replaced

    def _read_csv(self, lines: Iterable[str], actor: Actor) -> list[Suppression]:
        reader = csv.DictReader(lines)
        columns = reader.fieldnames or []
        if "customer_id" not in columns:
            raise InvalidInput("customer_id", f"the CSV file has no customer_id column: {columns}")
        unknown = [c for c in columns if c not in CSV_COLUMNS]
        if unknown:
            allowed = ", ".join(CSV_COLUMNS)
            raise InvalidInput(unknown[0], f"unknown CSV column (columns: {allowed})")
        entries: list[Suppression] = []
        for row in reader:
            line = reader.line_num
            if len(entries) >= MAX_IMPORT_ROWS:
                raise InvalidInput(f"line {line}", f"more than {MAX_IMPORT_ROWS} rows")
            if None in row:
                raise InvalidInput(f"line {line}", "has more values than the header has columns")
            values = {k: v.strip() for k, v in row.items() if v and v.strip()}
            try:
                body = parse(SuppressionBody, values)
            except InvalidInput as error:
                raise InvalidInput(f"line {line}.{error.field}", error.message) from None
            entries.append(self._entry(body, actor))
        return entries

    def _entry(self, body: SuppressionBody, actor: Actor) -> Suppression:
        return Suppression(
            customer_id=body.customer_id,
            reason=body.reason,
            added_at=self._clock(),
            added_by=actor.id,
            expires_at=body.expires_at,
        )

    def unsuppress(self, customer_id: str, *, actor: Actor = Actor.system()) -> Suppression:
        """Take a customer off the list (NotFound if not on it); the audit keeps the entry."""
        with self._database.session() as session:
            removed = contacts.delete_suppression(session, customer_id)
            if removed is None:
                raise NotFound("suppression", customer_id)
            audit.record_change(
                session, actor, "suppression", customer_id, "remove",
                before=suppression_reply(removed),
            )  # fmt: skip
        self._changed()
        return removed

    def suppression(self, customer_id: str) -> Suppression:
        """One customer's entry (NotFound if not on the list)."""
        with self._database.session(readonly=True) as session:
            entry = contacts.get_suppression(session, customer_id)
        if entry is None:
            raise NotFound("suppression", customer_id)
        return entry

    def suppressions(
        self, *, after: str | None = None, limit: int = 100
    ) -> tuple[list[Suppression], int]:
        """A page of the list ordered by customer id (those after `after`), and its total."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput("limit", f"must be in [1, {MAX_PAGE}], got {limit}")
        with self._database.session(readonly=True) as session:
            page = contacts.list_suppressions(session, after=after, limit=limit)
            return page, contacts.count_suppressions(session)
