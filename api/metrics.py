"""Prometheus metrics of one app: requests, latencies, refusals, model lifecycle, drift,
unusable offers, each offer's shows and accepts, the contact policy's and the uplift guard's
refusals."""

from __future__ import annotations

import time
from collections.abc import Iterator

from flask import Flask, Response, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from api.auth import FAILURE_REASONS


class Metrics:
    """A registry per app (no global state), filled by request hooks."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "nba_http_requests_total",
            "HTTP requests by endpoint and status",
            ["endpoint", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "nba_http_request_seconds",
            "HTTP request latency by endpoint",
            ["endpoint"],
            buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=self.registry,
        )
        self.auth_failures = Counter(
            "nba_auth_failures_total",
            "Requests refused by authentication (401) or by role (403), by reason",
            ["reason"],
            registry=self.registry,
        )
        for reason in FAILURE_REASONS:
            self.auth_failures.labels(reason)  # every reason shows, at 0 until it happens

    def install(self, app: Flask) -> None:
        """Time every request; report the runtime's model lifecycle at each scrape."""
        if "nba" in app.extensions:
            self.registry.register(_Lifecycle(app))

        @app.before_request
        def _start() -> None:
            g.started = time.perf_counter()

        counted: dict[tuple[str, int], Counter] = {}  # each label set's child, looked up once
        timed: dict[str, Histogram] = {}

        @app.after_request
        def _done(reply: Response) -> Response:
            endpoint = request.endpoint or "unknown"
            status = reply.status_code
            counter = counted.get((endpoint, status))
            if counter is None:
                counter = counted[endpoint, status] = self.requests.labels(endpoint, str(status))
            counter.inc()
            if "started" in g:
                histogram = timed.get(endpoint)
                if histogram is None:
                    histogram = timed[endpoint] = self.latency.labels(endpoint)
                histogram.observe(time.perf_counter() - g.started)
            return reply


class _Lifecycle(Collector):
    """Gauges read from the runtime when scraped: served version, apprentice, drift flags."""

    def __init__(self, app: Flask) -> None:
        self._app = app

    def collect(self) -> Iterator[Metric]:
        runtime = self._app.extensions["nba"]
        version = GaugeMetricFamily("nba_model_version", "Model version this process serves")
        version.add_metric([], float(runtime.keeper.model_version or 0))
        yield version
        baseline = GaugeMetricFamily(
            "nba_apprentice_serving_baseline", "1 while the apprentice's baseline decides"
        )
        baseline.add_metric([], float(runtime.apprentice.is_serving_baseline))
        yield baseline
        drift = GaugeMetricFamily(
            "nba_offer_drift", "1 if an offer's acceptance drifted", labels=["offer_id"]
        )
        rate = GaugeMetricFamily(
            "nba_offer_acceptance_rate",
            "Acceptance over the recent drift window",
            labels=["offer_id"],
        )
        for d in runtime.drift.last:
            drift.add_metric([d.offer_id], float(d.drifted))
            rate.add_metric([d.offer_id], d.recent_rate)
        yield drift
        yield rate
        unusable = CounterMetricFamily(
            "nba_offers_unusable",
            "Decisions that left an active offer out because nba cannot use it",
            labels=["offer_id"],
        )
        for offer_id, count in sorted(runtime.decider.unusable_counts().items()):
            unusable.add_metric([offer_id], float(count))
        yield unusable
        shows = CounterMetricFamily(
            "nba_offer_shows",
            "Decisions of this process that chose the offer (logged, so shown to the customer)",
            labels=["offer_id"],
        )
        for offer_id, count in sorted(runtime.decider.shown_counts().items()):
            shows.add_metric([offer_id], float(count))
        yield shows
        accepts = CounterMetricFamily(
            "nba_offer_accepts",
            "Accepted outcomes this process recorded for the offer (reported or default)",
            labels=["offer_id"],
        )
        for offer_id, count in sorted(runtime.feedback.accepted_counts().items()):
            accepts.add_metric([offer_id], float(count))
        yield accepts
        refusals = CounterMetricFamily(
            "nba_contact_policy_refusals",
            "Decisions in which a contact policy rule held offers back, by rule",
            labels=["rule"],
        )
        for rule, count in sorted(runtime.contacts.refusal_counts().items()):
            refusals.add_metric([rule], float(count))
        yield refusals
        yield CounterMetricFamily(
            "nba_uplift_guard_holds",
            "Decisions in which the uplift guard left a sleeping-dog offer out of its band",
            value=float(runtime.decider.uplift_guard_holds()),
        )
