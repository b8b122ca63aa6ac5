"""The rule engine: check rules against a template, evaluate them on a record, explain why.

The suggested tier is the most urgent tier whose rule holds (or the template's default),
then raised by every raise rule that holds (a minor at risk: one step). Every step of that
becomes a line of the trace, written so a reviewer can read it without the template.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from typing import Any

from workbench.assess.expr import (
    ORDER_OPS,
    AllOf,
    AnyOf,
    Comparison,
    Count,
    Expr,
    ExprError,
    Negation,
    comparisons,
)
from workbench.assess.model import UNKNOWN, AssessmentRecord, FactorType, Recency, Tier
from workbench.assess.templates import Factor, Template

RECENCY_VALUES = tuple(recency.value for recency in Recency)


# ---- checking a rule against the template's factors ---------------------------------------


def check(expr: Expr, factors: dict[str, Factor]) -> None:
    """Raise ExprError (with the column) for names and values the template does not define."""
    if isinstance(expr, Comparison):
        _check_comparison(expr, factors)
    elif isinstance(expr, Negation):
        check(expr.item, factors)
    else:
        for item in expr.items:
            check(item, factors)


def _check_comparison(comparison: Comparison, factors: dict[str, Factor]) -> None:
    column = comparison.column
    factor = factors.get(comparison.factor)
    if factor is None:
        close = difflib.get_close_matches(comparison.factor, list(factors), n=1)
        hint = (
            f"; did you mean {close[0]!r}?"
            if close
            else ("; no factor with that id is defined in this template or its includes")
        )
        raise ExprError(f"unknown factor {comparison.factor!r}{hint}", column)
    ordered = comparison.op in ORDER_OPS
    if comparison.attribute == "recency":
        if not factor.recency:
            raise ExprError(
                f"factor {factor.id!r} has no recency (set recency = true on the factor)", column
            )
        valid: tuple[str, ...] = (*RECENCY_VALUES, UNKNOWN)
        for value in comparison.values:
            if value not in valid:
                raise ExprError(
                    f"{value!r} is not a recency; use one of {', '.join(valid)}", column
                )
            if ordered and value == UNKNOWN:
                raise ExprError(f"'unknown' cannot be used with {comparison.op}", column)
    else:
        if ordered and not factor.ordered:
            kind = factor.type.value
            if factor.type is FactorType.CHOICE:
                kind += " (not ordered = true)"
            raise ExprError(
                f"{comparison.op} needs an ordered choice factor; {factor.id!r} is "
                f"{kind}; use = or in",
                column,
            )
        for value in comparison.values:
            if value not in factor.values:
                raise ExprError(
                    f"{value!r} is not a value of factor {factor.id!r}; use one of "
                    f"{', '.join(factor.values)}",
                    column,
                )
            if ordered and value == UNKNOWN:
                raise ExprError(f"'unknown' cannot be used with {comparison.op}", column)
    if comparison.within is not None:
        if not factor.recency:
            raise ExprError(f"'within' needs a factor with recency; {factor.id!r} has none", column)
        if comparison.within not in RECENCY_VALUES:
            raise ExprError(
                f"{comparison.within!r} is not a recency; use one of {', '.join(RECENCY_VALUES)}",
                column,
            )


# ---- rendering a rule back to text ---------------------------------------------------------


def render(expr: Expr) -> str:
    if isinstance(expr, Comparison):
        ref = expr.factor + (".recency" if expr.attribute == "recency" else "")
        values = (
            "(" + ", ".join(expr.values) + ")" if expr.op in ("in", "not in") else expr.values[0]
        )
        within = f" within {expr.within}" if expr.within else ""
        return f"{ref} {expr.op} {values}{within}"
    if isinstance(expr, Negation):
        return f"not ({render(expr.item)})"
    if isinstance(expr, Count):
        inner = ", ".join(render(item) for item in expr.items)
        return f"count({inner}) {expr.op} {expr.number}"
    joiner = " and " if isinstance(expr, AllOf) else " or "
    return joiner.join(
        f"({render(item)})" if isinstance(item, AllOf | AnyOf) else render(item)
        for item in expr.items
    )


# ---- evaluation with an explanation --------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    holds: bool
    reasons: tuple[str, ...] = ()


def _compare(op: str, left: int, right: int) -> bool:
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    return left >= right


def _recency_label(value: str) -> str:
    return Recency(value).label if value in RECENCY_VALUES else value


class Evaluator:
    """Evaluates rules of one template on one record."""

    def __init__(self, template: Template, record: AssessmentRecord):
        self.template = template
        self.record = record

    def evaluate(self, expr: Expr) -> Outcome:
        if isinstance(expr, Comparison):
            holds = self._comparison_holds(expr)
            return Outcome(holds, (self._describe(expr),) if holds else ())
        if isinstance(expr, Negation):
            inner = self.evaluate(expr.item)
            if inner.holds:
                return Outcome(False)
            actual = "; ".join(self._actual(c) for c in comparisons(expr.item))
            return Outcome(True, (f"not ({render(expr.item)}): {actual}",))
        if isinstance(expr, AllOf):
            reasons: list[str] = []
            for item in expr.items:
                outcome = self.evaluate(item)
                if not outcome.holds:
                    return Outcome(False)
                reasons.extend(outcome.reasons)
            return Outcome(True, tuple(reasons))
        if isinstance(expr, AnyOf):
            for item in expr.items:
                outcome = self.evaluate(item)
                if outcome.holds:
                    return outcome
            return Outcome(False)
        outcomes = [self.evaluate(item) for item in expr.items]
        held = [outcome for outcome in outcomes if outcome.holds]
        if not _count_holds(expr.op, len(held), expr.number):
            return Outcome(False)
        listed = "; ".join(reason for outcome in held for reason in outcome.reasons)
        summary = f"{len(held)} of {len(outcomes)} indicators hold ({expr.op} {expr.number})"
        return Outcome(True, (f"{summary}: {listed}" if listed else summary,))

    def _comparison_holds(self, comparison: Comparison) -> bool:
        factor = self.template.factors[comparison.factor]
        answer = self.record.answer(comparison.factor)
        if comparison.within is not None and (
            answer.recency is None or answer.recency.rank > Recency(comparison.within).rank
        ):
            return False
        if comparison.attribute == "recency":
            actual = answer.recency.value if answer.recency else UNKNOWN
            actual_rank: int | None = answer.recency.rank if answer.recency else None

            def rank(value: str) -> int | None:
                return Recency(value).rank if value in RECENCY_VALUES else None
        else:
            actual = answer.effective_value
            actual_rank = factor.rank(actual)
            rank = factor.rank
        op = comparison.op
        if op == "=":
            return actual == comparison.values[0]
        if op == "!=":
            return actual != comparison.values[0]
        if op == "in":
            return actual in comparison.values
        if op == "not in":
            return actual not in comparison.values
        expected = rank(comparison.values[0])
        if actual_rank is None or expected is None:
            return False
        return _compare(op, actual_rank, expected)

    def _value_label(self, comparison: Comparison, value: str) -> str:
        if comparison.attribute == "recency":
            return _recency_label(value)
        return self.template.factors[comparison.factor].value_label(value)

    def _actual(self, comparison: Comparison) -> str:
        title = self.template.factor_title(comparison.factor)
        answer = self.record.answer(comparison.factor)
        if comparison.attribute == "recency":
            value = answer.recency.value if answer.recency else UNKNOWN
            return f"{title} recency = {_recency_label(value)}"
        factor = self.template.factors[comparison.factor]
        return f"{title} = {factor.value_label(answer.effective_value)}"

    def _describe(self, comparison: Comparison) -> str:
        text = self._actual(comparison)
        if comparison.op != "=":
            expected = ", ".join(self._value_label(comparison, v) for v in comparison.values)
            text += f" ({comparison.op} {expected})"
        if comparison.within is not None:
            recency = self.record.answer(comparison.factor).recency
            bound = Recency(comparison.within)
            if recency is not None:
                text += f" and recency {recency.label}"
                if recency is not bound:
                    text += f" (within {bound.label})"
        return text


def _count_holds(op: str, count: int, number: int) -> bool:
    if op in ORDER_OPS:
        return _compare(op, count, number)
    return (count == number) == (op == "=")


# ---- the suggested tier --------------------------------------------------------------------


@dataclass(frozen=True)
class RuleHit:
    rule_id: str
    tier: Tier
    because: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class RaiseHit:
    rule_id: str
    before: Tier
    after: Tier
    because: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class TierResult:
    suggested: Tier
    base: Tier
    hits: tuple[RuleHit, ...]
    raises: tuple[RaiseHit, ...]
    trace: tuple[str, ...]

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(hit.rule_id for hit in self.hits) + tuple(r.rule_id for r in self.raises)

    def to_json(self) -> dict[str, Any]:
        return {
            "suggested": self.suggested.value,
            "base": self.base.value,
            "rules": [
                {"id": hit.rule_id, "tier": hit.tier.value, "reasons": list(hit.reasons)}
                for hit in self.hits
            ],
            "raises": [
                {
                    "id": hit.rule_id,
                    "from": hit.before.value,
                    "to": hit.after.value,
                    "reasons": list(hit.reasons),
                }
                for hit in self.raises
            ],
            "trace": list(self.trace),
        }


def _rule_note(rule_id: str, because: str) -> str:
    return f"(rule {rule_id}: {because})" if because else f"(rule {rule_id})"


def suggest_tier(template: Template, record: AssessmentRecord) -> TierResult:
    """Evaluate every rule that applies to the record's tracks; most urgent tier wins.

    Answers to factors of tracks that are not selected stay in the record but are not seen
    by the rules: what the form shows is what is evaluated."""
    visible = {factor.id for factor in template.visible_factors(record.tracks)}
    if any(factor_id not in visible for factor_id in record.answers):
        record = replace(record, answers={k: v for k, v in record.answers.items() if k in visible})
    evaluator = Evaluator(template, record)
    hits: list[RuleHit] = []
    for rule in template.rules:
        if not rule.applies(record.tracks):
            continue
        outcome = evaluator.evaluate(rule.expr)
        if outcome.holds:
            hits.append(RuleHit(rule.id, rule.tier, rule.because, outcome.reasons))
    hits.sort(key=lambda hit: hit.tier.rank)  # stable: template order within a tier
    trace: list[str] = []
    if hits:
        base = hits[0].tier
        for index, hit in enumerate(hits):
            prefix = "" if index == 0 else "also "
            trace.append(
                f"{prefix}{hit.tier.value} because {' and '.join(hit.reasons)} "
                f"{_rule_note(hit.rule_id, hit.because)}"
            )
    else:
        base = template.default_tier
        trace.append(f"{base.value} by default: no tier rule matched")
    tier = base
    raises: list[RaiseHit] = []
    for raise_rule in template.raises:
        if not raise_rule.applies(record.tracks):
            continue
        outcome = evaluator.evaluate(raise_rule.expr)
        if not outcome.holds:
            continue
        after = tier.raised(raise_rule.steps)
        raises.append(RaiseHit(raise_rule.id, tier, after, raise_rule.because, outcome.reasons))
        note = _rule_note(raise_rule.id, raise_rule.because)
        if after is tier:
            trace.append(
                f"stays {tier.value}, already the most urgent tier, although "
                f"{' and '.join(outcome.reasons)} {note}"
            )
        else:
            trace.append(
                f"raised {tier.value} -> {after.value} because "
                f"{' and '.join(outcome.reasons)} {note}"
            )
        tier = after
    return TierResult(tier, base, tuple(hits), tuple(raises), tuple(trace))
