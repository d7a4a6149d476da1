"""The shipped indicator sets, their validation and the registry (trm.cases.scoring, pure)."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from trm.cases import scoring
from trm.cases.scoring import IndicatorSetError

SHIPPED = (
    "delphi-adults-labour",
    "delphi-adults-sexual",
    "delphi-children-labour",
    "delphi-children-sexual",
    "unodc-begging-petty-crime",
)


def shipped_raw(set_id: str) -> dict[str, Any]:
    return json.loads((files("trm.cases") / "indicators" / f"{set_id}.json").read_text(encoding="utf-8"))


# -- the shipped sets -----------------------------------------------------------------------------


def test_it_ships_every_set() -> None:
    assert tuple(s.id for s in scoring.available_sets()) == SHIPPED


@pytest.mark.parametrize("set_id", SHIPPED)
def test_it_loads_each_shipped_set_with_unique_ids(set_id: str) -> None:
    indicator_set = scoring.get_set(set_id)
    ids = [i.id for i in indicator_set.indicators]
    assert len(ids) == len(set(ids))
    assert indicator_set.source.citation
    assert indicator_set.source.url.startswith("https://")
    assert indicator_set.source.licence
    assert indicator_set.verification.notes


@pytest.mark.parametrize("set_id", SHIPPED[:4])
def test_it_gives_each_delphi_set_the_six_dimensions(set_id: str) -> None:
    indicator_set = scoring.get_set(set_id)
    assert tuple(d.id for d in indicator_set.dimensions) == scoring.DIMENSIONS
    assert all(d.indicators for d in indicator_set.dimensions)
    for dimension in indicator_set.dimensions:
        assert all(i.dimension == dimension.id for i in dimension.indicators)


def test_it_matches_the_published_dimension_sizes_for_adults_labour() -> None:
    labour = scoring.get_set("delphi-adults-labour")
    assert [len(d.indicators) for d in labour.dimensions] == [10, 10, 16, 9, 15, 7]


def test_it_follows_the_brief_weights_for_adults_labour() -> None:
    labour = scoring.get_set("delphi-adults-labour")
    strong = {i.id for i in labour.indicators if i.weight == "strong"}
    assert strong == {
        "dr.deceived_nature_of_job",
        "cr.violence_on_victim",
        "ec.excessive_hours",
        "cd.confiscation_of_documents",
        "cd.debt_bondage",
        "cd.isolation_confinement_surveillance",
        "cd.violence_on_victim",
    }
    weak = {i.id for i in labour.indicators if i.weight == "weak"}
    assert weak == {
        "dr.deceived_education",
        "rv.cultural_religious_beliefs",
        "rv.general_context",
        "ec.no_access_to_education",
        "cd.threat_to_inform_family",
        "vd.difficulties_in_past",
        "vd.personal_characteristics",
    }


def test_it_applies_the_bracketed_child_weights() -> None:
    children = scoring.get_set("delphi-children-labour")
    weights = {i.id: i.weight for i in children.indicators}
    for promoted_to_strong in (
        "dr.deceived_education",
        "cr.threats_of_violence",
        "cr.abduction_marriage_adoption_sale",
        "cr.debt_bondage",
        "cd.threats_of_violence",
        "cd.forced_illicit_activities",
        "cd.forced_tasks_or_clients",
        "cd.under_strong_influence",
    ):
        assert weights[promoted_to_strong] == "strong"
    assert "weak" not in weights.values()


def test_it_keeps_indicator_ids_stable_across_labour_sets() -> None:
    adults = {i.id for i in scoring.get_set("delphi-adults-labour").indicators}
    children = {i.id for i in scoring.get_set("delphi-children-labour").indicators}
    assert children <= adults


def test_it_marks_the_sexual_sets_unverified() -> None:
    for set_id in ("delphi-adults-sexual", "delphi-children-sexual"):
        indicator_set = scoring.get_set(set_id)
        assert indicator_set.verification.verified is False
        assert indicator_set.verification.notes.startswith("PROVISIONAL")
        ids = {i.id for i in indicator_set.indicators}
        assert {"dr.deceived_conditions_of_prostitution", "cd.forced_tasks_or_clients", "cd.forced_use_of_drugs"} <= ids


def test_it_gives_the_begging_set_a_count_rule() -> None:
    begging = scoring.get_set("unodc-begging-petty-crime")
    assert isinstance(begging.rule, scoring.CountRule)
    assert begging.profile == "begging"
    assert begging.dimensions == ()
    assert all(i.dimension is None for i in begging.indicators)
    assert all(f.children_only for f in begging.fields)


def test_it_refuses_an_unknown_set() -> None:
    with pytest.raises(scoring.UnknownIndicatorSet) as caught:
        scoring.get_set("nope")
    assert caught.value.set_id == "nope"
    assert caught.value.code == "unknown_indicator_set"


def test_it_reads_the_files_once() -> None:
    assert scoring.get_set("delphi-adults-labour") is scoring.get_set("delphi-adults-labour")


def test_it_finds_an_indicator_by_id() -> None:
    labour = scoring.get_set("delphi-adults-labour")
    assert labour.indicator("ec.excessive_hours").weight == "strong"


# -- malformed files ------------------------------------------------------------------------------

Mutation = Callable[[dict[str, Any]], object]


def _set(key: str, value: object) -> Mutation:
    return lambda raw: raw.__setitem__(key, value)


def _rule(key: str, value: object) -> Mutation:
    return lambda raw: raw["rule"].__setitem__(key, value)


def _first_indicator(key: str, value: object) -> Mutation:
    return lambda raw: raw["dimensions"]["deceptive_recruitment"][0].__setitem__(key, value)


def _combination(who: str, value: object) -> Mutation:
    return lambda raw: raw["rule"]["combination"].__setitem__(who, value)


DELPHI_PROBLEMS: list[tuple[str, Mutation, str]] = [
    ("format", _set("format", "trm.indicator-set/0"), "'format' must be 'trm.indicator-set/1'"),
    ("extra key", _set("colour", "blue"), "unknown key 'colour' in the set"),
    ("missing title", lambda raw: raw.pop("title"), "missing key 'title'"),
    ("title type", _set("title", 3), "'title' must be a JSON string"),
    ("set id", _set("id", "Adults Labour"), "set id 'Adults Labour' must be"),
    ("profile", _set("profile", "adult-organs"), "unknown profile 'adult-organs'"),
    ("verified type", _set("verification", {"verified": "yes", "notes": ""}), "'verification.verified' must be"),
    ("source url", _set("source", {"citation": "x", "licence": "x"}), "missing key 'source.url'"),
    ("rule kind", _rule("kind", "vote"), "unknown rule kind 'vote'"),
    ("rule key", _rule("weights", {}), "unknown key 'weights' in rule"),
    ("no clauses", _rule("dimension_positive_if_any", []), "must be a non-empty list of clauses"),
    ("clause type", _rule("dimension_positive_if_any", [2]), "must be a non-empty object"),
    ("clause key", _rule("dimension_positive_if_any", [{"heavy": 1}]), "unknown key 'heavy' in a clause"),
    ("clause zero", _rule("dimension_positive_if_any", [{"strong": 0}]), "'strong' in rule."),
    ("clause bool", _rule("dimension_positive_if_any", [{"strong": True}]), "must be a positive integer"),
    ("combination type", _rule("combination", []), "'rule.combination' must be a JSON object"),
    ("combination key", _combination("elderly", {"act": ["deceptive_recruitment"]}), "unknown key 'elderly'"),
    ("combination missing", lambda raw: raw["rule"]["combination"].pop("child"), "rule.combination.child must be"),
    ("element", _combination("adult", {"motive": ["deceptive_recruitment"]}), "unknown key 'motive'"),
    ("element empty", _combination("adult", {"act": []}), "rule.combination.adult.act must be a non-empty list"),
    ("element dims", _combination("adult", {"act": [1]}), "rule.combination.adult.act must be a non-empty list"),
    ("element dim", _combination("child", {"act": ["travel"]}), "unknown dimension 'travel' in rule.combination"),
    ("unknown dimension", lambda raw: raw["dimensions"].__setitem__("transit", []), "unknown dimension 'transit'"),
    ("missing dimension", lambda raw: raw["dimensions"].pop("exploitative_conditions"), "missing key 'dimensions."),
    ("dimension type", lambda raw: raw["dimensions"].__setitem__("exploitative_conditions", {}), "must be a JSON list"),
    ("flat list", _set("indicators", []), "a delphi set lists its indicators under 'dimensions'"),
    ("indicator type", lambda raw: raw["dimensions"]["deceptive_recruitment"].append("x"), "must be an object"),
    ("indicator key", _first_indicator("phase", "transit"), "unknown key 'phase' in an indicator"),
    ("indicator id", _first_indicator("id", "DR Deceived"), "indicator id 'DR Deceived' must be"),
    ("weight", _first_indicator("weight", "very strong"), "unknown weight 'very strong' for"),
    ("missing label", lambda raw: raw["dimensions"]["deceptive_recruitment"][0].pop("label"), "missing key"),
    (
        "duplicate",
        lambda raw: raw["dimensions"]["exploitative_conditions"].append(raw["dimensions"]["deceptive_recruitment"][0]),
        "duplicate indicator id 'dr.deceived_nature_of_job'",
    ),
    ("empty", _set("dimensions", {d: [] for d in scoring.DIMENSIONS}), "the set has no indicators"),
    ("fields type", _set("fields", {}), "'fields' must be a list"),
]


@pytest.mark.parametrize(("mutate", "problem"), [p[1:] for p in DELPHI_PROBLEMS], ids=[p[0] for p in DELPHI_PROBLEMS])
def test_it_rejects_a_malformed_delphi_set(tmp_path: Path, mutate: Mutation, problem: str) -> None:
    raw = shipped_raw("delphi-adults-labour")
    mutate(raw)
    path = tmp_path / "delphi-adults-labour.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(IndicatorSetError) as caught:
        scoring.load_set(path)
    assert str(caught.value).startswith("delphi-adults-labour.json: ")
    assert problem in str(caught.value)
    assert isinstance(caught.value, ValueError)


def _field(key: str, value: object) -> Mutation:
    return lambda raw: raw["fields"][0].__setitem__(key, value)


COUNT_PROBLEMS: list[tuple[str, Mutation, str]] = [
    ("below", _rule("below_threshold", "presumed_victim"), "rule.below_threshold must be"),
    ("count key", _rule("combination", {}), "unknown key 'combination' in rule"),
    ("no clauses", lambda raw: raw["rule"].pop("refer_if_any"), "rule.refer_if_any must be a non-empty list"),
    ("dimensions", _set("dimensions", {}), "a count set lists its items under 'indicators'"),
    ("items type", _set("indicators", {}), "'indicators' must be a JSON list"),
    ("item weight", lambda raw: raw["indicators"][0].__setitem__("weight", "heavy"), "unknown weight 'heavy'"),
    ("field type", lambda raw: raw["fields"].append("x"), "each field must be an object"),
    ("field key", _field("required", True), "unknown key 'required' in a field"),
    ("field id", _field("id", "Begging Quota"), "field id 'Begging Quota' is malformed or repeated"),
    ("field repeated", lambda raw: raw["fields"].append(dict(raw["fields"][0])), "'begging_quota' is malformed or"),
    ("field kind", _field("type", "free_text"), "unknown field type 'free_text'"),
    ("no choices", _field("choices", []), "choices of 'begging_quota' must be distinct strings"),
    ("choice type", _field("choices", [1, 2]), "choices of 'begging_quota' must be distinct strings"),
    ("same choices", _field("choices", ["yes", "yes"]), "choices of 'begging_quota' must be distinct strings"),
    ("children only", _field("children_only", "yes"), "'begging_quota: children_only' must be a JSON boolean"),
]


@pytest.mark.parametrize(("mutate", "problem"), [p[1:] for p in COUNT_PROBLEMS], ids=[p[0] for p in COUNT_PROBLEMS])
def test_it_rejects_a_malformed_count_set(mutate: Mutation, problem: str) -> None:
    raw = shipped_raw("unodc-begging-petty-crime")
    mutate(raw)
    with pytest.raises(IndicatorSetError, match=r"^begging\.json: ") as caught:
        scoring.parse_set(json.dumps(raw), name="begging.json")
    assert problem in str(caught.value)


def test_it_rejects_a_file_that_is_not_json(tmp_path: Path) -> None:
    with pytest.raises(IndicatorSetError, match=r"^x.json: not valid JSON \(line 2\)"):
        scoring.parse_set('{\n"id": }', name="x.json")


def test_it_rejects_a_file_that_is_not_an_object() -> None:
    with pytest.raises(IndicatorSetError, match="must hold one JSON object"):
        scoring.parse_set("[]", name="x.json")


def test_it_requires_the_file_name_to_match_the_id(tmp_path: Path) -> None:
    path = tmp_path / "labour.json"
    path.write_text(json.dumps(shipped_raw("delphi-adults-labour")), encoding="utf-8")
    with pytest.raises(IndicatorSetError, match=r"must be named delphi-adults-labour\.json"):
        scoring.load_set(path)


# -- replacement sets from a jurisdiction's directory ---------------------------------------------


def test_it_replaces_a_shipped_set_with_a_jurisdictions_file(tmp_path: Path) -> None:
    raw = shipped_raw("delphi-adults-sexual")
    raw["version"] = "2009.09-verified"
    raw["verification"] = {"verified": True, "notes": "Checked against WCMS_105023."}
    (tmp_path / "delphi-adults-sexual.json").write_text(json.dumps(raw), encoding="utf-8")
    (tmp_path / "README.txt").write_text("not a set", encoding="utf-8")
    replaced = scoring.get_set("delphi-adults-sexual", extra_dirs=[tmp_path])
    assert replaced.version == "2009.09-verified"
    assert replaced.verification.verified
    assert scoring.get_set("delphi-adults-sexual").version != "2009.09-verified"
    assert len(scoring.available_sets(extra_dirs=[tmp_path])) == len(SHIPPED)


def test_it_adds_a_new_set_from_a_jurisdictions_directory(tmp_path: Path) -> None:
    raw = shipped_raw("delphi-adults-labour")
    raw["id"] = "national-adults-labour"
    (tmp_path / "national-adults-labour.json").write_text(json.dumps(raw), encoding="utf-8")
    ids = [s.id for s in scoring.available_sets(extra_dirs=[str(tmp_path)])]
    assert "national-adults-labour" in ids
    assert len(ids) == len(SHIPPED) + 1


def test_it_refuses_a_replacement_with_another_profile(tmp_path: Path) -> None:
    raw = shipped_raw("delphi-adults-labour")
    raw["profile"] = "child-labour"
    (tmp_path / "delphi-adults-labour.json").write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(IndicatorSetError, match="must keep the profile 'adult-labour'"):
        scoring.available_sets(extra_dirs=[tmp_path])


def test_it_refuses_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(IndicatorSetError, match="not a directory of indicator sets"):
        scoring.available_sets(extra_dirs=[tmp_path / "absent"])
