"""Prometheus metrics of one app: request counts and latencies, decisions, outcomes."""

from __future__ import annotations

import time

from flask import Flask, Response, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram


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

    def install(self, app: Flask) -> None:
        """Time every request."""

        @app.before_request
        def _start() -> None:
            g.started = time.perf_counter()

        @app.after_request
        def _done(reply: Response) -> Response:
            endpoint = request.endpoint or "unknown"
            self.requests.labels(endpoint, str(reply.status_code)).inc()
            if "started" in g:
                self.latency.labels(endpoint).observe(time.perf_counter() - g.started)
            return reply
