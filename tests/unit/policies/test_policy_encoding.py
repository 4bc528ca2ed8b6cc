"""The shared encoding: VW lines that user text cannot break, and hashed numeric vectors."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import vowpal_wabbit_next as vw
from hypothesis import given, settings
from hypothesis import strategies as st

from policies import (
    Candidate,
    Context,
    InvalidParameter,
    NumericEncoder,
    event_lines,
    freeze_features,
)
from policies.encoding import EventEncoder, action_line, name_token, shared_line, token

logging.getLogger("vowpal_wabbit_next.driver").setLevel(logging.WARNING)
_WS = vw.Workspace(["--cb_explore_adf", "-q", "sa"])
_PARSER = vw.TextFormatParser(_WS)

nasty_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("|: \t\r\n\x00\x0b\x0c\x1f\x7f=\u00a0\u2028\u3000é😀")),
        st.characters(),
    ),
    max_size=12,
)
numbers = st.one_of(st.integers(-(10**6), 10**6), st.floats(-1e9, 1e9))
values = st.one_of(nasty_text, numbers, st.booleans())
feature_maps = st.dictionaries(nasty_text, values, max_size=6).filter(
    lambda d: not {name_token(k) for k in d} & {"churn", "churn_dec", "offer", "category"}
)


def _expected_count(features: dict[str, object]) -> int:
    # VW drops zero-valued features (the encoder writes |x| < 1e-20 as 0); categoricals are 1.
    return sum(1 for v in features.values() if isinstance(v, str | bool) or abs(v) >= 1e-20)


def _groups(example: vw.Example) -> set[int]:
    return {g for g in example.feat_group_indices if len(example[chr(g)]) > 0}


@settings(deadline=None)
@given(context=feature_maps, offer=feature_maps, offer_id=nasty_text, category=nasty_text)
def test_user_text_never_injects_a_namespace_or_a_feature(context, offer, offer_id, category):
    lines = event_lines(
        Context(0.5, freeze_features(context)),
        [Candidate(offer_id, category, freeze_features(offer))],
        (0, -1.0, 0.5),
    )
    shared, action = (_PARSER.parse_line(line) for line in lines)
    assert _groups(shared) == {ord("s")}
    assert len(shared["s"]) == _expected_count(context) + 2  # + churn, churn_dec
    assert _groups(action) == {ord("a")}
    assert len(action["a"]) == _expected_count(offer) + 2  # + category, offer
    assert action.get_label().label == (0, -1.0, 0.5)
    assert all(np.isfinite(shared["s"].values)) and all(np.isfinite(action["a"].values))


@pytest.mark.parametrize(
    "text", ["x|b evil", "x |b evil", "a:1 b", "\r|b", "x\x00|a y", "shared |s z", "1:2:3 |a", "="]
)
def test_known_injection_strings_stay_one_categorical_feature(text):
    shared, action = (
        _PARSER.parse_line(line)
        for line in event_lines(Context(0.5, ((text, text),)), [Candidate(text, text)])
    )
    assert _groups(shared) == {ord("s")} and len(shared["s"]) == 3
    assert _groups(action) == {ord("a")} and len(action["a"]) == 2


def test_an_event_is_a_shared_line_then_one_line_per_candidate_with_the_label_on_the_chosen():
    lines = event_lines(
        Context(0.82, freeze_features({"plan": "gold plus", "age": 35, "vip": True})),
        [Candidate("none", "none"), Candidate("disc|10", "discount", (("pct", 10),))],
        (1, -1.0, 0.25),
    )
    assert lines == [
        "shared |s age:35 plan=gold%20plus vip=true churn:0.82 churn_dec=8",
        "|a category=none offer=none",
        "0:-1:0.25 |a pct:10 category=discount offer=disc%7C10",
    ]


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), 1e40])
def test_a_non_finite_number_is_an_invalid_parameter_naming_the_feature(bad):
    with pytest.raises(InvalidParameter, match="'tenure'"):
        shared_line(Context(0.5, (("tenure", bad),)))
    with pytest.raises(InvalidParameter, match="'pct'"):
        action_line(Candidate("x", "none", (("pct", bad),)))


@pytest.mark.parametrize("score", [-0.1, 1.01, float("nan"), "0.5", True])
def test_a_bad_churn_score_is_an_invalid_parameter(score):
    with pytest.raises(InvalidParameter, match="churn_score"):
        shared_line(Context(score))


@pytest.mark.parametrize("line", [lambda: shared_line(Context(0.5, (("churn", 1),)))])
def test_a_reserved_feature_name_is_an_invalid_parameter(line):
    with pytest.raises(InvalidParameter, match="reserved"):
        line()


def test_a_feature_of_an_unsupported_type_is_an_invalid_parameter_naming_it():
    with pytest.raises(InvalidParameter, match="'tags'"):
        shared_line(Context(0.5, (("tags", ["a"]),)))  # type: ignore[arg-type]


def test_tiny_numbers_are_written_as_zero_because_vw_parses_them_as_inf():
    line = shared_line(Context(4.9e-153, (("x", 1.1337029052902251e-198),)))
    assert line == "shared |s x:0 churn:0 churn_dec=0"
    assert _PARSER.parse_line(line)["s"].values == [1.0]  # zeros dropped, nothing infinite


@pytest.mark.parametrize("score, decile", [(0.0, 0), (0.29, 2), (0.82, 8), (1.0, 9)])
def test_the_churn_decile_is_the_band_of_the_score(score, decile):
    assert f"churn_dec={decile}" in shared_line(Context(score))


def test_numeric_encoding_is_deterministic_and_has_one_row_per_candidate():
    encoder = NumericEncoder(dim=64)
    context = Context(0.4, freeze_features({"plan": "gold", "age": 30}))
    offers = [Candidate("a", "discount", (("pct", 10),)), Candidate("b", "none")]
    x = encoder.encode(context, offers)
    assert x.shape == (2, 64)
    assert np.array_equal(x, NumericEncoder(dim=64).encode(context, offers))
    assert not np.array_equal(x[0], x[1])


def test_numeric_encoding_crosses_shared_and_action_features_only_when_asked():
    context = Context(0.4, freeze_features({"plan": "gold"}))
    offers = [Candidate("a", "discount")]
    crossed = NumericEncoder(dim=1024).encode(context, offers)
    plain = NumericEncoder(dim=1024, interactions=False).encode(context, offers)
    # constant + 3 shared + 2 action, plus 3 x 2 products when crossed (barring collisions)
    assert np.count_nonzero(plain) == 6
    assert np.count_nonzero(crossed) == 12


def test_a_numeric_feature_whose_name_has_an_equals_sign_stays_numeric():
    line = shared_line(Context(0.5, (("a=b", 2.5),)))
    assert line.startswith("shared |s a%3Db:2.5 ")
    assert _PARSER.parse_line(line)["s"].values[0] == 2.5


def test_names_that_differ_only_in_characters_vw_cannot_take_stay_different_features():
    context = Context(0.5, (("a|b", 1.0), ("a:b", 2.0), ("a b", 3.0), ("a_b", 4.0), ("a=b", 5.0)))
    line = shared_line(context)
    assert line.startswith("shared |s a%7Cb:1 a%3Ab:2 a%20b:3 a_b:4 a%3Db:5 ")
    assert len(_PARSER.parse_line(line)["s"]) == 5 + 2  # and churn, churn_dec


plain_text = st.text(
    alphabet=st.characters(exclude_characters="|:%=", exclude_categories=("Cc", "Cs", "Z")),
    min_size=1,
    max_size=20,
).filter(lambda t: not any(c.isspace() for c in t))


@given(plain_text)
def test_text_without_special_characters_encodes_as_before_so_saved_models_rank_the_same(text):
    # The old encoder replaced the special characters by `_`: a text without any was itself.
    assert token(text) == text
    assert name_token(text) == text
    features = (("k", text), (text, 1.5))
    assert shared_line(Context(0.5, features)).startswith(f"shared |s k={text} {text}:1.5 ")


@given(st.lists(nasty_text, min_size=2, max_size=2, unique=True))
def test_the_encoding_of_names_and_values_is_injective(pair):
    first, second = pair
    assert token(first) != token(second)
    assert name_token(first) != name_token(second)
    # And what comes out is one VW token: no separator, nothing empty.
    for encoded in (token(first), name_token(first)):
        assert encoded and not any(c.isspace() or c in "|:" for c in encoded)
        assert "=" not in name_token(first)


@settings(deadline=None, max_examples=60)
@given(
    events=st.lists(
        st.tuples(
            feature_maps,
            st.lists(st.tuples(st.sampled_from("abc"), feature_maps), min_size=1, max_size=3),
            st.integers(0, 2),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_the_event_encoder_writes_what_event_lines_writes(events):
    encoder = EventEncoder(max_lists=2)  # small, so that lists are also dropped and rebuilt
    for context, offers, chosen in events:
        candidates = [Candidate(o, "x", freeze_features(f)) for o, f in offers]
        label = (min(chosen, len(candidates) - 1), -1.0, 0.5)
        args = (Context(0.3, freeze_features(context)), candidates)
        assert encoder.event_lines(*args, label) == event_lines(*args, label)
        assert encoder.event_lines(*args) == event_lines(*args)


def test_the_event_encoder_tells_true_from_1_in_equal_candidate_lists():
    encoder = EventEncoder()
    context = Context(0.5)
    flag, one, zero = (Candidate("o", "x", (("f", v),)) for v in (True, 1, 0.0))
    assert flag == one  # equal, hence the same dictionary key, yet different text
    assert encoder.event_lines(context, (flag,))[1] == "|a f=true category=x offer=o"
    assert encoder.event_lines(context, (one,))[1] == "|a f:1 category=x offer=o"
    assert encoder.event_lines(context, (flag,))[1] == "|a f=true category=x offer=o"
    assert encoder.event_lines(context, [Candidate("o", "x", (("f", False),))])[1] == (
        "|a f=false category=x offer=o"
    )
    assert encoder.event_lines(context, (zero,))[1] == "|a f:0 category=x offer=o"


def test_the_event_encoder_checks_the_chosen_index():
    with pytest.raises(InvalidParameter, match="chosen"):
        EventEncoder().event_lines(Context(0.5), [Candidate("o", "x")], (1, -1.0, 0.5))
