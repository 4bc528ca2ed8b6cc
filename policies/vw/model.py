"""VW Workspaces for VWPolicy: creating one, and the `save()` format around VW's model bytes.

Format `nba-vw/1`: the 8 bytes `nba-vw/1`, a 4-byte big-endian length, that many bytes of
ASCII JSON (`{"offers": {offer id: [events as a candidate, times chosen]}, "total": events}`,
keys sorted: the cold-start counts), then VW's own model bytes. Bare VW model bytes (no
header) load too, with no counts. tests/unit/policies/data/ holds bytes saved by the code
that introduced the format; they must keep loading.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Literal

import vowpal_wabbit_next as vw

from policies.cold_start import TryCounts
from policies.errors import InvalidModel

__all__ = ["MAGIC", "Model", "Workspace", "dump", "new_model", "read_model", "saved_options"]

MAGIC = b"nba-vw/1"

Workspace = vw.Workspace[Literal[True]] | vw.Workspace[Literal[False]]
"""With or without the debug tree (`scores="reward"` reads the regressor's scores from it)."""


@dataclass(frozen=True, slots=True)
class Model:
    """A VW Workspace and the text parser bound to it (examples must not cross Workspaces)."""

    workspace: Workspace
    parser: vw.TextFormatParser


def new_model(args: list[str], *, debug: bool, data: bytes | None = None) -> Model:
    """A Workspace from arguments, or from model bytes (then `args` must be empty, notes §7)."""
    if debug:
        traced = vw.Workspace(args, model_data=data, enable_debug_tree=True)
        return Model(traced, vw.TextFormatParser(traced))
    plain = vw.Workspace(args, model_data=data)
    return Model(plain, vw.TextFormatParser(plain))


def dump(counts: TryCounts, model: Model) -> bytes:
    """`save()` bytes: the header with the cold-start counts, then VW's model bytes."""
    header = json.dumps(counts.state(), sort_keys=True).encode("ascii")
    return MAGIC + struct.pack(">I", len(header)) + header + model.workspace.serialize()


def read_model(data: bytes, *, debug: bool) -> tuple[TryCounts, Model]:
    """The counts and a Workspace from `dump` output or bare VW model bytes (else InvalidModel)."""
    counts, model = _split(data)
    # No args: options passed here would silently override the saved ones (notes §7).
    try:
        return counts, new_model([], debug=debug, data=model)
    except RuntimeError as error:
        raise InvalidModel(f"not a loadable VW model ({error})") from error


def _split(data: bytes) -> tuple[TryCounts, bytes]:
    if not data.startswith(MAGIC):
        return TryCounts(), data
    start = len(MAGIC) + 4
    try:
        (size,) = struct.unpack(">I", data[len(MAGIC) : start])
        counts = TryCounts.from_state(json.loads(data[start : start + size].decode("ascii")))
    except (struct.error, UnicodeDecodeError, ValueError) as error:
        raise InvalidModel(f"corrupt VWPolicy header ({error})") from error
    return counts, data[start + size :]


def saved_options(model: Model) -> list[str]:
    """The VW arguments stored in a loaded model (its `options:` line)."""
    for line in model.workspace.readable_model().splitlines():
        if line.startswith("options:"):
            return line.split()[1:]
    return []
