"""HTTP API: Flask application factory, blueprints per role, auth, OpenAPI."""
