"""Offline evaluations of a loop's learning settings on its own log, by nba's OPE.

Each policy of an evaluation (the loop's current settings as "Online", the custom ones,
and the baselines "Baseline": the first action or the slot's baseline, and "Random") is
replayed over the loop's settled slots between `startTime` and `endTime`: a VW policy with
those arguments predicts each slot before learning it (progressive validation), mixed with
the loop's exploration as it would be served. `nba.ope.evaluate` then estimates each
policy's expected reward (SNIPS, with a bootstrap interval) from the logged propensities.
The best policy by expected reward is `optimalPolicy`. An evaluation runs in the background
(`Running`, then `Succeeded` or `Failed`), one at a time per process.
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from nba.ope import evaluate
from nba.personalizer.admin import LoopAdmin
from nba.personalizer.errors import PersonalizerError
from nba.personalizer.events import event_of
from nba.personalizer.learning_settings import LearningSettings
from nba.personalizer.loops import LoopDirectory, LoopState
from nba.personalizer.models import build_policy
from nba.personalizer.values import LoggedSlot
from nba.storage import Database
from nba.storage import personalizer as store
from policies import Policy

__all__ = ["LoopEvaluations", "replay"]

log = logging.getLogger(__name__)

_MAX_POLICIES = 10
_MAX_SLOTS = 100_000
_ESTIMATOR = "snips"


def replay(
    settings: LearningSettings, exploration: float, slots: Sequence[LoggedSlot],
    rng: np.random.Generator,
) -> tuple[npt.NDArray[np.float64], Policy]:  # fmt: skip
    """Each slot's served distribution under `settings` (rows padded to the widest slot),
    learned one slot after the other; and the policy that learned them all."""
    policy = build_policy(settings.policy_params(0.0), rng)
    width = max(len(s.actions) for s in slots)
    dist = np.zeros((len(slots), width))
    for i, slot in enumerate(slots):
        event = event_of(slot, float(slot.learned_reward or 0.0))
        k = len(event.candidates)
        p = np.asarray(policy.rank(event.context, event.candidates).probabilities)
        dist[i, :k] = (1.0 - exploration) * p / p.sum() + exploration / k
        policy.learn([event])
    return dist, policy


class LoopEvaluations:
    """Create, read, list and delete evaluations of a loop's learning settings."""

    def __init__(
        self,
        database: Database,
        loops: LoopDirectory,
        admin: LoopAdmin,
        rng: np.random.Generator,
        clock: Callable[[], datetime],
    ) -> None:
        self._database = database
        self._loops = loops
        self._admin = admin
        self._rng = rng
        self._clock = clock
        # One evaluation at a time, beside the requests: a large log takes minutes.
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="loop-evaluation")

    def close(self) -> None:
        """Wait for the evaluations in progress to end."""
        self._pool.shutdown(wait=True)

    def create(self, loop: str, body: object, evaluation_id: str | None = None) -> dict[str, Any]:
        """Store an evaluation as `Running` and run it in the background; its record.

        Refused at once: a bad body, an id in use, no settled event in the date range.
        """
        state = self._loops.state(loop)
        spec = _spec(body)
        evaluation_id = evaluation_id or uuid.uuid4().hex
        with self._database.session(readonly=True) as session:
            if store.get_evaluation(session, loop, evaluation_id) is not None:
                raise PersonalizerError(
                    "EvaluationAlreadyExists", f"evaluation {evaluation_id!r} exists",
                    target="evaluationId",
                )  # fmt: skip
            slots = [s for s in store.logged_slots(session, loop, spec["start"], spec["end"])
                     if s.learned_reward is not None][-_MAX_SLOTS:]  # fmt: skip
        if not slots:
            raise PersonalizerError(
                "NoLogsExistInDateRange", "no settled events between startTime and endTime"
            )
        record = {
            "name": spec["name"], "status": "Running",
            "spec": {"startTime": spec["start"].isoformat(), "endTime": spec["end"].isoformat(),
                     "policies": [p.to_json() for p in spec["policies"]]},
            "results": {}, "created_at": self._clock(),
        }  # fmt: skip
        with self._database.session() as session:
            store.put_evaluation(session, loop, evaluation_id, **record)
        self._pool.submit(self._run, state, evaluation_id, spec["policies"], slots)
        return self.get(loop, evaluation_id)

    def _run(
        self, state: LoopState, evaluation_id: str, custom: list[LearningSettings],
        slots: list[LoggedSlot],
    ) -> None:  # fmt: skip
        try:
            results = self._results(state, custom, slots)
            best = max(results, key=lambda r: _or_low(r["summary"]["expectedReward"]))
            done = {
                "status": "Succeeded",
                "results": {
                    "policies": results,
                    "optimalPolicy": best["name"],
                    "events": len(slots),
                },
            }
        except Exception as error:  # the record says Failed; the log has the traceback
            log.exception("personalizer evaluation failed loop=%s id=%s", state.name,
                          evaluation_id)  # fmt: skip
            done = {"status": "Failed", "results": {"error": str(error)}}
        with self._database.session() as session:
            store.put_evaluation(session, state.name, evaluation_id, **done)

    def get(self, loop: str, evaluation_id: str) -> dict[str, Any]:
        """An evaluation in both SDKs' shapes (`policyResults` and `content`)."""
        self._loops.state(loop)
        with self._database.session(readonly=True) as session:
            found = store.get_evaluation(session, loop, evaluation_id)
        if found is None:
            raise PersonalizerError(
                "EvaluationNotFound", f"no evaluation {evaluation_id!r}", target="evaluationId"
            )
        return _shown(found, full=True)

    def summaries(self, loop: str) -> list[dict[str, Any]]:
        """Every evaluation of the loop, newest first (without results)."""
        self._loops.state(loop)
        with self._database.session(readonly=True) as session:
            return [_shown(e, full=False) for e in store.list_evaluations(session, loop)]

    def delete(self, loop: str, evaluation_id: str) -> None:
        """Delete an evaluation (an unknown id: EvaluationNotFound)."""
        self._loops.state(loop)
        with self._database.session() as session:
            if not store.delete_evaluation(session, loop, evaluation_id):
                raise PersonalizerError(
                    "EvaluationNotFound", f"no evaluation {evaluation_id!r}",
                    target="evaluationId",
                )  # fmt: skip

    def settings_of(self, loop: str, evaluation_id: str, policy_name: str) -> LearningSettings:
        """The learning settings named `policy_name` in an evaluation (for applyFromEvaluation)."""
        found = self.get(loop, evaluation_id)
        for result in found.get("policyResults", ()):
            if result["name"] == policy_name and result["arguments"]:
                return LearningSettings.parse(
                    {"name": result["name"], "arguments": result["arguments"]}
                )
        raise PersonalizerError(
            "LearningSettingsNotFound", f"evaluation {evaluation_id!r} has no learning settings "
            f"{policy_name!r}", target="policyName",
        )  # fmt: skip

    def apply(self, loop: str, body: object) -> int:
        """applyFromEvaluation: serve an evaluated policy's learning settings, with a model
        trained on the loop's whole settled log by them; returns the model version."""
        if not isinstance(body, dict):
            raise PersonalizerError("BadRequest", "the body must be a JSON object")
        evaluation_id, policy_name = body.get("evaluationId"), body.get("policyName")
        if not isinstance(evaluation_id, str) or not isinstance(policy_name, str):
            raise PersonalizerError(
                "BadRequest", "evaluationId and policyName are required", target="evaluationId"
            )
        settings = self.settings_of(loop, evaluation_id, policy_name)
        state = self._loops.state(loop)
        with self._database.session(readonly=True) as session:
            slots = [s for s in store.logged_slots(session, loop) if s.learned_reward is not None]
        policy = build_policy(settings.policy_params(0.0), self._rng.spawn(1)[0])
        if slots:
            _, policy = replay(settings, state.service.exploration, slots[-_MAX_SLOTS:],
                               self._rng.spawn(1)[0])  # fmt: skip
        return self._admin.adopt(loop, settings, policy)

    def _results(
        self, state: LoopState, custom: list[LearningSettings], slots: list[LoggedSlot]
    ) -> list[dict[str, Any]]:
        n = len(slots)
        width = max(len(s.actions) for s in slots)
        reward = np.array([float(s.learned_reward or 0.0) for s in slots])
        action = np.array([s.chosen for s in slots])
        pscore = np.array([s.propensity for s in slots])
        exploration = state.service.exploration
        named: list[tuple[str, str, str, npt.NDArray[np.float64]]] = []
        for source, settings in [("Online", state.learning), *(("Custom", c) for c in custom)]:
            dist, _ = replay(settings, exploration, slots, self._rng.spawn(1)[0])
            named.append((settings.name, settings.arguments, source, dist))
        baseline = np.zeros((n, width))
        uniform = np.zeros((n, width))
        for i, s in enumerate(slots):
            baseline[i, _baseline_index(s)] = 1.0
            uniform[i, : len(s.actions)] = 1.0 / len(s.actions)
        named += [("Baseline", "", "Baseline", baseline), ("Random", "", "Random", uniform)]
        results = []
        for name, arguments, source, dist in named:
            [estimate] = evaluate(reward, action, pscore, dist, estimators=(_ESTIMATOR,),
                                  n_bootstrap=200, random_state=self._rng.spawn(1)[0])  # fmt: skip
            results.append({
                "name": name, "arguments": arguments, "policySource": source,
                "summary": {"expectedReward": _finite(estimate.value),
                            "confidenceInterval": [_finite(estimate.ci_low),
                                                   _finite(estimate.ci_high)]},
            })  # fmt: skip
        return results


