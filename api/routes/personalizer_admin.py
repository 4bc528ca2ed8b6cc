"""Personalizer's administration routes: configurations, model, logs (issue 17)."""

from __future__ import annotations

from flask import Response, jsonify, request

from api.routes.personalizer_common import body, loop, parts, route

__all__ = ["service_configuration"]


@route("/configurations/service", ["GET", "PUT"])
def service_configuration() -> Response:
    """Read or replace the loop's service configuration."""
    admin = parts().admin
    if request.method == "PUT":
        return jsonify(admin.update_service_configuration(loop(), body()))
    return jsonify(admin.service_configuration(loop()))


@route("/configurations/policy", ["GET", "PUT", "DELETE"])
def policy() -> Response:
    """Read, replace or reset the loop's learning settings."""
    admin = parts().admin
    if request.method == "PUT":
        return jsonify(admin.update_policy(loop(), body()))
    if request.method == "DELETE":
        return jsonify(admin.reset_policy(loop()))
    return jsonify(admin.policy(loop()))


@route("/model", ["GET", "PUT", "DELETE"])
def model() -> Response:
    """Export (VW model bytes), import or reset the loop's model."""
    admin = parts().admin
    if request.method == "PUT":
        admin.import_model(loop(), request.get_data())
        return Response(status=204)
    if request.method == "DELETE":
        admin.reset_model(loop())
        return Response(status=204)
    return Response(admin.export_model(loop()), mimetype="application/octet-stream")


@route("/model/properties", ["GET"])
def model_properties() -> Response:
    """When the loop's model was created and last changed."""
    return jsonify(parts().admin.model_properties(loop()))


@route("/logs", ["DELETE"])
def logs() -> Response:
    """Delete the loop's log."""
    parts().admin.delete_logs(loop())
    return Response(status=204)


@route("/logs/properties", ["GET"])
def log_properties() -> Response:
    """The time range of the loop's log."""
    return jsonify(parts().admin.log_properties(loop()))
