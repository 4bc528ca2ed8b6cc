"""Auto-optimize's challenger settings: the default set, and a bad entry named at start-up."""

from __future__ import annotations

import pytest

from nba.errors import InvalidSetting
from nba.learning.challengers import DEFAULT_CHALLENGERS, challenger_specs


def test_no_configured_challenger_gives_the_default_set():
    specs = challenger_specs({})
    assert [s.name for s in specs] == list(DEFAULT_CHALLENGERS)
    assert {s.policy for s in specs} >= {"lints", "linucb", "vw"}


@pytest.mark.parametrize(
    "configured, problem",
    [
        ({"x": {"policy": "nope"}}, "'x'"),
        ({"x": {"policy": "vw", "params": {"learning_rat": 0.1}}}, "learning_rat"),
        ({"x": {"params": {}}}, "'policy'"),
        ({"x": {"policy": "vw", "extra": 1}}, "only 'policy'"),
    ],
)
def test_a_bad_challenger_is_an_invalid_setting_naming_it(configured, problem):
    with pytest.raises(InvalidSetting, match="auto_optimize_challengers") as raised:
        challenger_specs(configured)
    assert problem in str(raised.value)
