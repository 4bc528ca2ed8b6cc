"""The saving transaction of a training run, and the marks of the answers it learned.

On PostgreSQL the transaction opens before learning, with the version number taken up front,
and each learned batch's UPDATE (of either kind of feedback) is sent from a background thread:
the server marks rows on its own core while VW learns, instead of all of a run's at the end,
when the trainer can only wait. The version row, added with that number when saving, fails on
a number taken meanwhile (IntegrityError), and the whole transaction rolls back.
SQLite has one writer at a time, so no transaction may stay open while learning: there the
marks are sent in the saving transaction at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from types import TracebackType

from sqlmodel import Session

from nba.domain import FeedbackKind
from nba.storage import Database, mark_learned, models


class FeedbackMarks:
    """Use as a context manager around learning and saving: commits on success only."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._early = database.engine.dialect.name == "postgresql"
        self._stack = ExitStack()
        self._session: Session | None = None
        self._sender: ThreadPoolExecutor | None = None
        self._sent: list[Future[int]] = []
        self._unsent: dict[FeedbackKind, list[str]] = {kind: [] for kind in FeedbackKind}
        self.version: int | None = None
        """The version number the marks carry (PostgreSQL), or None: max+1 when saving."""

    def __enter__(self) -> FeedbackMarks:
        if self._early:
            self._session = self._stack.enter_context(self._database.session())
            self.version = models.next_model_version(self._session)
            self._sender = self._stack.enter_context(
                ThreadPoolExecutor(max_workers=1, thread_name_prefix="trainer-mark")
            )
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> bool:
        # The sender finishes first, then the transaction commits (or rolls back on an error).
        return bool(self._stack.__exit__(kind, error, trace))

    def add(self, kind: FeedbackKind, decision_ids: Sequence[str]) -> None:
        """Answers of `kind` just learned: marked now (PostgreSQL) or when saving."""
        if self._sender is None or self._session is None or self.version is None:
            self._unsent[kind].extend(decision_ids)
            return
        ids = list(decision_ids)
        self._sent.append(self._sender.submit(mark_learned, self._session, kind, ids, self.version))

    def saving(self) -> Session:
        """The saving transaction, once the marks sent so far are in it (opened if need be)."""
        for sent in self._sent:
            sent.exception()  # wait: the session is the sender's until then
        if self._session is None:
            self._session = self._stack.enter_context(self._database.session())
        return self._session

    def finish(self, version: int) -> int:
        """Mark what is left with `version`, saved by now; how many answers changed in all."""
        session = self.saving()
        if self.version is not None and version != self.version:
            raise RuntimeError(f"marks carry version {self.version}, saved as {version}")
        marked = sum(sent.result() for sent in self._sent)
        for kind, ids in self._unsent.items():
            if ids:
                marked += mark_learned(session, kind, ids, version)
        return marked
