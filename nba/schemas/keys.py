"""API keys: the body that creates one and the reply that shows its secret once."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field

from nba.domain import ROLES, ApiKey
from nba.schemas._common import MAX_ID_CHARS, Body, OneOf, Reply

Role = Annotated[str, OneOf(ROLES)]


class KeyBody(Body):
    """POST /v1/keys: a new API key."""

    role: Role
    name: str = Field("", max_length=MAX_ID_CHARS)


class KeyReply(Reply):
    """A new API key: the secret is shown only here, once."""

    id: str
    role: Role
    name: str
    key: str

    @classmethod
    def of(cls, key: ApiKey, secret: str) -> Self:
        """The reply of a key just created, with its secret."""
        return cls(id=key.id, role=key.role, name=key.name, key=secret)


def key_reply(key: ApiKey, secret: str) -> dict[str, object]:
    """The JSON form of a key just created, with its secret."""
    return KeyReply.of(key, secret).model_dump(mode="json")
