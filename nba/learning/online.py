"""Online learning off the request path: answers are learned on a thread of their own.

An outcome is acknowledged once its row is committed; learning it (a VW update, about as much
CPU as a decision) need not hold the request. `submit` queues the answer and returns; one
learner thread per process takes the queue in order and learns it through the model keeper
in small batches, so the model ends up exactly as if each answer had been learned in the
order it was submitted, and a decision waits at most one small batch for the keeper's lock.

Exactly once: the keeper skips an answer it has learned already, and one submitted before a
hot swap (the keeper's `generation` changed): the catch-up that follows every swap learns from
the database whatever the new version lacks, that answer included.

With `queue_limit` 0 answers are learned on the calling thread, as before. A full queue (the
learner far behind) drops the answer from online learning, counted in `dropped` and logged
once: online learning is transient, and the trainer of record learns every answer anyway.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque

from nba.domain import Decision, Feedback
from nba.learning.keeper import Answer, ModelKeeper

log = logging.getLogger(__name__)

BATCH = 16
"""Answers learned per hold of the keeper's lock: short enough not to delay a decision."""


class OnlineLearner:
    """Learns submitted answers in submission order on a background thread (started lazily,
    again in a forked worker)."""

    def __init__(self, keeper: ModelKeeper, *, queue_limit: int = 10_000) -> None:
        self._keeper = keeper
        self._limit = queue_limit
        self._queue: deque[Answer] = deque()
        self._changed = threading.Condition()
        self._busy = False
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._pid = 0
        self.learned = 0
        self.dropped = 0
        self.failed = 0

    @property
    def in_background(self) -> bool:
        """Whether answers are learned on the learner's thread (not the caller's)."""
        return self._limit > 0

    def submit(self, decision: Decision, feedback: Feedback, interim: float | None) -> None:
        """Learn this recorded answer soon (at once, on this thread, without a queue)."""
        answer = Answer(decision, feedback, interim, self._keeper.generation)
        if not self.in_background:
            self.learned += self._keeper.learn_answers([answer])
            return
        with self._changed:
            if len(self._queue) >= self._limit:
                if not self.dropped:
                    log.warning(
                        "online learning is %d answers behind: answers are left to the "
                        "trainer until it catches up",
                        len(self._queue),
                    )
                self.dropped += 1
                return
            self._queue.append(answer)
            self._ensure_thread()
            self._changed.notify_all()

    def backlog(self) -> int:
        """Answers submitted and not learned yet."""
        with self._changed:
            return len(self._queue) + (1 if self._busy else 0)

    def drain(self, timeout_s: float = 30.0) -> bool:
        """Wait until every answer submitted so far is learned; False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._queue and not self._busy, timeout_s)

    def stop(self, timeout_s: float = 30.0) -> None:
        """Learn what is queued, then end the learner thread."""
        self.drain(timeout_s)
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
            thread = self._thread
        if thread is not None and thread.is_alive():
            thread.join(timeout_s)

    def _ensure_thread(self) -> None:
        # Under self._changed. A forked worker inherits the object but not the thread.
        if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
            return
        self._stopping = False
        self._busy = False
        self._pid = os.getpid()
        self._thread = threading.Thread(target=self._run, name="nba-online-learner", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._queue or self._stopping)
                if not self._queue:
                    return
                batch = [self._queue.popleft() for _ in range(min(BATCH, len(self._queue)))]
                self._busy = True
            try:
                self.learned += self._keeper.learn_answers(batch)
            except Exception:  # a bad answer must not end online learning for the others
                self.failed += len(batch)
                log.exception("online learning failed for %d answers", len(batch))
            finally:
                with self._changed:
                    self._busy = False
                    self._changed.notify_all()
