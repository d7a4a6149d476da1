"""Scoring a screening against an indicator set (trm.cases.scoring, pure)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from importlib.resources import files
from typing import Any

import pytest

from trm.cases import scoring
from trm.cases.scoring import Outcome, UnknownIndicator

DIMS = scoring.DIMENSIONS
PREFIX = {
    "deceptive_recruitment": "dr",
    "coercive_recruitment": "cr",
    "recruitment_abuse_of_vulnerability": "rv",
    "exploitative_conditions": "ec",
    "coercion_at_destination": "cd",
    "abuse_of_vulnerability_at_destination": "vd",
}

# Every dimension of the synthetic set has three strong, three medium and three weak items:
# dr.s1 … dr.s3, dr.m1 … dr.m3, dr.w1 … dr.w3, and so on.
SYNTHETIC: dict[str, Any] = {
    "format": "trm.indicator-set/1",
    "id": "synthetic",
    "title": "Synthetic set",
    "version": "1",
    "profile": "adult-labour",
    "source": {"citation": "Synthetic", "url": "https://example.org/", "licence": "CC0"},
    "verification": {"verified": True, "notes": ""},
    "rule": {
        "kind": "delphi",
        "dimension_positive_if_any": [
            {"strong": 2},
            {"strong": 1, "medium_or_weak": 1},
            {"medium": 3},
            {"medium": 2, "weak": 1},
        ],
        "combination": {
            "adult": {
                "act": ["deceptive_recruitment", "coercive_recruitment", "recruitment_abuse_of_vulnerability"],
                "means": ["coercion_at_destination", "abuse_of_vulnerability_at_destination"],
                "purpose": ["exploitative_conditions"],
            },
            "child": {
                "act": ["deceptive_recruitment", "coercive_recruitment", "recruitment_abuse_of_vulnerability"],
                "purpose": ["exploitative_conditions"],
            },
        },
    },
    "dimensions": {
        dim: [
            {"id": f"{PREFIX[dim]}.{w[0]}{n}", "label": f"{dim} {w} {n}", "weight": w}
            for w in ("strong", "medium", "weak")
            for n in (1, 2, 3)
        ]
        for dim in DIMS
    },
}


def synthetic(**changes: Any) -> scoring.IndicatorSet:
    raw = copy.deepcopy(SYNTHETIC)
    raw.update(changes)
    return scoring.parse_set(json.dumps(raw), name="synthetic.json")


def positive(*hits: str) -> bool:
    """Whether deceptive recruitment is positive with these hits (s1 = first strong item, …)."""
    result = scoring.score(synthetic(), [f"dr.{h}" for h in hits], is_child=False)
    return "deceptive_recruitment" in result.positive_dimensions


# A positive dimension of each kind, from the clauses that make them positive.
ACT = ["dr.s1", "dr.s2"]
MEANS = ["cd.s1", "cd.m1"]
PURPOSE = ["ec.m1", "ec.m2", "ec.m3"]
VULNERABILITY = ["vd.m1", "vd.m2", "vd.w1"]


# -- the dimension rule, boundary by boundary ----------------------------------------------------


def test_it_counts_one_strong_alone_as_negative() -> None:
    assert not positive("s1")


def test_it_counts_two_strong_as_positive() -> None:
    assert positive("s1", "s2")


def test_it_counts_one_strong_and_one_weak_as_positive() -> None:
    assert positive("s1", "w1")


def test_it_counts_one_strong_and_one_medium_as_positive() -> None:
    assert positive("s1", "m1")


def test_it_counts_three_medium_as_positive() -> None:
    assert positive("m1", "m2", "m3")


def test_it_counts_two_medium_as_negative() -> None:
    assert not positive("m1", "m2")


def test_it_counts_two_medium_and_one_weak_as_positive() -> None:
    assert positive("m1", "m2", "w1")


def test_it_counts_two_weak_as_negative() -> None:
    assert not positive("w1", "w2")


def test_it_counts_three_weak_as_negative() -> None:
    assert not positive("w1", "w2", "w3")


def test_it_counts_one_medium_and_two_weak_as_negative() -> None:
    assert not positive("m1", "w1", "w2")


def test_it_counts_one_medium_alone_as_negative() -> None:
    assert not positive("m1")


def test_it_scores_each_dimension_on_its_own_hits() -> None:
    # One strong in each of two dimensions makes neither positive.
    result = scoring.score(synthetic(), ["dr.s1", "cr.s1"], is_child=False)
    assert result.positive_dimensions == ()


def test_it_reads_the_thresholds_from_the_set() -> None:
    raw_rule = copy.deepcopy(SYNTHETIC["rule"])
    raw_rule["dimension_positive_if_any"] = [{"medium": 2}]
    corrected = synthetic(rule=raw_rule)
    assert scoring.score(corrected, ["dr.m1", "dr.m2"], is_child=False).positive_dimensions == (
        "deceptive_recruitment",
    )
    assert scoring.score(corrected, ["dr.s1", "dr.s2"], is_child=False).positive_dimensions == ()


def test_it_exposes_the_dimension_rule_directly() -> None:
    indicator_set = synthetic()
    rule = indicator_set.rule
    assert isinstance(rule, scoring.DelphiRule)
    strong = [indicator_set.indicator("dr.s1"), indicator_set.indicator("dr.s2")]
    assert scoring.dimension_positive(rule, strong)
    assert not scoring.dimension_positive(rule, [])


# -- combination: adults --------------------------------------------------------------------------


def test_it_presumes_an_adult_victim_with_act_means_and_purpose() -> None:
    result = scoring.score(synthetic(), ACT + MEANS + PURPOSE, is_child=False)
    assert result.outcome is Outcome.PRESUMED
    assert result.elements == (("act", True), ("means", True), ("purpose", True))
    assert result.positive_dimensions == ("deceptive_recruitment", "exploitative_conditions", "coercion_at_destination")


def test_it_accepts_abuse_of_vulnerability_at_destination_as_the_means() -> None:
    result = scoring.score(synthetic(), ACT + VULNERABILITY + PURPOSE, is_child=False)
    assert result.outcome is Outcome.PRESUMED


@pytest.mark.parametrize("act", [["dr.s1", "dr.s2"], ["cr.s1", "cr.w1"], ["rv.m1", "rv.m2", "rv.m3"]])
def test_it_accepts_any_recruitment_dimension_as_the_act(act: list[str]) -> None:
    assert scoring.score(synthetic(), act + MEANS + PURPOSE, is_child=False).outcome is Outcome.PRESUMED


def test_it_refers_an_adult_without_means() -> None:
    result = scoring.score(synthetic(), ACT + PURPOSE, is_child=False)
    assert result.outcome is Outcome.REFER
    assert ("means", False) in result.elements


def test_it_refers_an_adult_without_act() -> None:
    assert scoring.score(synthetic(), MEANS + PURPOSE, is_child=False).outcome is Outcome.REFER


def test_it_refers_an_adult_without_purpose() -> None:
    assert scoring.score(synthetic(), ACT + MEANS, is_child=False).outcome is Outcome.REFER


def test_it_refers_when_hits_make_no_dimension_positive() -> None:
    result = scoring.score(synthetic(), ["ec.w1"], is_child=False)
    assert result.outcome is Outcome.REFER
    assert result.positive_dimensions == ()
    assert result.reasoning[-1].startswith("Indicators are present but the combination rule is not met")


def test_it_finds_no_indicators_without_hits() -> None:
    result = scoring.score(synthetic(), [], is_child=False)
    assert result.outcome is Outcome.NO_INDICATORS
    assert result.hits == ()
    assert result.elements == ()
    assert result.reasoning == ("No indicators were recorded.",)
    assert len(result.dimensions) == 6


# -- combination: children ------------------------------------------------------------------------


def test_it_presumes_a_child_victim_without_means() -> None:
    result = scoring.score(synthetic(), ACT + PURPOSE, is_child=True)
    assert result.outcome is Outcome.PRESUMED
    assert result.elements == (("act", True), ("purpose", True))
    assert "Means are not required for a child." in result.reasoning


def test_it_refers_a_child_without_exploitation() -> None:
    assert scoring.score(synthetic(), ACT + MEANS, is_child=True).outcome is Outcome.REFER


def test_it_refers_a_child_without_recruitment() -> None:
    assert scoring.score(synthetic(), MEANS + PURPOSE, is_child=True).outcome is Outcome.REFER


def test_it_follows_a_child_rule_that_requires_means_when_the_set_says_so() -> None:
    raw_rule = copy.deepcopy(SYNTHETIC["rule"])
    raw_rule["combination"]["child"] = raw_rule["combination"]["adult"]
    strict = synthetic(rule=raw_rule)
    result = scoring.score(strict, ACT + PURPOSE, is_child=True)
    assert result.outcome is Outcome.REFER
    assert "Means are not required for a child." not in result.reasoning


# -- hits -----------------------------------------------------------------------------------------


def test_it_rejects_an_unknown_indicator() -> None:
    with pytest.raises(UnknownIndicator) as caught:
        scoring.score(synthetic(), ["dr.s1", "dr.nope"], is_child=False)
    assert caught.value.indicator_id == "dr.nope"
    assert caught.value.set_id == "synthetic"
    assert caught.value.code == "unknown_indicator"
    assert isinstance(caught.value, ValueError)


def test_it_counts_a_repeated_hit_once() -> None:
    result = scoring.score(synthetic(), ["dr.s1", "dr.s1"], is_child=False)
    assert result.hits == ("dr.s1",)
    assert result.positive_dimensions == ()


def test_it_lists_hits_by_dimension_and_strength_in_set_order() -> None:
    result = scoring.score(synthetic(), iter(["cd.w2", "dr.m1", "cd.s1", "dr.s1"]), is_child=False)
    assert result.hits == ("dr.s1", "dr.m1", "cd.s1", "cd.w2")
    by_dim = {d.dimension: d for d in result.dimensions}
    assert by_dim["deceptive_recruitment"].strong == ("dr.s1",)
    assert by_dim["deceptive_recruitment"].medium == ("dr.m1",)
    assert by_dim["coercion_at_destination"].weak == ("cd.w2",)
    assert by_dim["coercion_at_destination"].hits == ("cd.s1", "cd.w2")
    assert by_dim["exploitative_conditions"].hits == ()


# -- the result as advice -------------------------------------------------------------------------


def test_it_says_the_result_is_advice_not_a_decision() -> None:
    result = scoring.score(synthetic(), ACT + MEANS + PURPOSE, is_child=False)
    assert result.is_decision is False
    assert "not an identification decision" in result.advice


def test_it_explains_each_dimension_and_element_in_sentences() -> None:
    result = scoring.score(synthetic(), ["dr.s1", "dr.m1", *PURPOSE], is_child=False)
    assert result.reasoning == (
        "Deceptive recruitment: 1 strong, 1 medium and 0 weak indicators; positive.",
        "Exploitative conditions: 0 strong, 3 medium and 0 weak indicators; positive.",
        "Act is present: deceptive recruitment.",
        "Means is not present: no positive dimension (coercion at destination, abuse of vulnerability at destination).",
        "Purpose is present: exploitative conditions.",
        "Indicators are present but the combination rule is not met: advise referral for assessment.",
    )
    assert result.reasons[0].code == "dimension"


def test_it_says_when_a_dimension_with_hits_is_not_positive() -> None:
    result = scoring.score(synthetic(), ["vd.w1"], is_child=False)
    assert "Abuse of vulnerability at destination: 0 strong, 0 medium and 1 weak indicators; not positive." in (
        result.reasoning
    )


def test_it_warns_when_the_set_is_not_verified() -> None:
    unverified = synthetic(verification={"verified": False, "notes": "provisional"})
    result = scoring.score(unverified, [], is_child=False)
    assert result.reasoning[0] == "The weights of this indicator set are not yet verified against its source."


def test_it_notes_a_child_set_used_for_an_adult() -> None:
    result = scoring.score(synthetic(profile="child-labour"), ACT + PURPOSE, is_child=False)
    assert result.reasons[0].code == "profile_child_set"
    assert result.outcome is Outcome.REFER  # the adult rule applies


def test_it_applies_the_child_rule_with_an_adult_set() -> None:
    result = scoring.score(synthetic(), ACT + PURPOSE, is_child=True)
    assert result.reasons[0].code == "profile_adult_set"
    assert result.outcome is Outcome.PRESUMED


def test_it_serialises_the_result_for_storage() -> None:
    result = scoring.score(synthetic(), ACT + MEANS + PURPOSE, is_child=False)
    stored = result.as_json()
    assert json.loads(json.dumps(stored)) == stored
    assert stored["outcome"] == "presumed_victim"
    assert stored["dimensions"]["deceptive_recruitment"] == {
        "strong": ["dr.s1", "dr.s2"],
        "medium": [],
        "weak": [],
        "positive": True,
    }
    assert stored["elements"] == {"act": True, "means": True, "purpose": True}
    assert stored["reasons"][-1]["code"] == "presumed"
    assert stored["advice"] == scoring.ADVICE


def test_it_scores_the_shipped_adults_labour_set() -> None:
    labour = scoring.get_set("delphi-adults-labour")
    hits = [
        "dr.deceived_nature_of_job",
        "dr.deceived_wages",
        "ec.excessive_hours",
        "ec.low_or_no_salary",
        "cd.confiscation_of_documents",
        "cd.debt_bondage",
    ]
    assert scoring.score(labour, hits, is_child=False).outcome is Outcome.PRESUMED
    # The child weights make threats of violence strong: with debt bondage, coercive recruitment is positive.
    children = scoring.get_set("delphi-children-labour")
    child_hits = ["cr.threats_of_violence", "cr.debt_bondage", "ec.excessive_hours", "ec.no_access_to_education"]
    assert scoring.score(children, child_hits, is_child=True).outcome is Outcome.PRESUMED
    assert scoring.score(labour, child_hits, is_child=True).outcome is Outcome.REFER


# -- the count rule (begging and petty crime) -----------------------------------------------------


BEGGING = scoring.get_set("unodc-begging-petty-crime")


def test_it_refers_begging_with_one_strong_item() -> None:
    result = scoring.score(BEGGING, ["bp.punished_for_quota"], is_child=True)
    assert result.outcome is Outcome.REFER
    assert result.reasoning[-1] == "The referral rule of this set is met (1 strong): advise referral for assessment."
    assert result.dimensions == ()


def test_it_refers_begging_with_three_items_of_any_weight() -> None:
    hits = ["bp.begging_in_public", "bp.unaccompanied_child", "bp.daily_group_movement"]
    result = scoring.score(BEGGING, hits, is_child=True)
    assert result.outcome is Outcome.REFER
    assert "3 indicators recorded (0 strong, 1 medium, 2 weak)." in result.reasoning


def test_it_does_not_refer_an_adults_begging_below_the_threshold() -> None:
    result = scoring.score(BEGGING, ["bp.begging_in_public", "bp.daily_group_movement"], is_child=False)
    assert result.outcome is Outcome.NO_INDICATORS
    assert result.hits == ("bp.begging_in_public", "bp.daily_group_movement")
    assert result.reasoning[-1] == "The referral rule of this set (1 strong or 3 of any weight) is not met."


@pytest.mark.parametrize(
    "hits", [["bp.begging_in_public"], ["bp.unaccompanied_child"], ["bp.begging_in_public", "bp.daily_group_movement"]]
)
def test_it_refers_a_child_with_any_begging_item_below_the_threshold(hits: list[str]) -> None:
    result = scoring.score(BEGGING, hits, is_child=True)
    assert BEGGING.rule.below_threshold is Outcome.NO_INDICATORS  # the file's advice, for adults
    assert result.outcome is Outcome.REFER
    assert result.reasoning[-2] == "The referral rule of this set (1 strong or 3 of any weight) is not met."
    assert result.reasoning[-1] == "The person is a child: a child with any indicator is referred for assessment."


def test_a_child_with_no_begging_item_has_no_indicators() -> None:
    assert scoring.score(BEGGING, [], is_child=True).outcome is Outcome.NO_INDICATORS


def test_it_finds_no_begging_indicators_without_hits() -> None:
    result = scoring.score(BEGGING, [], is_child=False)
    assert result.outcome is Outcome.NO_INDICATORS
    assert result.reasoning[-1] == "No indicators were recorded."


def test_it_lets_a_set_refer_on_any_begging_item() -> None:
    raw = json.loads((files("trm.cases") / "indicators" / "unodc-begging-petty-crime.json").read_text())
    raw["rule"]["below_threshold"] = "refer_for_assessment"
    cautious = scoring.parse_set(json.dumps(raw))
    assert scoring.score(cautious, ["bp.begging_in_public"], is_child=True).outcome is Outcome.REFER


def test_it_describes_clauses_in_words() -> None:
    clause = scoring.Clause((("strong", 1), ("medium_or_weak", 1)))
    assert clause.describe() == "1 strong + 1 medium or weak"


# -- child-begging screening questions ------------------------------------------------------------


def test_it_accepts_allowed_answers_in_field_order() -> None:
    answers = {
        "offences_committed_under_compulsion": ["pickpocketing", "shoplifting"],
        "begging_quota": "yes",
        "relationship_to_adults": ["unrelated_adult"],
    }
    cleaned = scoring.check_answers(BEGGING, answers, is_child=True)
    assert list(cleaned) == ["begging_quota", "relationship_to_adults", "offences_committed_under_compulsion"]
    assert cleaned["offences_committed_under_compulsion"] == ["pickpocketing", "shoplifting"]


def test_it_has_every_child_begging_field() -> None:
    assert [f.id for f in BEGGING.fields] == [
        "begging_quota",
        "handler_present",
        "group_transport",
        "earnings_surrendered",
        "punishment_for_low_earnings",
        "school_attendance",
        "relationship_to_adults",
        "identity_documents_held_by",
        "offences_committed_under_compulsion",
    ]


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"shoe_size": "42"}, "shoe_size"),
        ({"begging_quota": "maybe"}, "begging_quota"),
        ({"relationship_to_adults": "parent"}, "relationship_to_adults"),
        ({"relationship_to_adults": ["parent", "parent"]}, "relationship_to_adults"),
        ({"relationship_to_adults": [{"x": 1}]}, "relationship_to_adults"),
        ({"relationship_to_adults": ["cousin"]}, "relationship_to_adults"),
    ],
)
def test_it_rejects_answers_the_set_does_not_allow(answers: dict[str, object], field: str) -> None:
    with pytest.raises(scoring.InvalidAnswer) as caught:
        scoring.check_answers(BEGGING, answers, is_child=True)
    assert caught.value.field_id == field
    assert caught.value.code == "invalid_answer"


def test_it_asks_child_begging_questions_only_for_children() -> None:
    with pytest.raises(scoring.InvalidAnswer, match="only for children"):
        scoring.check_answers(BEGGING, {"school_attendance": "none"}, is_child=False)


# -- purity ----------------------------------------------------------------------------------------


def test_it_imports_without_django() -> None:
    code = "import sys, trm.cases.scoring as s; s.available_sets(); assert 'django' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
