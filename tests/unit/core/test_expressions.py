"""Eligibility expressions: the grammar allowed, missing-field semantics, errors with positions."""

from __future__ import annotations

import hypothesis
import pytest
from hypothesis import strategies as st

from nba.serving.expressions import Expressions, InvalidExpression, compile_expression

CUSTOMER = {"tenure_months": 30, "plan": "gold", "is_business": False, "region": "north"}


def _holds(text: str, context: dict | None = None, churn: float = 0.5, channel: str | None = "sms"):
    given = CUSTOMER if context is None else context
    return compile_expression(text).verdict(churn_score=churn, channel=channel, context=given)


@pytest.mark.parametrize(
    "text, holds",
    [
        ("tenure_months >= 24", True),
        ("tenure_months > 30", False),
        ("tenure_months == 30 and plan != 'silver'", True),
        ("plan in ['gold', 'silver']", True),
        ("not (plan in ['gold', 'silver'])", False),
        ("region == 'south' or is_business == false", True),
        ("not is_business and churn_score >= 0.5", True),
        ("churn_score < 0.5", False),
        ("channel in ['sms', 'call']", True),
        ("channel == 'web'", False),
        ("(tenure_months < 12 or plan == 'gold') and not (region == 'east')", True),
        ("tenure_months >= 2.4e1", True),
    ],
)
def test_comparisons_lists_and_logic_decide_as_written(text, holds):
    assert (_holds(text) is None) is holds


def test_a_false_expression_says_it_led_by_its_rule_name():
    assert _holds("tenure_months > 30") == "expression: tenure_months > 30 is false"


def test_the_requests_churn_score_and_channel_win_over_context_fields_of_the_same_name():
    context = {**CUSTOMER, "churn_score": 0.9, "channel": "web"}
    assert _holds("churn_score < 0.6 and channel == 'sms'", context) is None


@pytest.mark.parametrize(
    "text, holds",
    [
        ("segment == null", True),
        ("segment != 'vip'", True),
        ("segment in ['vip', 'mass']", False),
        ("segment in ['vip', null]", True),
        ("(age ?? 0) >= 18", False),
        ("(age ?? 40) >= 18", True),
        ("plan == 'gold' or age >= 18", True),
        ("age != null and age >= 18", False),
    ],
)
def test_a_missing_field_is_null(text, holds):
    assert (_holds(text) is None) is holds


def test_an_ordering_on_a_missing_field_fails_the_expression_and_names_the_field():
    assert _holds("age >= 18 or plan == 'gold'") == (
        "expression: cannot be evaluated (age is missing, plan is 'gold')"
    )
    assert _holds("not (age >= 18)") == "expression: cannot be evaluated (age is missing)"


def test_values_that_cannot_be_compared_fail_the_expression_and_show_what_came():
    assert _holds("plan > 3") == "expression: cannot be evaluated (plan is 'gold')"


def test_a_channel_left_out_is_null():
    assert _holds("channel == null", channel=None) is None
    assert _holds("channel in ['sms']", channel=None) is not None


@pytest.mark.parametrize(
    "text, line, column, reason",
    [
        ("tenure_months >=", 1, 17, "ends too early"),
        ("plan in ['gold'", 1, 16, "ends too early"),
        ("tenure_months >= 24 and and", 1, 25, "unexpected 'and'"),
        ("a == = 2", 1, 6, "illegal character '='"),
        ("tenure_months + 1 > 24", 1, 15, "'+' is not allowed"),
        ("plan =~ 'go.*'", 1, 6, "'=~' is not allowed"),
        ("$now > 1", 1, 1, "built-in symbols are not available"),
        ("offer.cost > 1", 1, 6, "'.' is not allowed"),
        ("plans[0] == 'gold'", 1, 6, "indexing is not allowed"),
        ("d'2026-01-01' == day", 1, 1, "\"d'2026-01-01'\" is not allowed"),
        ("plan == 'gold' and\n  tenure_months ! 3", 2, 17, "illegal character '!'"),
        ("churn_score > 'high'", 1, 1, "churn_score is a number"),
        ("channel >= 3", 1, 1, "channel is text or null"),
        ("'gold'", 1, 1, "must be true or false, not a string"),
        ("   ", 1, 1, "is empty"),
    ],
)
def test_a_bad_expression_is_refused_with_its_line_column_and_reason(text, line, column, reason):
    with pytest.raises(InvalidExpression) as caught:
        compile_expression(text)
    error = caught.value
    assert (error.line, error.column) == (line, column)
    assert reason in error.reason
    assert str(error).startswith(f"at line {line}, column {column}: ")


def test_the_cache_compiles_each_text_once_and_remembers_refusals():
    cache = Expressions()
    first = cache.get("plan == 'gold'")
    assert cache.get("plan == 'gold'") is first
    with pytest.raises(InvalidExpression) as one:
        cache.get("plan ==")
    with pytest.raises(InvalidExpression) as two:
        cache.get("plan ==")
    assert one.value is two.value


def test_the_cache_stays_bounded():
    cache = Expressions(max_cached=3)
    compiled = [cache.get(f"tenure_months > {n}") for n in range(5)]
    assert len(cache._compiled) <= 3
    assert cache.get("tenure_months > 4") is compiled[4]


_PIECES = st.sampled_from(
    ["tenure_months", "plan", "churn_score", "channel", "'gold'", "1", "2.5", "null", "true",
     "==", "!=", "<", ">=", "in", "and", "or", "not", "(", ")", "[", "]", ",", "??", "+", ".",
     "$now", "=~", "'", "#", "\n", "1e999", "0x1F", "é", "\\"]
)  # fmt: skip


@hypothesis.given(st.lists(_PIECES, max_size=12).map(" ".join) | st.text(max_size=40))
@hypothesis.settings(max_examples=100, deadline=None)
def test_any_text_compiles_or_is_refused_with_a_position_never_another_error(text):
    try:
        compiled = compile_expression(text)
    except InvalidExpression as error:
        assert error.line >= 1 and error.column >= 1 and error.reason
        return
    verdict = compiled.verdict(churn_score=0.5, channel="sms", context={"plan": "gold"})
    assert verdict is None or verdict.startswith("expression: ")
