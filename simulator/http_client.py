"""The end-to-end path: drive a running nba service over HTTP with the CRM's own calls.

Each step is `POST /v1/decisions` (`customer_id, churn_score, context, channel, offer_ids`,
Bearer key of role `crm`) and, once the simulated customer answers inside the reward window,
`POST /v1/decisions/{id}/outcome` with `{accepted, value}`. Outcomes that never come are left
to the service's reward window and default reward. With `reward_mode="retention_value"` (run
the service with `NBA_REWARD_MODE=retention_value` and the same `NBA_REWARD_SCALE`) each
retention answer is `POST /v1/decisions/{id}/retention` with `{retained, value}`. The service
samples and learns; the simulator only plays the customers, so results match the in-process
path up to noise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import requests

from nba.config import RewardMode
from nba.domain import NO_ACTION_ID, Offer
from policies.base import Candidate, Context
from simulator.result import RunResult
from simulator.runner import Pending, Progress, simulate, streams
from simulator.scenarios import Scenario


class HttpError(RuntimeError):
    """The service answered with an unexpected status."""


def _check(reply: requests.Response, *ok: int) -> dict:
    if reply.status_code not in ok:
        raise HttpError(f"{reply.request.method} {reply.url} -> {reply.status_code}: {reply.text}")
    return reply.json() if reply.content else {}


class HttpDriver:
    """Decisions from a running service: the CRM's calls, one request per step."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        session: requests.Session | None = None,
        timeout_s: float = 10.0,
        name: str = "http",
    ) -> None:
        """`base_url` like `http://127.0.0.1:8000`; `api_key` of role `crm`."""
        self.name = name
        self._url = base_url.rstrip("/")
        self._session = session or requests.Session()
        self._headers = {"Authorization": f"Bearer {api_key}"}
        self._timeout_s = timeout_s

    def decide(
        self,
        step: int,
        customer: str,
        context: Context,
        channel: str,
        candidates: tuple[Candidate, ...],
        truth: Callable[[], np.ndarray],
    ) -> tuple[int, tuple[float, ...], str | None]:
        """POST /v1/decisions; map the reply's offer and ranking onto the candidates."""
        body: dict[str, Any] = {  # JSON
            "customer_id": customer,
            "churn_score": context.churn_score,
            "context": dict(context.features),
            "channel": channel,
            "offer_ids": [c.offer_id for c in candidates if c.offer_id != NO_ACTION_ID],
        }
        reply = _check(
            self._session.post(
                f"{self._url}/v1/decisions",
                json=body,
                headers=self._headers,
                timeout=self._timeout_s,
            ),
            200,
        )
        index = {c.offer_id: k for k, c in enumerate(candidates)}
        if reply["offer_id"] not in index:
            raise HttpError(f"the service chose {reply['offer_id']!r}, not among the candidates")
        probs = [0.0] * len(candidates)
        for ranked in reply["ranking"]:
            if ranked["offer_id"] in index:
                probs[index[ranked["offer_id"]]] = float(ranked["probability"])
        return index[reply["offer_id"]], tuple(probs), str(reply["decision_id"])

    def report(self, pending: Pending, accepted: bool, value: float, reward: float) -> None:
        """POST /v1/decisions/{id}/outcome with what the customer did."""
        _check(
            self._session.post(
                f"{self._url}/v1/decisions/{pending.decision_id}/outcome",
                json={"accepted": accepted, "value": value if accepted else None},
                headers=self._headers,
                timeout=self._timeout_s,
            ),
            200,
        )

    def expire(self, pending: Pending, reward: float) -> None:
        """Nothing: the service applies its own reward window and default reward."""

    def retain(self, pending: Pending, retained: bool, value: float, target: float) -> None:
        """POST /v1/decisions/{id}/retention with whether the customer stayed and their value."""
        _check(
            self._session.post(
                f"{self._url}/v1/decisions/{pending.decision_id}/retention",
                json={"retained": retained, "value": round(max(value, 0.0), 2)},
                headers=self._headers,
                timeout=self._timeout_s,
            ),
            200,
        )

    def retain_default(self, pending: Pending, target: float) -> None:
        """Nothing: the service gives unanswered decisions its own default answer."""

    def flush(self) -> None:
        """Nothing is buffered."""


def sync_offers(
    base_url: str,
    marketer_key: str,
    offers: Sequence[Offer],
    session: requests.Session | None = None,
) -> list[str]:
    """Create the scenario's offers in the service (those missing); return the ids created."""
    session = session or requests.Session()
    headers = {"Authorization": f"Bearer {marketer_key}"}
    url = base_url.rstrip("/")
    existing = _check(session.get(f"{url}/v1/offers", headers=headers, timeout=10), 200)
    items = existing.get("offers", existing) if isinstance(existing, dict) else existing
    have = {o["id"] for o in items}
    created = []
    for offer in offers:
        if offer.id == NO_ACTION_ID or offer.id in have:
            continue
        body: dict[str, Any] = {  # JSON
            "id": offer.id,
            "name": offer.name,
            "category": offer.category,
            "cost": offer.cost,
            "value": offer.value,
            "features": dict(offer.features),
        }
        _check(session.post(f"{url}/v1/offers", json=body, headers=headers, timeout=10), 200, 201)
        created.append(offer.id)
    return created


def run_http(
    scenario: Scenario,
    base_url: str,
    api_key: str,
    steps: int,
    seed: int,
    *,
    reward_mode: RewardMode | str = RewardMode.ACCEPTANCE,
    reward_scale: float | None = None,
    session: requests.Session | None = None,
    name: str = "http",
    progress: Progress | None = None,
) -> RunResult:
    """`simulator.run` against a running service: same customers and draws for the same seed."""
    rngs = streams(seed)
    world = scenario.world(rngs[0])
    driver = HttpDriver(base_url, api_key, session=session, name=name)
    return simulate(scenario, world, driver, steps, rngs, seed, reward_mode, reward_scale, progress)
