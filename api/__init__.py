"""HTTP API: Flask application factory, blueprints per role, auth, OpenAPI."""

from api.factory import create_app

__all__ = ["create_app"]
