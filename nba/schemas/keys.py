"""API keys: the body that creates one, the reply that shows its secret once, the key list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Self

from pydantic import Field

from nba.domain import KEY_ROLES, ApiKey
from nba.schemas._common import MAX_ID_CHARS, Body, OneOf, Reply, Time, Timestamp

Role = Annotated[str, OneOf(KEY_ROLES)]


class KeyBody(Body):
    """POST /v1/keys: a new API key; `expires_at` (optional) must be in the future."""

    role: Role
    name: str = Field("", max_length=MAX_ID_CHARS)
    expires_at: Time | None = None


class KeyInfo(Reply):
    """An API key's record: never its secret."""

    id: str
    role: Role
    name: str
    created_at: Timestamp
    expires_at: Timestamp | None
    is_revoked: bool

    @classmethod
    def of(cls, key: ApiKey) -> Self:
        """The record of a key."""
        return cls(
            id=key.id,
            role=key.role,
            name=key.name,
            created_at=key.created_at,
            expires_at=key.expires_at,
            is_revoked=key.is_revoked,
        )


class KeyList(Reply):
    """GET /v1/keys: every key's record, oldest first."""

    keys: list[KeyInfo]


class KeyReply(Reply):
    """A new API key: the secret is shown only here, once."""

    id: str
    role: Role
    name: str
    key: str
    expires_at: Timestamp | None = None

    @classmethod
    def of(cls, key: ApiKey, secret: str) -> Self:
        """The reply of a key just created, with its secret."""
        return cls(id=key.id, role=key.role, name=key.name, key=secret, expires_at=key.expires_at)


def key_reply(key: ApiKey, secret: str) -> dict[str, object]:
    """The JSON form of a key just created, with its secret."""
    return KeyReply.of(key, secret).model_dump(mode="json")


def key_info(key: ApiKey) -> dict[str, object]:
    """The JSON form of a key's record (as the audit log keeps it too)."""
    return KeyInfo.of(key).model_dump(mode="json")


def key_list_reply(keys: Sequence[ApiKey]) -> dict[str, object]:
    """The JSON form of key records, in the order given."""
    return KeyList(keys=[KeyInfo.of(k) for k in keys]).model_dump(mode="json")
