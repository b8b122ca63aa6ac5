"""The rule language and the shipped tier rules: every rule fires, every tier is reachable in
every track, and the boundaries (recency, pathway stage, timeframe, counts) sit where the
template says."""

from __future__ import annotations

from typing import Any

import pytest

from workbench.assess import expr
from workbench.assess.expr import ExprError, parse
from workbench.assess.loader import builtin_template_dir, load_template
from workbench.assess.model import AssessmentRecord, FactorAnswer, Recency, Tier
from workbench.assess.rules import check, render, suggest_tier
from workbench.assess.templates import Template

SH, TV, CS, TE, MP = "self_harm", "targeted_violence", "child_safety", "terrorism", "missing_person"
IN_PROGRESS, H24, M1, M3, OLDER = (
    Recency.IN_PROGRESS,
    Recency.H24,
    Recency.M1,
    Recency.M3,
    Recency.OLDER,
)


@pytest.fixture(scope="module")
def template() -> Template:
    return load_template(builtin_template_dir() / "threat-spj.toml")


def record(
    template: Template, tracks: tuple[str, ...], answers: dict[str, Any]
) -> AssessmentRecord:
    result = template.blank_record(tracks)
    for factor_id, spec in answers.items():
        value, recency = spec if isinstance(spec, tuple) else (spec, None)
        result = result.with_answer(factor_id, FactorAnswer(value, recency))
    return result


# Every rule of the shipped template: (tracks, answers, tier the rule gives)
RULE_CASES: dict[str, tuple[tuple[str, ...], dict[str, Any], Tier]] = {
    "imminent-in-progress": ((SH,), {"imm_timeframe": "in_progress"}, Tier.T1),
    "sh-t1-live": ((SH,), {"sh_live": "yes"}, Tier.T1),
    "sh-t1-high-24h": ((SH,), {"sh_plan": ("yes", H24)}, Tier.T1),
    "sh-t2-high-1m": ((SH,), {"sh_preparatory": ("yes", M1)}, Tier.T2),
    "sh-t2-thoughts-means": (
        (SH,),
        {"sh_active_thoughts": ("yes", IN_PROGRESS), "sh_means_access": "yes"},
        Tier.T2,
    ),
    "sh-t3-indicators": ((SH,), {"sh_wish_dead": ("yes", OLDER)}, Tier.T3),
    "pw-t1-preparation": ((TV,), {"pw_stage": "breach_probing"}, Tier.T1),
    "pw-t1-direct-threat": (
        (TV,),
        {
            "pw_direct_threat": "present",
            "imm_timeframe": "within_7d",
            "imm_target_identified": "yes",
        },
        Tier.T1,
    ),
    "pw-t2-planning": ((TV,), {"pw_stage": "research_planning"}, Tier.T2),
    "pw-t2-warning-behaviours": (
        (TV,),
        {"pw_fixation": "present", "pw_leakage": "present", "pw_last_resort": "present"},
        Tier.T2,
    ),
    "pw-t2-threat-capability": (
        (TV,),
        {"pw_threat_type": "conditional", "pw_capability": "present"},
        Tier.T2,
    ),
    "pw-t3-concern": ((TV,), {"pw_stage": "grievance"}, Tier.T3),
    "te-t1-announcement": (
        (TE,),
        {"te_announcement": ("present", H24), "te_weapons_research": "present"},
        Tier.T1,
    ),
    "te-t2-capability": (
        (TE,),
        {"te_ideology": "present", "te_training_travel": ("present", M1)},
        Tier.T2,
    ),
    "te-t2-network-leakage": (
        (TE,),
        {"te_group_contact": ("present", H24), "pw_leakage": "present"},
        Tier.T2,
    ),
    "te-t3-concern": ((TE,), {"te_propaganda": "present"}, Tier.T3),
    "cs-t1-abuse-24h": ((CS,), {"cs_csam_production": ("present", IN_PROGRESS)}, Tier.T1),
    "cs-t1-meeting": (
        (CS,),
        {"cs_meeting_planned": "present", "imm_timeframe": "within_24h"},
        Tier.T1,
    ),
    "cs-t1-sextortion-self-harm": (
        (CS,),
        {"cs_sextortion": ("present", M1), "cs_child_self_harm": ("yes", H24)},
        Tier.T1,
    ),
    "cs-t2-abuse": ((CS,), {"cs_ongoing_abuse": ("present", M1)}, Tier.T2),
    "cs-t2-access": (
        (CS,),
        {"cs_offender_access": "present", "cs_grooming": ("present", M3)},
        Tier.T2,
    ),
    "cs-t3-concern": ((CS,), {"cs_grooming": ("present", M3)}, Tier.T3),
    "mp-t1-abduction": (
        (MP,),
        {"mp_abduction_signs": "present", "mp_last_contact": "within_72h"},
        Tier.T1,
    ),
    "mp-t1-urgent-care": (
        (MP,),
        {"mp_critical_medical": "yes", "mp_last_contact": "within_24h"},
        Tier.T1,
    ),
    "mp-t2-risk": ((MP,), {"mp_self_harm_risk": "yes", "mp_last_contact": "older"}, Tier.T2),
    "mp-t2-vulnerable": ((MP,), {"mp_vulnerable": "yes", "mp_out_of_character": "yes"}, Tier.T2),
    "mp-t2-suspicious-contact": (
        (MP,),
        {"mp_suspicious_contact": ("present", M1), "mp_out_of_character": "yes"},
        Tier.T2,
    ),
    "mp-t3-concern": ((MP,), {"mp_out_of_character": "yes"}, Tier.T3),
    # the raise rule: a T3 self-harm concern with a minor at risk becomes T2
    "minor-at-risk": (
        (SH,),
        {"sh_wish_dead": ("yes", M3), "ctx_minor_at_risk": "yes"},
        Tier.T2,
    ),
}

