"""Vowpal Wabbit contextual bandit (`--cb_explore_adf -q sa`) behind the Policy interface.

Traps of vowpal-wabbit-next 0.7.0 handled here (shared/vw-next-notes.md):
- the pmf is ordered by score, so it is mapped back by action index (`predictions`);
- a model is loaded with no arguments (arguments would silently override saved options);
- parsed offer lines are kept in a bounded cache (`examples`), rebuilt for every Workspace;
- a `threading.Lock` guards the Workspace: VW holds the GIL and calls back into Python to log;
- text reaches the parser only through `policies.encoding`, which makes parse errors
  impossible (one would poison the process-wide example pool);
- `--quiet` is not passed, as it would also hide VW's warnings (such as propensities reset
  to 1); the startup banner is silenced by setting `vowpal_wabbit_next.driver` to WARNING.

Cold start: `policies.cold_start` (parameters `cold_start_tries`, `cold_start_probability`,
`start_probability`, `start_tries`); its counts travel in `save()` (`model`).
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Iterable, Sequence

import numpy as np

from policies._validate import candidates_given, event_label, index_in, integer
from policies.base import Candidate, Context, Event, Ranking, Reason
from policies.cold_start import TryCounts, lift
from policies.encoding import EventEncoder
from policies.errors import InvalidModel
from policies.vw.examples import Examples
from policies.vw.explain import reasons
from policies.vw.model import Model, dump, new_model, read_model, saved_options
from policies.vw.params import VWParams, exploration_flags
from policies.vw.predictions import predict, probabilities, tree_scores

__all__ = ["VWPolicy"]

_CHUNK = 1024


class VWPolicy:
    """A VW `--cb_explore_adf` learner with shared-by-action interactions.

    `rank` returns VW's exploration distribution in the candidates' order, with the cold-start
    floor. `scores` are, with `scores="reward"`, the regressor's predicted reward (-cost; the
    mean over bag members for `bag`; a linear estimate that VW does not clip), read from
    VW's debug tree (`enable_debug_tree`): rank took 1.65x and learn 2.2x the time
    without it (median ratios, 4 offers). With `scores="probability"` (the default, for
    learners that never show scores: the trainer, evaluations, the simulator) they are VW's
    own probabilities (before the floor), a stand-in. A serving process asks for "reward"
    (`nba.learning.keeper`).
    """

    name = "vw"

    def __init__(
        self,
        rng: np.random.Generator | None = None,
        *,
        exploration: str = "squarecb",
        epsilon: float = 0.02,
        gamma_scale: float = 100.0,
        gamma_exponent: float = 0.5,
        lambda_: float = 10.0,
        bag_size: int = 5,
        cover_size: int = 3,
        rnd_size: int = 3,
        learning_rate: float = 0.5,
        power_t: float = 0.5,
        bits: int = 18,
        interactions: Sequence[str] = (),
        scores: str = "probability",
        cache_size: int = 256,
        cold_start_tries: int = 1000,
        cold_start_probability: float = 0.2,
        start_probability: float = 0.0,
        start_tries: int = 300,
    ) -> None:
        """Validate every parameter (InvalidParameter naming it) and build a fresh Workspace."""
        self._p = VWParams.checked(
            exploration=exploration,
            epsilon=epsilon,
            gamma_scale=gamma_scale,
            gamma_exponent=gamma_exponent,
            lambda_=lambda_,
            bag_size=bag_size,
            cover_size=cover_size,
            rnd_size=rnd_size,
            learning_rate=learning_rate,
            power_t=power_t,
            bits=bits,
            interactions=interactions,
            scores=scores,
            cache_size=cache_size,
            cold_start_tries=cold_start_tries,
            cold_start_probability=cold_start_probability,
            start_probability=start_probability,
            start_tries=start_tries,
        )
        rng = rng if rng is not None else np.random.default_rng()
        self._seed = int(rng.integers(0, 2**31 - 1))
        self._lock = threading.Lock()
        self._encoder = EventEncoder()
        self._counts = TryCounts()
        logging.getLogger("vowpal_wabbit_next.driver").setLevel(logging.WARNING)
        self._attach(new_model(self.args(), debug=self._debug))

    @property
    def params(self) -> dict[str, object]:
        """The constructor arguments, validated (JSON-ready)."""
        return self._p.as_dict()

    @property
    def _debug(self) -> bool:
        return self._p.scores == "reward"

    def args(self) -> list[str]:
        """The VW command-line arguments this policy's parameters stand for."""
        return self._p.args(self._seed)

    def _attach(self, model: Model) -> None:
        # Cached examples carry indices masked to one workspace's bits: new ones on every swap.
        self._model = model
        self._examples = Examples(model.parser, self._p.cache_size)

    def rank(self, context: Context, candidates: Sequence[Candidate]) -> Ranking:
        """VW's exploration probabilities for the candidates, in their order; learns nothing."""
        candidates_given(candidates)
        with self._lock:
            prediction, tree = predict(
                self._model.workspace, self._examples.decision(context, candidates)
            )
        k = len(candidates)
        probs = probabilities(prediction, k)
        if self._p.exploration == "regcb":
            eps = self._p.epsilon
            probs = (1.0 - eps) * probs + eps / k
        scores = probs.copy() if tree is None else tree_scores(tree, k, self._p.exploration)
        ids = tuple(c.offer_id for c in candidates)
        with self._lock:
            floors = self._p.cold_start.floors(self._counts, ids)
        if floors:
            probs = lift(probs, floors)
        return Ranking(
            offer_ids=ids,
            probabilities=tuple(probs.tolist()),
            scores=tuple(scores.tolist()),
        )

    def learn(self, events: Iterable[Event]) -> None:
        """Learn from logged events, in order.

        Events are validated and encoded in chunks of 1,024 before any event of the chunk is
        learned, so a bad event (InvalidParameter) leaves the model as it was after the
        previous chunk; a batch of at most 1,024 events is all or nothing.
        """
        iterator = iter(events)
        while chunk := list(itertools.islice(iterator, _CHUNK)):
            lines = self._encoder.event_lines
            batch = [lines(e.context, e.candidates, event_label(e)) for e in chunk]
            with self._lock:
                for event_text in batch:
                    self._model.workspace.learn_one(
                        [self._examples.parse(line) for line in event_text]
                    )
                for event in chunk:
                    chosen = event.candidates[event.chosen].offer_id
                    self._counts.count((c.offer_id for c in event.candidates), chosen)

    def save(self) -> bytes:
        """The full VW model (weights, optimizer state and options) and the cold-start counts,
        in the `nba-vw/1` format (`policies.vw.model`)."""
        with self._lock:
            return dump(self._counts, self._model)

    def vw_model(self) -> bytes:
        """VW's own model bytes, without the cold-start counts: what `vw.Workspace` loads."""
        with self._lock:
            return self._model.workspace.serialize()

    def load(self, data: bytes) -> None:
        """Replace the model with saved bytes; the options come from the bytes.

        Bare VW model bytes (no header) load too, with no cold-start counts. Bytes that are
        not a model, or a model of another exploration, raise InvalidModel.
        """
        if not isinstance(data, bytes | bytearray) or not data:
            raise InvalidModel("must be non-empty bytes from VWPolicy.save()")
        counts, model = read_model(bytes(data), debug=self._debug)
        saved = saved_options(model)
        if exploration_flags(saved) != exploration_flags(self.args()):
            raise InvalidModel(
                f"the model explores with {exploration_flags(saved)}, this policy is "
                f"configured for {exploration_flags(self.args())}; use matching params"
            )
        with self._lock:
            self._attach(model)
            self._counts = counts
            if "--random_seed" in saved:
                self._seed = int(saved[saved.index("--random_seed") + 1])

    def explain(
        self, context: Context, candidates: Sequence[Candidate], index: int, top: int = 5
    ) -> tuple[Reason, ...]:
        """The features that moved one candidate's predicted reward most against the others'.

        See `policies.vw.explain`: contributions to the regressor's predicted reward (averaged
        over bag members, the first learner's for cover and rnd), each minus the mean of the
        other candidates' for the same feature; features equal for every candidate are left out.
        """
        candidates_given(candidates)
        index = index_in("index", index, len(candidates))
        top = integer("top", top, 1, 10_000)
        members = self._p.bag_size if self._p.exploration == "bag" else 1
        return reasons(self.vw_model(), members, context, candidates, index, top)
