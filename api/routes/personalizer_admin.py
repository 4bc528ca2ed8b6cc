"""Personalizer's administration routes: configurations, model, logs (issue 17)."""

from __future__ import annotations

from flask import Response, g, jsonify, request

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


@route("/configurations/applyFromEvaluation", ["POST"])
def apply_from_evaluation() -> Response:
    """Serve the learning settings of an evaluated policy, with a model trained by them."""
    parts().evaluations.apply(loop(), body())
    return Response(status=204)


@route("/evaluations", ["GET", "POST"])
def evaluations() -> Response:
    """List the loop's evaluations, or create one (v1.0: POST, reply 201)."""
    found = parts().evaluations
    if request.method == "POST":
        reply = jsonify(found.create(loop(), body()))
        reply.status_code = 201
        return reply
    listed = found.summaries(loop())
    return jsonify(listed if g.path_version else {"value": listed})


@route("/evaluations/<evaluation_id>", ["GET", "PUT", "DELETE"])
def evaluation(evaluation_id: str) -> Response:
    """Read, create (2022-09-01-preview: PUT, reply 200) or delete one evaluation."""
    found = parts().evaluations
    if request.method == "PUT":
        return jsonify(found.create(loop(), body(), evaluation_id))
    if request.method == "DELETE":
        found.delete(loop(), evaluation_id)
        return Response(status=204)
    return jsonify(found.get(loop(), evaluation_id))