# (why, tracks, answers, suggested tier): the edges of each rule
BOUNDARIES: list[tuple[str, tuple[str, ...], dict[str, Any], Tier]] = [
    ("nothing answered", (SH,), {}, Tier.T4),
    ("intent in progress", (SH,), {"sh_intent": ("yes", IN_PROGRESS)}, Tier.T1),
    ("intent within 24 h", (SH,), {"sh_intent": ("yes", H24)}, Tier.T1),
    ("intent within a month", (SH,), {"sh_intent": ("yes", M1)}, Tier.T2),
    ("intent within 3 months", (SH,), {"sh_intent": ("yes", M3)}, Tier.T3),
    ("intent older", (SH,), {"sh_intent": ("yes", OLDER)}, Tier.T3),
    ("intent without recency", (SH,), {"sh_intent": "yes"}, Tier.T3),
    ("intent no", (SH,), {"sh_intent": ("no", H24)}, Tier.T4),
    ("intent unknown", (SH,), {"sh_intent": ("unknown", H24)}, Tier.T4),
    ("plan within 1 month", (SH,), {"sh_plan": ("yes", M1)}, Tier.T2),
    ("preparatory within 3 months", (SH,), {"sh_preparatory": ("yes", M3)}, Tier.T3),
    (
        "thoughts 24 h with method",
        (SH,),
        {"sh_active_thoughts": ("yes", H24), "sh_method": "yes"},
        Tier.T2,
    ),
    (
        "thoughts a month ago with method",
        (SH,),
        {"sh_active_thoughts": ("yes", M1), "sh_method": "yes"},
        Tier.T3,
    ),
    ("thoughts 24 h alone", (SH,), {"sh_active_thoughts": ("yes", H24)}, Tier.T3),
    ("live no", (SH,), {"sh_live": "no"}, Tier.T4),
    ("protective factors only", (SH,), {"sh_protective": "present"}, Tier.T4),
    ("stage attack", (TV,), {"pw_stage": "attack"}, Tier.T1),
    ("stage preparation", (TV,), {"pw_stage": "preparation"}, Tier.T1),
    ("stage research", (TV,), {"pw_stage": "research_planning"}, Tier.T2),
    ("stage ideation", (TV,), {"pw_stage": "ideation"}, Tier.T3),
    ("stage none", (TV,), {"pw_stage": "none"}, Tier.T4),
    ("stage unknown", (TV,), {"pw_stage": "unknown"}, Tier.T4),
    (
        "three warning behaviours",
        (TV,),
        {"pw_identification": "present", "pw_energy_burst": "present", "pw_leakage": "present"},
        Tier.T2,
    ),
    (
        "two warning behaviours",
        (TV,),
        {"pw_identification": "present", "pw_energy_burst": "present"},
        Tier.T3,
    ),
    ("warning behaviours absent", (TV,), {"pw_fixation": "absent"}, Tier.T4),
    (
        "direct threat within 7 days with means",
        (TV,),
        {"pw_threat_type": "direct", "imm_timeframe": "within_7d", "imm_means_available": "yes"},
        Tier.T1,
    ),
    (
        "direct threat, time unspecified",
        (TV,),
        {
            "pw_direct_threat": "present",
            "imm_timeframe": "unspecified",
            "imm_means_available": "yes",
        },
        Tier.T3,
    ),
    (
        "direct threat within 7 days, no means or target",
        (TV,),
        {
            "pw_direct_threat": "present",
            "imm_timeframe": "within_7d",
            "imm_means_available": "no",
            "imm_target_identified": "unknown",
        },
        Tier.T3,
    ),
    (
        "veiled threat with capability",
        (TV,),
        {"pw_threat_type": "veiled", "pw_capability": "present"},
        Tier.T3,
    ),
    (
        "pathway rules also serve the terrorism track",
        (TE,),
        {"pw_stage": "preparation"},
        Tier.T1,
    ),
    (
        "announcement within 24 h with means available",
        (TE,),
        {"te_announcement": ("present", H24), "imm_means_available": "yes"},
        Tier.T1,
    ),
    (
        "announcement a month ago with weapons research",
        (TE,),
        {"te_announcement": ("present", M1), "te_weapons_research": "present"},
        Tier.T3,
    ),
    (
        "ideology with weapons research 3 months ago",
        (TE,),
        {"te_ideology": "present", "te_weapons_research": ("present", M3)},
        Tier.T3,
    ),
    (
        "network contact 3 months ago with leakage",
        (TE,),
        {"te_group_contact": ("present", M3), "pw_leakage": "present"},
        Tier.T3,
    ),
    ("symbolic target alone", (TE,), {"te_symbolic_target": "present"}, Tier.T4),
    ("abuse within 24 h", (CS,), {"cs_ongoing_abuse": ("present", H24)}, Tier.T1),
    ("abuse within a month", (CS,), {"cs_ongoing_abuse": ("present", M1)}, Tier.T2),
    ("abuse 3 months ago", (CS,), {"cs_ongoing_abuse": ("present", M3)}, Tier.T3),
    (
        "meeting within 7 days",
        (CS,),
        {"cs_meeting_planned": "present", "imm_timeframe": "within_7d"},
        Tier.T2,
    ),
    ("sextortion within 24 h", (CS,), {"cs_sextortion": ("present", H24)}, Tier.T2),
    ("sextortion a month ago", (CS,), {"cs_sextortion": ("present", M1)}, Tier.T3),
    (
        "sextortion with self-harm a month ago",
        (CS,),
        {"cs_sextortion": "present", "cs_child_self_harm": ("yes", M1)},
        Tier.T3,
    ),
    (
        "abuse within a month, minor at risk",
        (CS,),
        {"cs_ongoing_abuse": ("present", M1), "ctx_minor_at_risk": "yes"},
        Tier.T1,
    ),
    ("child identified only", (CS,), {"cs_child_identified": "yes"}, Tier.T4),
    (
        "abduction, last contact 3-7 days",
        (MP,),
        {"mp_abduction_signs": "present", "mp_last_contact": "within_7d"},
        Tier.T2,
    ),
    ("abduction, last contact unknown", (MP,), {"mp_abduction_signs": "present"}, Tier.T2),
    (
        "urgent care, last contact older",
        (MP,),
        {"mp_critical_medical": "yes", "mp_last_contact": "older"},
        Tier.T2,
    ),
    ("vulnerable alone", (MP,), {"mp_vulnerable": "yes"}, Tier.T3),
    (
        "suspicious contact 3 months ago, out of character",
        (MP,),
        {"mp_suspicious_contact": ("present", M3), "mp_out_of_character": "yes"},
        Tier.T3,
    ),
    ("account activity alone", (MP,), {"mp_account_activity": ("present", H24)}, Tier.T4),
    ("harm in progress, any track", (MP,), {"imm_timeframe": "in_progress"}, Tier.T1),
    ("timeframe within 24 h alone", (TV,), {"imm_timeframe": "within_24h"}, Tier.T4),
    ("minor at risk raises T4 to T3", (SH,), {"ctx_minor_at_risk": "yes"}, Tier.T3),
    (
        "minor at risk raises T2 to T1",
        (SH,),
        {"sh_intent": ("yes", M1), "ctx_minor_at_risk": "yes"},
        Tier.T1,
    ),
    (
        "minor at risk cannot raise T1",
        (SH,),
        {"sh_live": "yes", "ctx_minor_at_risk": "yes"},
        Tier.T1,
    ),
    ("minor not at risk", (SH,), {"sh_wish_dead": "yes", "ctx_minor_at_risk": "no"}, Tier.T3),
    (
        "answers of unselected tracks are not evaluated",
        (SH,),
        {"pw_stage": "attack"},
        Tier.T4,
    ),
]


