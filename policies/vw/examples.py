"""Parsed VW examples of one Workspace, with the offers' action examples kept in a bounded cache.

Reusing parsed offer lines gave identical pmfs and halved `rank` (80 vs 161 us for 10
offers, benchmarks/vw_predict.py). The cache is bounded, oldest evicted first: an `Example`
costs ~32 KB and VW's pool never frees it. Examples carry indices masked to their
Workspace's bits, so a new `Examples` is built for every Workspace (never shared).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence

import vowpal_wabbit_next as vw

from policies.base import Candidate, Context
from policies.encoding import action_line, shared_line

__all__ = ["Examples"]

log = logging.getLogger(__name__)


class Examples:
    """A Workspace's text parser and its cache of parsed offer examples.

    Not thread-safe: VWPolicy calls it under its Workspace lock.
    """

    def __init__(self, parser: vw.TextFormatParser, cache_size: int) -> None:
        self._parser = parser
        self._limit = cache_size
        self._cache: OrderedDict[tuple[object, ...], vw.Example] = OrderedDict()

    def parse(self, line: str) -> vw.Example:
        """One parsed line; a parse error is logged as critical and raised."""
        try:
            return self._parser.parse_line(line)
        except RuntimeError:
            # The encoder should make this impossible; if it happens the example pool of this
            # process may be poisoned (vw-next-notes §3), so the worker must be recycled.
            log.critical("VW parse error on encoder output; recycle this worker")
            raise

    def decision(self, context: Context, candidates: Sequence[Candidate]) -> list[vw.Example]:
        """The shared example, then one action example per candidate (cached when possible)."""
        cache = self._cache
        examples = [self.parse(shared_line(context))]
        used: set[tuple[object, ...]] = set()
        for candidate in candidates:
            # Equal candidates can still differ in text (True == 1), so the types are in the key.
            key = (candidate, *[type(v) for _, v in candidate.features])
            seen = len(used)
            used.add(key)
            example = cache.get(key) if len(used) > seen else None
            if example is None:
                # A fresh Example for a repeated candidate too: VW merges the shared features
                # into each action Example in place, so one object must not appear twice.
                example = self.parse(action_line(candidate))
                if self._limit and len(used) > seen:
                    cache[key] = example
                    if len(cache) > self._limit:
                        cache.popitem(last=False)  # oldest first: bounded, never all offers
            examples.append(example)
        return examples
