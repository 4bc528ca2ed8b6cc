"""Vowpal Wabbit contextual bandit (`--cb_explore_adf -q sa`) behind the Policy interface.

Traps of vowpal-wabbit-next 0.7.0 handled here (shared/vw-next-notes.md):
- the pmf is ordered by score, so it is mapped back by action index;
- a model is loaded with no arguments (arguments would silently override saved options);
- parsed offer lines are kept in a bounded cache, oldest evicted first (an `Example` costs
  ~32 KB and the pool never frees it); reusing them gave identical pmfs and halved `rank`
  (80 vs 161 us for 10 offers, benchmarks/vw_predict.py);
- a `threading.Lock` guards the Workspace: VW holds the GIL and calls back into Python to log;
- text reaches the parser only through `policies.encoding`, which makes parse errors
  impossible (one would poison the process-wide example pool);
- `--quiet` is not passed, as it would also hide VW's warnings (such as propensities reset
  to 1); the startup banner is silenced by setting `vowpal_wabbit_next.driver` to WARNING.

Cold start: until an offer has been chosen in `cold_start_tries` learned events it keeps a
minimum probability of `cold_start_probability` if it joined a model that had already learned
`cold_start_tries` events without it (a new offer); offers present from the start get
`start_probability` for their first `start_tries` (off by default); n offers so floored get at
most 1/(n+1) each. SquareCB alone starved a new offer: its fresh weights first overshoot
(AdaGrad steps on new features), it is then tried only where it is over-estimated, and with
gamma ~ sqrt(t) a small score gap leaves it under 1%. In benchmarks/sim_quality.py
(new_offer) it got 0.012 of decisions against the oracle's 0.081. The start floor
(0.05 for 300 tries) raised `stationary` from 86.4% to 88.3% of the oracle over 5 seeds, but
slowed the first 2,000 decisions of the policy tests' 4-offer world, hence off. The counts
travel in `save()`: a JSON header before the VW model bytes.
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import struct
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence

import numpy as np
import vowpal_wabbit_next as vw

from policies._validate import candidates_given, event_label, index_in, integer, real
from policies.base import Candidate, Context, Event, Ranking, Reason
from policies.encoding import (
    EventEncoder,
    action_features,
    action_line,
    shared_features,
    shared_line,
)

__all__ = ["EXPLORATIONS", "VWPolicy"]

log = logging.getLogger(__name__)

EXPLORATIONS = ("squarecb", "epsilon", "softmax", "bag", "cover", "rnd", "regcb")
_SCORES = ("probability", "reward")
_CHUNK = 1024
_MAGIC = b"nba-vw/1"
"""Start of `save()` bytes: then a 4-byte big-endian header length, JSON counts, VW model."""


class VWPolicy:
    """A VW `--cb_explore_adf` learner with shared-by-action interactions.

    `rank` returns VW's exploration distribution in the candidates' order. `scores` are,
    with `scores="probability"` (the default, no extra cost), the probabilities themselves as
    a proxy; with `scores="reward"`, the regressor's predicted expected reward (-cost; the mean
    over bag members for `bag`), read from VW's debug tree (`enable_debug_tree`), which makes
    predictions ~2x slower. Probability scores are VW's own, before the cold-start floor.
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
        """Validate every parameter (ValueError naming it) and build a fresh Workspace."""
        if exploration not in EXPLORATIONS:
            raise ValueError(f"exploration: must be one of {EXPLORATIONS}, got {exploration!r}")
        if scores not in _SCORES:
            raise ValueError(f"scores: must be one of {_SCORES}, got {scores!r}")
        if isinstance(interactions, str) or not all(
            isinstance(i, str) and 2 <= len(i) <= 3 and set(i) <= {"s", "a"} for i in interactions
        ):
            raise ValueError(
                f"interactions: must be a list of 2-3 letter strings over 's' and 'a', "
                f"got {interactions!r}"
            )
        self.params: dict[str, object] = {
            "exploration": exploration,
            "epsilon": real("epsilon", epsilon, 0.0, 1.0, open_low=True),
            "gamma_scale": real("gamma_scale", gamma_scale, 0.0, 1e6, open_low=True),
            "gamma_exponent": real("gamma_exponent", gamma_exponent, 0.0, 1.0),
            "lambda_": real("lambda_", lambda_, 0.0, 1e6, open_low=True),
            "bag_size": integer("bag_size", bag_size, 2, 100),
            "cover_size": integer("cover_size", cover_size, 1, 100),
            "rnd_size": integer("rnd_size", rnd_size, 1, 100),
            "learning_rate": real("learning_rate", learning_rate, 0.0, 100.0, open_low=True),
            "power_t": real("power_t", power_t, 0.0, 1.0),
            "bits": integer("bits", bits, 1, 28),
            "interactions": list(interactions),
            "scores": scores,
            "cache_size": integer("cache_size", cache_size, 0, 100_000),
            "cold_start_tries": integer("cold_start_tries", cold_start_tries, 0, 10**9),
            "cold_start_probability": real(
                "cold_start_probability", cold_start_probability, 0.0, 0.5
            ),
            "start_probability": real("start_probability", start_probability, 0.0, 0.5),
            "start_tries": integer("start_tries", start_tries, 0, 10**9),
        }
        rng = rng if rng is not None else np.random.default_rng()
        self._seed = int(rng.integers(0, 2**31 - 1))
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[object, ...], vw.Example] = OrderedDict()
        self._encoder = EventEncoder()
        # Learned events; per offer id [events where it was a candidate, times chosen].
        self._total = 0
        self._counts: dict[str, list[int]] = {}
        logging.getLogger("vowpal_wabbit_next.driver").setLevel(logging.WARNING)
        self._attach(vw.Workspace(self.args(), enable_debug_tree=self._debug))

    @property
    def _debug(self) -> bool:
        return self.params["scores"] == "reward"

    def args(self) -> list[str]:
        """The VW command-line arguments this policy's parameters stand for."""
        p = self.params
        eps = ["--epsilon", f"{p['epsilon']}"]
        explore = {
            "squarecb": [
                "--squarecb",
                "--gamma_scale",
                f"{p['gamma_scale']}",
                "--gamma_exponent",
                f"{p['gamma_exponent']}",
                *eps,
            ],
            "epsilon": eps,
            "softmax": ["--softmax", "--lambda", f"{p['lambda_']}", *eps],
            "bag": ["--bag", f"{p['bag_size']}", *eps],
            "cover": ["--cover", f"{p['cover_size']}", *eps],
            "rnd": ["--rnd", f"{p['rnd_size']}", *eps],
            # regcb ignores --epsilon (the floor is mixed in by `rank`) and assumes costs in
            # [cb_min_cost, cb_max_cost]: rewards in [0, 1] are costs in [-1, 0].
            "regcb": ["--regcb", "--cb_min_cost", "-1", "--cb_max_cost", "0"],
        }[str(p["exploration"])]
        # `-q` takes pairs only; `--interactions` takes any order (`ssa` = shared pair x action).
        extra = [t for i in p["interactions"] for t in ("--interactions", i)]  # type: ignore[attr-defined]
        return [
            "--cb_explore_adf",
            *explore,
            "-q",
            "sa",
            *extra,
            "-b",
            f"{p['bits']}",
            "-l",
            f"{p['learning_rate']}",
            "--power_t",
            f"{p['power_t']}",
            "--random_seed",
            f"{self._seed}",
        ]

    def _attach(self, workspace: vw.Workspace) -> None:
        # Cached examples carry indices masked to one workspace's bits: drop them on every swap.
        self._ws = workspace
        self._parser = vw.TextFormatParser(workspace)
        self._cache.clear()

    def _parse(self, line: str) -> vw.Example:
        try:
            return self._parser.parse_line(line)
        except RuntimeError:
            # The encoder should make this impossible; if it happens the example pool of this
            # process may be poisoned (vw-next-notes §3), so the worker must be recycled.
            log.critical("VW parse error on encoder output; recycle this worker")
            raise

    def _examples(self, context: Context, candidates: Sequence[Candidate]) -> list[vw.Example]:
        limit = int(self.params["cache_size"])  # type: ignore[call-overload]
        cache = self._cache
        examples = [self._parse(shared_line(context))]
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
                example = self._parse(action_line(candidate))
                if limit and len(used) > seen:
                    cache[key] = example
                    if len(cache) > limit:
                        cache.popitem(last=False)  # oldest first: bounded, never all offers
            examples.append(example)
        return examples

    def rank(self, context: Context, candidates: Sequence[Candidate]) -> Ranking:
        """VW's exploration probabilities for the candidates, in their order; learns nothing."""
        candidates_given(candidates)
        with self._lock:
            examples = self._examples(context, candidates)
            out = self._ws.predict_one(examples)
        pmf, tree = out if self._debug else (out, None)
        k = len(candidates)
        probs = np.zeros(k)
        for action, prob in pmf:  # VW sorts the pmf by score; map back by index.
            probs[action] = prob
        if not np.all(np.isfinite(probs)) or probs.sum() <= 0:
            raise RuntimeError(f"VW returned an invalid pmf: {pmf!r}")
        probs /= probs.sum()
        if self.params["exploration"] == "regcb":
            eps = float(self.params["epsilon"])  # type: ignore[arg-type]
            probs = (1.0 - eps) * probs + eps / k
        scores = probs.copy() if tree is None else self._tree_scores(tree, k)
        ids = tuple(c.offer_id for c in candidates)
        with self._lock:
            floors = self._floors(ids)
        if floors:
            probs = _with_floor(probs, floors)
        return Ranking(
            offer_ids=ids,
            probabilities=tuple(probs.tolist()),
            scores=tuple(scores.tolist()),
        )

    def _floors(self, ids: Sequence[str]) -> dict[int, float]:
        """Minimum probability of each candidate still in its cold start (module docstring)."""
        p = self.params
        late_tries = int(p["cold_start_tries"])  # type: ignore[call-overload]
        early_tries = int(p["start_tries"])  # type: ignore[call-overload]
        out = {}
        for i, offer_id in enumerate(ids):
            seen, chosen = self._counts.get(offer_id, (0, 0))
            if late_tries and self._total - seen >= late_tries:
                floor, tries = float(p["cold_start_probability"]), late_tries  # type: ignore[arg-type]
            else:
                floor, tries = float(p["start_probability"]), early_tries  # type: ignore[arg-type]
            if chosen < tries and floor > 0:
                out[i] = floor
        return out

    def _tree_scores(self, tree: vw.DebugNode, k: int) -> np.ndarray:
        rows: list[np.ndarray] = []
        stack = [tree]
        while stack:
            node = stack.pop()
            if node.name == "cb_adf":
                row = np.zeros(k)
                for action, cost in node.output_prediction:
                    row[action] = -cost
                rows.append(row)
            else:
                stack.extend(reversed(node.children))
        if not rows:
            raise RuntimeError("VW debug tree has no cb_adf node")
        # bag: every member is a regressor, average them; rnd visits its random networks
        # before the regressor; the others have the regressor first.
        exploration = self.params["exploration"]
        if exploration == "bag":
            return np.mean(rows, axis=0)
        return rows[-1] if exploration == "rnd" else rows[0]

    def learn(self, events: Iterable[Event]) -> None:
        """Learn from logged events, in order.

        Events are validated and encoded in chunks of 1,024 before any event of the chunk is
        learned, so a bad event (ValueError) leaves the model as it was after the previous
        chunk; a batch of at most 1,024 events is all or nothing.
        """
        iterator = iter(events)
        while chunk := list(itertools.islice(iterator, _CHUNK)):
            lines = self._encoder.event_lines
            batch = [lines(e.context, e.candidates, event_label(e)) for e in chunk]
            with self._lock:
                for lines in batch:
                    self._ws.learn_one([self._parse(line) for line in lines])
                for event in chunk:
                    self._count(event)

    def _count(self, event: Event) -> None:
        self._total += 1
        chosen = event.candidates[event.chosen].offer_id
        for offer_id in {c.offer_id for c in event.candidates}:
            counts = self._counts.setdefault(offer_id, [0, 0])
            counts[0] += 1
            counts[1] += offer_id == chosen

    def save(self) -> bytes:
        """The full VW model (weights, optimizer state and options) and the cold-start counts.

        Layout: `nba-vw/1`, a 4-byte big-endian length, that many bytes of JSON
        (`{"total": events, "offers": {offer id: [events as a candidate, times chosen]}}`),
        then VW's own model bytes.
        """
        with self._lock:
            state = {"total": self._total, "offers": self._counts}
            header = json.dumps(state, sort_keys=True).encode("ascii")
            return _MAGIC + struct.pack(">I", len(header)) + header + self._ws.serialize()

    def vw_model(self) -> bytes:
        """VW's own model bytes, without the cold-start counts: what `vw.Workspace` loads."""
        with self._lock:
            return self._ws.serialize()

    def load(self, data: bytes) -> None:
        """Replace the model with saved bytes; the options come from the bytes.

        Bare VW model bytes (no header) load too, with no cold-start counts.
        """
        if not isinstance(data, bytes | bytearray) or not data:
            raise ValueError("data: must be non-empty bytes from VWPolicy.save()")
        total, counts, model = _split(bytes(data))
        # No args: options passed here would silently override the saved ones (notes §7).
        try:
            workspace = vw.Workspace(model_data=model, enable_debug_tree=self._debug)
        except RuntimeError as error:
            raise ValueError(f"data: not a loadable VW model ({error})") from error
        saved = _options(workspace)
        if _exploration_flags(saved) != _exploration_flags(self.args()):
            raise ValueError(
                f"data: the model explores with {_exploration_flags(saved)}, this policy is "
                f"configured for {_exploration_flags(self.args())}; use matching params"
            )
        with self._lock:
            self._attach(workspace)
            self._total, self._counts = total, counts
            if "--random_seed" in saved:
                self._seed = int(saved[saved.index("--random_seed") + 1])

    def explain(
        self, context: Context, candidates: Sequence[Candidate], index: int, top: int = 5
    ) -> tuple[Reason, ...]:
        """The features with the largest contributions (weight x value) to one candidate's score.

        A contribution is to the predicted reward (-cost), so positive raises the offer. Terms
        include the constant, each shared and action feature and the interaction products, read
        by name from a throw-away copy of the model with `record_feature_names=True` (10-20 ms).
        For `bag` the members' contributions are averaged; for cover and rnd they come from the
        first (regressor) learner. Terms whose weight is exactly zero are left out.
        """
        candidates_given(candidates)
        index = index_in("index", index, len(candidates))
        top = integer("top", top, 1, 10_000)
        values = {("s", n): v for n, v in shared_features(context)}
        values.update({("a", n): v for n, v in action_features(candidates[index])})
        values[("", "Constant")] = 1.0
        lines = [shared_line(context), action_line(candidates[index])]
        viewer = vw.Workspace(model_data=self.vw_model(), record_feature_names=True)
        parser = vw.TextFormatParser(viewer)
        viewer.predict_one([parser.parse_line(line) for line in lines])
        weights = json.loads(viewer.json_weights(include_feature_names=True))["weights"]
        members = int(self.params["bag_size"]) if self.params["exploration"] == "bag" else 1  # type: ignore[call-overload]
        totals: dict[tuple[tuple[str, str], ...], float] = {}
        for entry in weights:
            if not entry.get("terms") or (entry.get("offset") or 0) >= members:
                continue
            terms = tuple((t["namespace"], t["name"]) for t in entry["terms"])
            if not all(t in values for t in terms):
                continue
            value = math.prod(values[t] for t in terms)
            totals[terms] = totals.get(terms, 0.0) - entry["value"] * value / members
        named = sorted(totals.items(), key=lambda kv: (-abs(kv[1]), kv[0]))
        return tuple(
            Reason(feature="*".join(name for _, name in terms), weight=float(w))
            for terms, w in named[:top]
            if w != 0.0 and math.isfinite(w)
        )