def test_every_shipped_rule_has_a_case(template: Template) -> None:
    shipped = {rule.id for rule in template.rules} | {rule.id for rule in template.raises}
    assert shipped == set(RULE_CASES)


@pytest.mark.parametrize("rule_id", sorted(RULE_CASES))
def test_each_rule_fires_and_gives_its_tier(template: Template, rule_id: str) -> None:
    tracks, answers, tier = RULE_CASES[rule_id]
    result = suggest_tier(template, record(template, tracks, answers))
    assert rule_id in result.rule_ids
    assert result.suggested is tier
    assert any(f"rule {rule_id}" in line for line in result.trace)


@pytest.mark.parametrize(
    ("tracks", "answers", "tier"),
    [case[1:] for case in BOUNDARIES],
    ids=[case[0] for case in BOUNDARIES],
)
def test_boundaries(
    template: Template, tracks: tuple[str, ...], answers: dict[str, Any], tier: Tier
) -> None:
    assert suggest_tier(template, record(template, tracks, answers)).suggested is tier


def test_every_tier_is_reachable_in_every_track(template: Template) -> None:
    reached: dict[str, set[Tier]] = {track: set() for track in template.tracks}
    for tracks, answers, _tier in [*RULE_CASES.values(), *(c[1:] for c in BOUNDARIES)]:
        result = suggest_tier(template, record(template, tracks, answers))
        for track in tracks:
            reached[track].add(result.suggested)
    for track, tiers in reached.items():
        assert tiers == set(Tier), f"{track} reaches only {sorted(tiers)}"


