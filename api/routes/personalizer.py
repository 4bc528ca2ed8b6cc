"""Personalizer's Rank / Reward / Activate routes, single- and multi-slot (issue 17).

The administration routes live in `personalizer_admin`, on the same blueprint.
"""

from __future__ import annotations

from flask import Response, jsonify

from api.routes import personalizer_admin
from api.routes.personalizer_common import blueprint, body, loop, parts, route
from nba.personalizer import PersonalizerError

__all__ = ["blueprint", "personalizer_admin"]


def _created(reply: dict[str, object]) -> Response:
    response = jsonify(reply)
    response.status_code = 201
    return response


@route("/rank", ["POST"])
def rank() -> Response:
    """Rank the actions for a context (201)."""
    return _created(parts().service.rank(loop(), body()))


@route("/events/<event_id>/reward", ["POST"])
def reward(event_id: str) -> Response:
    """Report the reward of an event (204)."""
    parts().service.reward(loop(), event_id, body())
    return Response(status=204)


@route("/events/<event_id>/activate", ["POST"])
def activate(event_id: str) -> Response:
    """Activate a deferred event (204)."""
    parts().service.activate(loop(), event_id)
    return Response(status=204)


@route("/multislot/rank", ["POST"])
def rank_multi_slot() -> Response:
    """Rank one action per slot (201)."""
    return _created(parts().service.rank_multi_slot(loop(), body()))


@route("/multislot/events/<event_id>/reward", ["POST"])
def reward_multi_slot(event_id: str) -> Response:
    """Report the rewards of a multi-slot event's slots (204)."""
    parts().service.reward_multi_slot(loop(), event_id, body())
    return Response(status=204)


@route("/multislot/events/<event_id>/activate", ["POST"])
def activate_multi_slot(event_id: str) -> Response:
    """Activate a deferred multi-slot event (204)."""
    parts().service.activate(loop(), event_id)
    return Response(status=204)


@blueprint.route("/personalizer/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(rest: str) -> Response:
    """Any other path under /personalizer: Personalizer's ResourceNotFound."""
    raise PersonalizerError("ResourceNotFound", f"no Personalizer operation at /{rest}")