def _with_floor(probs: np.ndarray, floors: dict[int, float]) -> np.ndarray:
    """Lift candidates to their floors (each at most 1/(len(floors)+1)); rescale the others."""
    cap = 1.0 / (len(floors) + 1)
    low = {i: min(f, cap) for i, f in floors.items() if probs[i] < min(f, cap)}
    others = [i for i in range(len(probs)) if i not in low]
    if not low or not others:
        return probs
    out = probs.copy()
    for i, floor in low.items():
        out[i] = floor
    mass = probs[others].sum()
    left = 1.0 - sum(low.values())
    out[others] = probs[others] * left / mass if mass > 0 else left / len(others)
    return out


def _split(data: bytes) -> tuple[int, dict[str, list[int]], bytes]:
    """`(events, counts per offer id, VW model bytes)` of `save()` output.

    Bare VW model bytes (no header) give no counts.
    """
    if not data.startswith(_MAGIC):
        return 0, {}, data
    start = len(_MAGIC) + 4
    try:
        (size,) = struct.unpack(">I", data[len(_MAGIC) : start])
        state = json.loads(data[start : start + size].decode("ascii"))
        total, counts = state["total"], state["offers"]
        ok = _natural(total) and all(
            type(k) is str and type(v) is list and len(v) == 2 and all(map(_natural, v))
            for k, v in counts.items()
        )
    except (struct.error, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as e:
        raise ValueError(f"data: corrupt VWPolicy header ({e})") from e
    if not ok:
        raise ValueError("data: corrupt VWPolicy header (counts must be integers >= 0)")
    return total, counts, data[start + size :]


def _natural(value: object) -> bool:
    return type(value) is int and value >= 0


_FLAGS = {"--squarecb": 0, "--softmax": 0, "--regcb": 0, "--bag": 1, "--cover": 1, "--rnd": 1}


def _options(workspace: vw.Workspace) -> list[str]:
    for line in workspace.readable_model().splitlines():
        if line.startswith("options:"):
            return line.split()[1:]
    return []


def _exploration_flags(args: list[str]) -> dict[str, str]:
    return {a: (args[i + 1] if _FLAGS[a] else "") for i, a in enumerate(args) if a in _FLAGS}
