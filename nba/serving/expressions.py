"""Eligibility expressions: a small rule language over context fields, churn_score and channel.

`tenure_months >= 24 and plan in ['gold', 'silver'] and not (channel == 'sms')`

The text is parsed by rule-engine (its own grammar and parser; nothing is ever `eval`ed), and
only a part of its language is allowed: comparisons (`==`, `!=`, `<`, `<=`, `>`, `>=`), `in`
with a list, `and`, `or`, `not`, parentheses, `??` (a default for a missing field) and
literals (numbers, 'text', true, false, null, lists). Names are context fields, plus
`churn_score` and `channel`, which are the request's own (a context field of either name is
not seen).

Missing fields: a field the request does not send is `null`. `==` and `!=` compare with null as
a value (`plan != 'gold'` holds when `plan` is missing; `plan == null` tests for it), `in` is
false unless the list holds null. An ordering comparison (`<`, `>`...) on null or on values of
different types (text against a number) cannot be made: the whole expression then fails, the
offer is not eligible, and the reason names the missing fields. `and` / `or` stop as soon as
the answer is known, left to right, so a guard written first protects what follows
(`tenure_months != null and tenure_months >= 24`), as does a default
(`(tenure_months ?? 0) >= 24`).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

import rule_engine
from rule_engine.types import DataType

from nba.domain import ContextValue

MAX_EXPRESSION_CHARS = 2000
MAX_CACHED = 4096
"""Compiled expressions one cache keeps (far more than a catalogue has versions)."""

_REQUEST_TYPES = {"churn_score": DataType.FLOAT, "channel": DataType.STRING}
_ALLOWED_TOKENS = frozenset(
    {"SYMBOL", "FLOAT", "STRING", "TRUE", "FALSE", "NULL", "EQ", "NE", "LT", "LE", "GT", "GE",
     "IN", "AND", "OR", "NOT", "LPAREN", "RPAREN", "LBRACKET", "RBRACKET", "COMMA",
     "COALESCE", "COMMENT", "FLOAT_INF", "FLOAT_NAN"}
)  # fmt: skip
_OPERANDS_BEFORE_INDEX = frozenset({"SYMBOL", "STRING", "RPAREN", "RBRACKET"})


class InvalidExpression(ValueError):
    """An expression that cannot be used, with where (1-based line and column) and why."""

    def __init__(self, text: str, offset: int, reason: str) -> None:
        before = text[:offset]
        self.line = before.count("\n") + 1
        self.column = offset - (before.rfind("\n") + 1) + 1
        self.reason = reason
        super().__init__(f"at line {self.line}, column {self.column}: {reason}")


def _types(name: str) -> object:
    return _REQUEST_TYPES.get(name, DataType.UNDEFINED)


def _context() -> rule_engine.Context:
    # default_value: a missing field is null; UTC so that no evaluation reads the host's zone.
    return rule_engine.Context(
        default_value=None,
        type_resolver=_types,
        default_timezone="UTC",
        mapping_attribute_lookup=False,
    )


@dataclass(frozen=True, slots=True)
class Expression:
    """A compiled eligibility expression; `verdict` evaluates it for one request."""

    text: str
    names: tuple[str, ...]
    _rule: rule_engine.Rule

    def verdict(
        self, *, churn_score: float, channel: str | None, context: Mapping[str, ContextValue]
    ) -> str | None:
        """None when the expression holds for this request, else why not (led by
        `expression:`)."""
        values: dict[str, object] = {n: context.get(n) for n in self.names}
        values["churn_score"] = churn_score
        values["channel"] = channel
        try:
            holds = bool(self._rule.matches(values))
        except rule_engine.errors.EngineError:
            return f"expression: cannot be evaluated ({self._why_not(values)})"
        return None if holds else f"expression: {_short(self.text)} is false"

    def _why_not(self, values: Mapping[str, object]) -> str:
        # rule-engine says only "data type mismatch": show what each name held instead.
        return ", ".join(
            f"{n} is missing" if values.get(n) is None else f"{n} is {_shown(values[n])}"
            for n in self.names
        )


def _shown(value: object) -> str:
    return str(value) if isinstance(value, int | float | Decimal) else repr(value)


def _short(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def compile_expression(text: str) -> Expression:
    """Parse and check `text`; InvalidExpression says where and why it cannot be used."""
    if not text.strip():
        raise InvalidExpression(text, 0, "is empty")
    if len(text) > MAX_EXPRESSION_CHARS:
        raise InvalidExpression(text, MAX_EXPRESSION_CHARS, f"longer than {MAX_EXPRESSION_CHARS}")
    names = _checked_tokens(text)
    try:
        rule = rule_engine.Rule(text, context=_context())
    except rule_engine.errors.RuleSyntaxError as error:
        token = error.token
        if token is None:
            raise InvalidExpression(text, len(text.rstrip()), _ENDED_EARLY) from None
        raise InvalidExpression(text, token.lexpos, f"unexpected {token.value!r}") from None
    except rule_engine.errors.EngineError as error:
        offset, reason = _type_problem(text, names, error)
        raise InvalidExpression(text, offset, reason) from None
    result = rule.statement.expression.result_type
    if result not in (DataType.BOOLEAN, DataType.UNDEFINED):
        raise InvalidExpression(text, 0, f"must be true or false, not a {result.name.lower()}")
    return Expression(text=text, names=names, _rule=rule)


def _checked_tokens(text: str) -> tuple[str, ...]:
    """The names `text` uses, in order; InvalidExpression at the first token not allowed."""
    lexer = rule_engine.Rule.parser._lexer.clone()  # the parser's own lexer, for positions
    lexer.input(text)
    names: list[str] = []
    previous: str | None = None
    try:
        for token in lexer:
            kind, value = token.type, token.value
            if kind == "SYMBOL" and value.startswith("$"):
                raise InvalidExpression(
                    text, token.lexpos, f"{value!r}: built-in symbols are not available"
                )
            if kind not in _ALLOWED_TOKENS or (kind == "STRING" and value[0] in "rs"):
                written = text[token.lexpos : lexer.lexpos]
                raise InvalidExpression(
                    text, token.lexpos, f"{written!r} is not allowed here ({_ALLOWED})"
                )
            if kind == "LBRACKET" and previous in _OPERANDS_BEFORE_INDEX:
                raise InvalidExpression(text, token.lexpos, f"indexing is not allowed ({_ALLOWED})")
            if kind == "SYMBOL" and value not in names:
                names.append(value)
            previous = kind
    except rule_engine.errors.RuleSyntaxError as error:
        if error.token is None:  # a word kept for later versions of the language
            raise InvalidExpression(text, 0, error.message.partition(" at:")[0]) from None
        offset = error.token.lexpos
        raise InvalidExpression(text, offset, f"illegal character {text[offset]!r}") from None
    return tuple(names)


_ENDED_EARLY = "ends too early: an operand, ']' or ')' is missing at the end"
_ALLOWED = "use ==, !=, <, <=, >, >=, in [...], and, or, not, ??, parentheses and literals"


def _type_problem(text: str, names: tuple[str, ...], error: Exception) -> tuple[int, str]:
    """Where a type error found while parsing is: at the request field it is about."""
    typed = [n for n in names if n in _REQUEST_TYPES]
    message = getattr(error, "message", str(error))
    if not typed:
        return 0, message
    name = typed[0]
    kind = "a number" if name == "churn_score" else "text or null"
    return _offset_of(text, name), f"{message}: {name} is {kind}"


def _offset_of(text: str, name: str) -> int:
    lexer = rule_engine.Rule.parser._lexer.clone()
    lexer.input(text)
    return next((t.lexpos for t in lexer if t.type == "SYMBOL" and t.value == name), 0)


class Expressions:
    """Compiled expressions by text, each compiled once (thread-safe, bounded)."""

    def __init__(self, max_cached: int = MAX_CACHED) -> None:
        self._lock = threading.Lock()
        self._compiled: dict[str, Expression | InvalidExpression] = {}
        self._max_cached = max_cached

    def get(self, text: str) -> Expression:
        """The compiled `text`; InvalidExpression (again, not re-parsed) if it is not valid."""
        found = self._compiled.get(text)
        if found is None:
            try:
                found = compile_expression(text)
            except InvalidExpression as error:
                found = error
            with self._lock:
                if len(self._compiled) >= self._max_cached:
                    self._compiled.clear()
                self._compiled[text] = found
        if isinstance(found, InvalidExpression):
            # A fresh traceback each time: re-raising one instance would grow its traceback.
            raise found.with_traceback(None)
        return found
