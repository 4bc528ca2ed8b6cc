"""The Flask application factory."""

from __future__ import annotations

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from api.console import install_console
from api.errors import register_error_handlers
from api.limits import install_rate_limits
from api.metrics import Metrics
from api.request_ids import install_request_ids
from api.routes import (
    admin,
    analyst,
    campaigns,
    contacts,
    crm,
    marketer,
    personalizer,
    public,
    what_if,
)
from nba.config import Settings, load_settings
from nba.runtime import Runtime, build_runtime


def create_app(
    settings: Settings | None = None, *, runtime: Runtime | None = None, start_jobs: bool = True
) -> Flask:
    """Build the app around a Runtime (built from `settings` unless given).

    Without either, the settings come from NBA_CONFIG and NBA_* like every entry point's.
    """
    if runtime is None:
        runtime = build_runtime(settings if settings is not None else load_settings())
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = runtime.settings.serving.max_body_bytes
    if isinstance(app.json, DefaultJSONProvider):
        app.json.sort_keys = False  # replies keep the order of their models' fields
    app.extensions["nba"] = runtime
    install_request_ids(app, access_log_enabled=runtime.settings.serving.access_log)
    metrics = Metrics()
    metrics.install(app)
    app.extensions["nba_metrics"] = metrics
    register_error_handlers(app)
    app.extensions["nba_limiter"] = install_rate_limits(app, runtime.settings.serving)
    routes = (crm, marketer, analyst, admin, contacts, public, personalizer, campaigns, what_if)
    for module in routes:
        app.register_blueprint(module.blueprint)
    install_console(app)
    if start_jobs:
        runtime.start_jobs()
    return app
