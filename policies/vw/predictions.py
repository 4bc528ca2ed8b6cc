"""VW's answer for one decision as arrays in the candidates' order: probabilities and scores."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import vowpal_wabbit_next as vw

from policies.vw.model import Workspace

__all__ = ["predict", "probabilities", "tree_scores"]

FloatArray = npt.NDArray[np.float64]


def predict(workspace: Workspace, examples: list[vw.Example]) -> tuple[object, vw.DebugNode | None]:
    """VW's prediction, and its debug tree when the Workspace records one."""
    out = workspace.predict_one(examples)
    if isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], vw.DebugNode):
        return out[0], out[1]
    return out, None


def probabilities(prediction: object, k: int) -> FloatArray:
    """The pmf of `k` candidates in their order, normalised; RuntimeError if VW's is invalid."""
    probs = np.zeros(k)
    for action, prob in _pairs(prediction):  # VW sorts the pmf by score; map back by index.
        probs[action] = prob
    if not np.all(np.isfinite(probs)) or probs.sum() <= 0:
        raise RuntimeError(f"VW returned an invalid pmf: {prediction!r}")
    probs /= probs.sum()
    return probs


def tree_scores(tree: vw.DebugNode, k: int, exploration: str) -> FloatArray:
    """The regressor's predicted reward (-cost) per candidate, read from the debug tree.

    `bag`: every member is a regressor, their mean; `rnd` visits its random networks before
    the regressor; the other explorations have the regressor first.
    """
    rows: list[FloatArray] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if node.name == "cb_adf":
            row = np.zeros(k)
            for action, cost in _pairs(node.output_prediction):
                row[action] = -cost
            rows.append(row)
        else:
            stack.extend(reversed(node.children))
    if not rows:
        raise RuntimeError("VW debug tree has no cb_adf node")
    if exploration == "bag":
        return np.asarray(np.mean(rows, axis=0), dtype=np.float64)
    return rows[-1] if exploration == "rnd" else rows[0]


def _pairs(prediction: object) -> list[tuple[int, float]]:
    if not isinstance(prediction, list) or not all(
        isinstance(p, tuple) and len(p) == 2 for p in prediction
    ):
        raise RuntimeError(f"VW returned no (action, value) pairs: {prediction!r}")
    return [(int(a), float(c)) for a, c in prediction]
