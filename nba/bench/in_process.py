"""In-process phases: a bare VW Workspace, `Decider.preview` and `Decider.decide`."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from nba.bench.measure import BenchOptions, Row, percentiles, progress, row
from nba.bench.workload import make_offers
from nba.config import Settings
from nba.domain import EligibleOffer, FeedbackKind, FeedbackReport
from nba.runtime import build_runtime
from nba.schemas import DecisionBody, decision_request, parse
from nba.serving.inputs import DecisionRequest
from policies.base import Candidate, Context
from policies.encoding import event_lines
from policies.vw.model import new_model

__all__ = ["bench_in_process"]


def _accepts(body: dict[str, object], rng: np.random.Generator) -> bool:
    # A made-up response so that the learner sees some signal: high churn accepts more often.
    churn = body["churn_score"]
    if not isinstance(churn, int | float):
        raise TypeError(f"churn_score must be a number, got {churn!r}")
    return bool(rng.random() < 0.05 + 0.25 * churn)


def bench_in_process(
    options: BenchOptions, bodies: list[dict[str, object]], rng: np.random.Generator
) -> list[Row]:
    """Raw VW predict, `preview` (interleaved with it, same candidates) and `decide` on SQLite."""
    with tempfile.TemporaryDirectory(prefix="nba-bench-") as tmp:
        # An explicit URL: NBA_DATABASE_URL in the environment must not point the bench at a
        # real database.
        settings = Settings(
            data_dir=Path(tmp),
            database_url=f"sqlite:///{Path(tmp) / 'nba.db'}",
            seed=options.seed,
            save_interval_s=3600.0,
        )
        runtime = build_runtime(settings)
        try:
            for spec in make_offers(options.offers):
                runtime.catalog.add(spec)
            decider = runtime.decider
            requests_ = [decision_request(parse(DecisionBody, b)) for b in bodies]
            args = runtime.keeper.with_lock(lambda p: p.args() if hasattr(p, "args") else None)
            # The served policy reads VW's reward estimates from its debug tree (the replies'
            # scores): the bare Workspace does the same work, so the ratio is nba's overhead.
            scored = runtime.keeper.with_lock(lambda p: p.params.get("scores") == "reward")
            raw = _RawVW(args, debug=bool(scored)) if isinstance(args, list) else None
            # Warm-up that also trains: the live policy online, the bare Workspace on the same
            # events, so that neither predicts from all-zero weights.
            for body, request in zip(
                bodies[: min(options.n // 5 + 1, 500)], requests_, strict=False
            ):
                decision = decider.decide(request).decision
                accepted = _accepts(body, rng)
                report = FeedbackReport(FeedbackKind.ACCEPTANCE, decision.id, accepted)
                runtime.feedback.record(report)
                if raw is not None:
                    raw.learn(
                        request,
                        decision.eligible,
                        decision.chosen_index,
                        accepted,
                        decision.propensity,
                    )
            vw_s, predict_s, preview_s = [], [], []
            with progress("preview vs raw VW", requests_) as bar:
                for request in bar:
                    t0 = time.perf_counter()
                    result = decider.preview(request)
                    preview_s.append(time.perf_counter() - t0)
                    if raw is not None:
                        total, only = raw.time(request, result.decision.eligible)
                        vw_s.append(total)
                        predict_s.append(only)
            decide_s = []
            start = time.perf_counter()
            with progress("decide (SQLite log)", requests_) as bar:
                for request in bar:
                    t0 = time.perf_counter()
                    decider.decide(request)
                    decide_s.append(time.perf_counter() - t0)
            decide_wall = time.perf_counter() - start
        finally:
            runtime.close()
    rows = []
    if vw_s:
        bare = "bare Workspace" + (", debug tree as served" if raw and raw.debug else "")
        rows.append(row("vw: encode+parse+predict", vw_s, sum(vw_s), note=bare))
        rows.append(row("vw: predict_one only", predict_s, sum(predict_s), note="pre-parsed"))
        ratio = percentiles(preview_s)[0] / percentiles(vw_s)[0]
        note = f"{ratio:.2f}x raw VW p50 (target <= 2x)"
    else:
        note = "policy is not VW: no raw figure"
    rows.append(row("decider.preview", preview_s, sum(preview_s), note=note))
    rows.append(row("decider.decide (SQLite)", decide_s, decide_wall, note="incl. log commit"))
    return rows


def _policy_inputs(
    request: DecisionRequest, eligible: Sequence[EligibleOffer]
) -> tuple[Context, list[Candidate]]:
    # The same conversion as the Decider's, so VW sees the very same example.
    context = Context(
        churn_score=request.churn_score,
        features=tuple((k, v) for k, v in request.context if v is not None),
    )
    return context, [Candidate(e.offer_id, e.category, e.features) for e in eligible]


class _RawVW:
    """A bare Workspace with the live policy's args (and its debug tree, when the policy reads
    its scores from it): the floor under `preview`."""

    def __init__(self, args: list[str], *, debug: bool) -> None:
        self.debug = debug
        model = new_model(args, debug=debug)
        self._ws, self._parser = model.workspace, model.parser

    def learn(
        self,
        request: DecisionRequest,
        eligible: Sequence[EligibleOffer],
        chosen: int,
        accepted: bool,
        propensity: float,
    ) -> None:
        """Learn one logged event, labelled as the policy would (cost = -reward)."""
        context, candidates = _policy_inputs(request, eligible)
        lines = event_lines(context, candidates, (chosen, -float(accepted), propensity))
        self._ws.learn_one([self._parser.parse_line(x) for x in lines])

    def time(
        self, request: DecisionRequest, eligible: Sequence[EligibleOffer]
    ) -> tuple[float, float]:
        """Seconds for encode + parse + predict_one, and for predict_one alone."""
        t0 = time.perf_counter()
        context, candidates = _policy_inputs(request, eligible)
        examples = [self._parser.parse_line(x) for x in event_lines(context, candidates)]
        t1 = time.perf_counter()
        self._ws.predict_one(examples)
        t2 = time.perf_counter()
        return t2 - t0, t2 - t1
