"""Blueprints, one per user role, plus the public health and documentation routes."""
