"""Rate-limit settings as the `limits` library reads them: limit strings and storage URIs."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator


def limit_notation(value: str) -> str:
    """`value`, stripped, if `limits` reads it as rate limits ("" means none); else ValueError."""
    import limits  # here, not at import time: most processes never read a limit from text

    value = value.strip()
    if value:
        limits.parse_many(value)  # its ValueError names the string it cannot read
    return value


def storage_uri(uri: str) -> str:
    """`uri` if it names a `limits` storage (memory://, redis://host:port...); else ValueError."""
    import limits.storage

    scheme, separator, _ = uri.partition("://")
    if not separator or scheme not in limits.storage.SCHEMES:
        raise ValueError("must be a `limits` storage URI such as memory:// or redis://host")
    return uri


RateLimit = Annotated[str, AfterValidator(limit_notation)]
StorageUri = Annotated[str, AfterValidator(storage_uri)]