def test_trace_reads_like_a_reason(template: Template) -> None:
    result = suggest_tier(template, record(template, (SH,), {"sh_intent": ("yes", H24)}))
    assert result.trace[0].startswith(
        "T1 because Self-harm indicators: Intent to act = yes and recency <= 24 h"
    )
    assert "high self-harm indicators within 24 h" in result.trace[0]
    default = suggest_tier(template, record(template, (SH,), {}))
    assert default.trace == ("T4 by default: no tier rule matched",)


def test_raise_is_traced(template: Template) -> None:
    answers = {"sh_wish_dead": ("yes", M3), "ctx_minor_at_risk": "yes"}
    result = suggest_tier(template, record(template, (SH,), answers))
    assert (result.base, result.suggested) == (Tier.T3, Tier.T2)
    assert result.trace[-1].startswith(
        "raised T3 -> T2 because Persons at risk: A minor (under 18) is at risk = yes"
    )
    capped = suggest_tier(
        template, record(template, (SH,), {"sh_live": "yes", "ctx_minor_at_risk": "yes"})
    )
    assert capped.trace[-1].startswith("stays T1, already the most urgent tier")


def test_count_trace_lists_what_held(template: Template) -> None:
    answers = {"pw_fixation": "present", "pw_leakage": "present", "pw_last_resort": "present"}
    result = suggest_tier(template, record(template, (TV,), answers))
    assert "3 of 7 indicators hold (>= 3)" in result.trace[0]
    assert "Leakage (intent told to a third party) = present" in result.trace[0]


