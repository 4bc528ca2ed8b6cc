"""Vowpal Wabbit behind the Policy interface: `VWPolicy`, registered as `vw` and `vw-<exploration>`.

Modules: `policy` (the class), `params` (validated parameters and VW arguments), `model`
(Workspaces and the `save()` format), `examples` (parsing and the offer cache),
`predictions` (pmf and scores in the candidates' order), `explain` (feature contributions).
"""

from policies.vw.params import EXPLORATIONS
from policies.vw.policy import VWPolicy

__all__ = ["EXPLORATIONS", "VWPolicy"]