def _or_low(value: float | None) -> float:
    return -math.inf if value is None else value


def _baseline_index(slot: LoggedSlot) -> int:
    # The baseline served in Apprentice mode: the chosen action then; else the first one.
    return slot.chosen if slot.mode != "Online" else 0


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _spec(body: object) -> dict[str, Any]:
    code = "InvalidEvaluationContract"
    if not isinstance(body, dict):
        raise PersonalizerError("BadRequest", "the body must be a JSON object")
    name = body.get("name")
    if not isinstance(name, str) or not name:
        raise PersonalizerError(code, "name must be a non-empty string", target="name")
    times = {}
    for field in ("startTime", "endTime"):
        try:
            times[field] = datetime.fromisoformat(str(body.get(field)).replace("Z", "+00:00"))
        except ValueError:
            raise PersonalizerError(
                code, f"{field} must be an ISO 8601 time", target=field
            ) from None
        if times[field].tzinfo is None:
            raise PersonalizerError(code, f"{field} must name its time zone", target=field)
    if times["endTime"] <= times["startTime"]:
        raise PersonalizerError(code, "endTime must be after startTime", target="endTime")
    raw = body.get("policies") or []
    if not isinstance(raw, list) or len(raw) > _MAX_POLICIES:
        raise PersonalizerError(code, f"policies: at most {_MAX_POLICIES}", target="policies")
    policies = [LearningSettings.parse(p, code="InvalidPolicyContract") for p in raw]
    names = [p.name for p in policies]
    if len(set(names)) < len(names):
        raise PersonalizerError(code, "policy names must be unique", target="policies")
    return {"name": name, "start": times["startTime"], "end": times["endTime"],
            "policies": policies}  # fmt: skip


def _shown(record: dict[str, Any], *, full: bool) -> dict[str, Any]:
    spec, results = record["spec"], record["results"]
    shown: dict[str, Any] = {
        "id": record["id"], "name": record["name"], "status": record["status"],
        "evaluationType": "Manual", "startTime": spec["startTime"], "endTime": spec["endTime"],
        "creationTime": record["created_at"].isoformat(),
    }  # fmt: skip
    if full and record["status"] == "Succeeded":
        policies = results["policies"]
        shown["optimalPolicy"] = results["optimalPolicy"]
        shown["events"] = results["events"]
        shown["policyResults"] = [{**p, "totalSummary": p["summary"]} for p in policies]
        shown["content"] = {"startTime": spec["startTime"], "endTime": spec["endTime"],
                            "value": [{**p, "slotId": ""} for p in policies]}  # fmt: skip
    return shown