# ---- the language itself --------------------------------------------------------------------


def test_parse_and_render_round_trip() -> None:
    text = (
        "not (a = yes) and (b in (x, y) or c.recency <= 24h) and "
        "count(d = present, e != absent) >= 2 and f = yes within 1m and g not in (z)"
    )
    tree = parse(text)
    assert parse(render(tree)) == tree
    assert [c.factor for c in expr.comparisons(tree)] == ["a", "b", "c", "d", "e", "f", "g"]


def test_keywords_are_case_insensitive() -> None:
    assert parse("a = yes AND b = no") == parse("a = yes and b = no")


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("", "the rule is empty", 1),
        ("sh_intent yes", "expected a comparison", 11),
        ("sh_intent = ", "expected a value", 13),
        ("(sh_intent = yes", "expected ')'", 17),
        ("sh_intent = yes or", "expected a factor name", 19),
        ("sh_intent = yes yes", "expected 'and', 'or' or the end", 17),
        ("sh_intent = yes & b = no", "unexpected character '&'", 17),
        ("count(a = yes) b", "must be compared with a number", 16),
        ("count(a = yes) >= many", "expected a whole number", 19),
        ("a.value = yes", "only '.recency' may follow", 1),
        ("a in yes", "expected '(' and a list", 6),
        ("a = yes within", "expected a recency after 'within'", 15),
    ],
)
def test_syntax_errors_give_a_column(text: str, message: str, column: int) -> None:
    with pytest.raises(ExprError) as caught:
        parse(text)
    assert message in caught.value.message
    assert caught.value.column == column


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sh_intnet = yes", "unknown factor 'sh_intnet'; did you mean 'sh_intent'?"),
        ("zz_nothing = yes", "no factor with that id is defined"),
        ("sh_intent = present", "'present' is not a value of factor 'sh_intent'"),
        ("sh_intent >= yes", ">= needs an ordered choice factor"),
        ("pw_threat_type > direct", "(not ordered = true)"),
        ("sh_live = yes within 24h", "'within' needs a factor with recency"),
        ("sh_intent = yes within 2h", "'2h' is not a recency"),
        ("sh_live.recency = 24h", "factor 'sh_live' has no recency"),
        ("sh_intent.recency <= soon", "'soon' is not a recency"),
        ("pw_stage >= unknown", "'unknown' cannot be used with >="),
    ],
)
def test_checks_against_the_template(template: Template, text: str, message: str) -> None:
    with pytest.raises(ExprError) as caught:
        check(parse(text), template.factors)
    assert message in caught.value.message


def test_recency_attribute_and_not(template: Template) -> None:
    rec = record(template, (SH,), {"sh_intent": ("yes", M1), "sh_protective": "absent"})
    from workbench.assess.rules import Evaluator

    evaluator = Evaluator(template, rec)
    assert evaluator.evaluate(parse("sh_intent.recency <= 1m")).holds
    assert not evaluator.evaluate(parse("sh_intent.recency < 1m")).holds
    assert evaluator.evaluate(parse("sh_plan.recency = unknown")).holds
    outcome = evaluator.evaluate(parse("not (sh_protective = present)"))
    assert outcome.holds
    assert outcome.reasons == (
        "not (sh_protective = present): Self-harm indicators: Protective factors = absent",
    )
    assert evaluator.evaluate(parse("count(sh_intent = yes, sh_plan = yes) = 1")).holds
    assert evaluator.evaluate(parse("count(sh_intent = yes, sh_plan = yes) != 2")).holds
