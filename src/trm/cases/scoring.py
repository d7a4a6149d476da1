"""Indicator sets and screening scores (pure: no Django).

An indicator set is a JSON file in ``indicators/`` (format ``trm.indicator-set/1``, described in
docs/indicators.md). Two kinds of rule are supported, both written as data in the file:

- ``delphi`` (ILO/EC operational indicators, 2009): indicators sit in six dimensions and are
  weighted strong, medium or weak. A dimension is positive when its counts meet any one clause
  of ``rule.dimension_positive_if_any`` (for example ``{"strong": 2}``). The case meets the rule
  when every element of ``rule.combination.adult`` (or ``.child``) has a positive dimension.
- ``count`` (for example the UNODC begging and petty-crime list): a flat list of weighted items;
  the set advises referral when the counts meet any clause of ``rule.refer_if_any``. Below
  that, ``rule.below_threshold`` applies to adults only: for a child, any item advises referral
  (children are treated as potential victims even on weak signs), whatever the file says.

``score(indicator_set, hits, is_child=...)`` returns a ScreeningResult. A screening is advice
for the person who refers; it is never the identification decision.

Errors never carry personal data: they name a file, a key or an indicator id, nothing else.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal

FORMAT = "trm.indicator-set/1"

STRONG = "strong"
MEDIUM = "medium"
WEAK = "weak"
WEIGHTS = (STRONG, MEDIUM, WEAK)

DIMENSIONS = (
    "deceptive_recruitment",
    "coercive_recruitment",
    "recruitment_abuse_of_vulnerability",
    "exploitative_conditions",
    "coercion_at_destination",
    "abuse_of_vulnerability_at_destination",
)

DIMENSION_LABELS = {
    "deceptive_recruitment": "Deceptive recruitment",
    "coercive_recruitment": "Coercive recruitment",
    "recruitment_abuse_of_vulnerability": "Recruitment by abuse of vulnerability",
    "exploitative_conditions": "Exploitative conditions",
    "coercion_at_destination": "Coercion at destination",
    "abuse_of_vulnerability_at_destination": "Abuse of vulnerability at destination",
}

ELEMENTS = ("act", "means", "purpose")
ELEMENT_LABELS = {"act": "Act", "means": "Means", "purpose": "Purpose"}

PROFILES = ("adult-labour", "child-labour", "adult-sexual", "child-sexual", "begging")

# Keys a clause may count: one weight, medium and weak together, or every item.
CLAUSE_KEYS = (STRONG, MEDIUM, WEAK, "medium_or_weak", "any")

CLAUSE_WORDS = {
    STRONG: "strong",
    MEDIUM: "medium",
    WEAK: "weak",
    "medium_or_weak": "medium or weak",
    "any": "of any weight",
}

_TOP_KEYS = (
    "format",
    "id",
    "title",
    "version",
    "profile",
    "source",
    "verification",
    "rule",
    "dimensions",
    "indicators",
    "fields",
    "note",
)

FIELD_TYPES = ("choice", "multichoice")

ADVICE = "This screening is advice to support a referral. It is not an identification decision."

_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
_SET_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class Outcome(enum.StrEnum):
    NO_INDICATORS = "no_indicators"
    REFER = "refer_for_assessment"
    PRESUMED = "presumed_victim"


class IndicatorSetError(ValueError):
    """An indicator set file is malformed. The message names the file and the problem."""


class UnknownIndicator(ValueError):
    """A hit names an indicator that the set does not have (the form layer answers 400)."""

    code = "unknown_indicator"

    def __init__(self, indicator_id: str, set_id: str) -> None:
        super().__init__(f"unknown indicator {indicator_id!r} in set {set_id!r}")
        self.indicator_id = indicator_id
        self.set_id = set_id


class UnknownIndicatorSet(LookupError):
    """No indicator set has this id."""

    code = "unknown_indicator_set"

    def __init__(self, set_id: str) -> None:
        super().__init__(f"unknown indicator set {set_id!r}")
        self.set_id = set_id


class InvalidAnswer(ValueError):
    """A screening-field answer is not one the set allows (the form layer answers 400)."""

    code = "invalid_answer"

    def __init__(self, field_id: str, problem: str) -> None:
        super().__init__(f"field {field_id!r}: {problem}")
        self.field_id = field_id


# ---------------------------------------------------------------------------------------------
# The set, as loaded


@dataclass(frozen=True)
class Source:
    citation: str
    url: str
    licence: str


@dataclass(frozen=True)
class Verification:
    verified: bool
    notes: str


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str
    weight: str
    dimension: str | None  # None in a count set


@dataclass(frozen=True)
class Dimension:
    id: str
    label: str
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class Clause:
    """Minimum counts, all of which must be met, e.g. ``{"strong": 1, "medium_or_weak": 1}``."""

    minimums: tuple[tuple[str, int], ...]

    def met_by(self, counts: Mapping[str, int]) -> bool:
        return all(counts[key] >= minimum for key, minimum in self.minimums)

    def describe(self) -> str:
        return " + ".join(f"{minimum} {CLAUSE_WORDS[key]}" for key, minimum in self.minimums)

    def code(self) -> str:
        """The clause as data, e.g. ``strong=1+medium_or_weak=1``."""
        return "+".join(f"{key}={minimum}" for key, minimum in self.minimums)


@dataclass(frozen=True)
class DelphiRule:
    dimension_positive_if_any: tuple[Clause, ...]
    adult: tuple[tuple[str, tuple[str, ...]], ...]  # (element, dimensions any of which satisfies it)
    child: tuple[tuple[str, tuple[str, ...]], ...]
    kind: Literal["delphi"] = "delphi"


@dataclass(frozen=True)
class CountRule:
    refer_if_any: tuple[Clause, ...]
    below_threshold: Outcome  # what hits short of every clause advise
    kind: Literal["count"] = "count"


@dataclass(frozen=True)
class Field:
    id: str
    label: str
    type: str
    choices: tuple[str, ...]
    children_only: bool
    choice_labels: tuple[tuple[str, str], ...] = ()  # (choice, English label); a choice may have none

    def choice_label(self, choice: str) -> str:
        """The English label of a choice; a file without one gets the code made readable."""
        return dict(self.choice_labels).get(choice) or choice.replace("_", " ").capitalize()


@dataclass(frozen=True)
class IndicatorSet:
    id: str
    title: str
    version: str
    profile: str
    source: Source
    verification: Verification
    rule: DelphiRule | CountRule
    dimensions: tuple[Dimension, ...]  # empty in a count set
    indicators: tuple[Indicator, ...]  # every indicator, in file order
    fields: tuple[Field, ...] = ()

    def indicator(self, indicator_id: str) -> Indicator:
        for indicator in self.indicators:
            if indicator.id == indicator_id:
                return indicator
        raise UnknownIndicator(indicator_id, self.id)


# ---------------------------------------------------------------------------------------------
# Loading and validation


_JSON_TYPES: dict[type, str] = {str: "string", bool: "boolean", list: "list", dict: "object"}


def _fail(name: str, problem: str) -> IndicatorSetError:
    return IndicatorSetError(f"{name}: {problem}")


def _get(name: str, obj: Mapping[str, Any], key: str, kind: type, where: str = "") -> Any:
    if key not in obj:
        raise _fail(name, f"missing key '{where}{key}'")
    value = obj[key]
    if not isinstance(value, kind):
        raise _fail(name, f"'{where}{key}' must be a JSON {_JSON_TYPES[kind]}")
    return value


def _no_extra(name: str, obj: Mapping[str, Any], allowed: Iterable[str], where: str) -> None:
    extra = sorted(set(obj) - set(allowed))
    if extra:
        raise _fail(name, f"unknown key {extra[0]!r} in {where}")


def _clauses(name: str, raw: object, where: str) -> tuple[Clause, ...]:
    if not isinstance(raw, list) or not raw:
        raise _fail(name, f"{where} must be a non-empty list of clauses")
    clauses = []
    for item in raw:
        if not isinstance(item, dict) or not item:
            raise _fail(name, f"each clause in {where} must be a non-empty object")
        _no_extra(name, item, CLAUSE_KEYS, f"a clause of {where}")
        minimums = []
        for key, minimum in item.items():
            if not isinstance(minimum, int) or isinstance(minimum, bool) or minimum < 1:
                raise _fail(name, f"clause count {key!r} in {where} must be a positive integer")
            minimums.append((key, minimum))
        clauses.append(Clause(tuple(minimums)))
    return tuple(clauses)


def _combination(name: str, raw: object, who: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    where = f"rule.combination.{who}"
    if not isinstance(raw, dict) or not raw:
        raise _fail(name, f"{where} must be a non-empty object")
    _no_extra(name, raw, ELEMENTS, where)
    elements = []
    for element, dims in raw.items():
        if not isinstance(dims, list) or not dims or not all(isinstance(d, str) for d in dims):
            raise _fail(name, f"{where}.{element} must be a non-empty list of dimensions")
        for dim in dims:
            if dim not in DIMENSIONS:
                raise _fail(name, f"unknown dimension {dim!r} in {where}.{element}")
        elements.append((element, tuple(dims)))
    return tuple(elements)


def _rule(name: str, raw: Mapping[str, Any]) -> DelphiRule | CountRule:
    kind = _get(name, raw, "kind", str, "rule.")
    if kind == "delphi":
        _no_extra(name, raw, ("kind", "dimension_positive_if_any", "combination", "note"), "rule")
        combination = _get(name, raw, "combination", dict, "rule.")
        _no_extra(name, combination, ("adult", "child"), "rule.combination")
        return DelphiRule(
            dimension_positive_if_any=_clauses(
                name, raw.get("dimension_positive_if_any"), "rule.dimension_positive_if_any"
            ),
            adult=_combination(name, combination.get("adult"), "adult"),
            child=_combination(name, combination.get("child"), "child"),
        )
    if kind == "count":
        _no_extra(name, raw, ("kind", "refer_if_any", "below_threshold", "note"), "rule")
        below = _get(name, raw, "below_threshold", str, "rule.")
        if below not in (Outcome.NO_INDICATORS, Outcome.REFER):
            raise _fail(name, "rule.below_threshold must be 'no_indicators' or 'refer_for_assessment'")
        return CountRule(
            refer_if_any=_clauses(name, raw.get("refer_if_any"), "rule.refer_if_any"),
            below_threshold=Outcome(below),
        )
    raise _fail(name, f"unknown rule kind {kind!r}")


def _indicator(name: str, raw: object, dimension: str | None, where: str) -> Indicator:
    if not isinstance(raw, dict):
        raise _fail(name, f"each indicator in {where} must be an object")
    _no_extra(name, raw, ("id", "label", "weight", "note"), f"an indicator of {where}")
    indicator_id = _get(name, raw, "id", str, f"{where}: ")
    if not _ID.match(indicator_id):
        raise _fail(name, f"indicator id {indicator_id!r} must be lower-case words joined by '.' or '_'")
    label = _get(name, raw, "label", str, f"{indicator_id}: ")
    weight = _get(name, raw, "weight", str, f"{indicator_id}: ")
    if weight not in WEIGHTS:
        raise _fail(name, f"unknown weight {weight!r} for {indicator_id!r} (strong, medium or weak)")
    return Indicator(id=indicator_id, label=label, weight=weight, dimension=dimension)


def _fields(name: str, raw: object) -> tuple[Field, ...]:
    if not isinstance(raw, list):
        raise _fail(name, "'fields' must be a list")
    fields = []
    seen: set[str] = set()
    for item in raw:
        if not isinstance(item, dict):
            raise _fail(name, "each field must be an object")
        _no_extra(name, item, ("id", "label", "type", "choices", "choice_labels", "children_only", "note"), "a field")
        field_id = _get(name, item, "id", str, "field: ")
        if not _ID.match(field_id) or field_id in seen:
            raise _fail(name, f"field id {field_id!r} is malformed or repeated")
        seen.add(field_id)
        field_type = _get(name, item, "type", str, f"{field_id}: ")
        if field_type not in FIELD_TYPES:
            raise _fail(name, f"unknown field type {field_type!r} for {field_id!r}")
        choices = _get(name, item, "choices", list, f"{field_id}: ")
        if not choices or not all(isinstance(c, str) for c in choices) or len(set(choices)) != len(choices):
            raise _fail(name, f"choices of {field_id!r} must be distinct strings")
        choice_labels = item.get("choice_labels", {})
        if not isinstance(choice_labels, dict) or not all(
            c in choices and isinstance(text, str) and text for c, text in choice_labels.items()
        ):
            raise _fail(name, f"choice_labels of {field_id!r} must give a label to some of its choices")
        fields.append(
            Field(
                id=field_id,
                label=_get(name, item, "label", str, f"{field_id}: "),
                type=field_type,
                choices=tuple(choices),
                children_only=_get(name, item, "children_only", bool, f"{field_id}: "),
                choice_labels=tuple((c, choice_labels[c]) for c in choices if c in choice_labels),
            )
        )
    return tuple(fields)


def parse_set(text: str, *, name: str = "<set>") -> IndicatorSet:
    """Parse and validate one set. ``name`` (a file name) is used only in error messages."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(name, f"not valid JSON (line {exc.lineno})") from None
    if not isinstance(raw, dict):
        raise _fail(name, "the file must hold one JSON object")
    _no_extra(
        name,
        raw,
        _TOP_KEYS,
        "the set",
    )
    if raw.get("format") != FORMAT:
        raise _fail(name, f"'format' must be {FORMAT!r}")
    set_id = _get(name, raw, "id", str)
    if not _SET_ID.match(set_id):
        raise _fail(name, f"set id {set_id!r} must be lower-case words joined by '-'")
    profile = _get(name, raw, "profile", str)
    if profile not in PROFILES:
        raise _fail(name, f"unknown profile {profile!r}")
    source = _get(name, raw, "source", dict)
    verification = _get(name, raw, "verification", dict)
    rule = _rule(name, _get(name, raw, "rule", dict))

    dimensions: list[Dimension] = []
    indicators: list[Indicator] = []
    if isinstance(rule, DelphiRule):
        if "indicators" in raw:
            raise _fail(name, "a delphi set lists its indicators under 'dimensions'")
        raw_dims = _get(name, raw, "dimensions", dict)
        for dim in raw_dims:
            if dim not in DIMENSIONS:
                raise _fail(name, f"unknown dimension {dim!r}")
        for dim in DIMENSIONS:
            items = _get(name, raw_dims, dim, list, "dimensions.")
            dim_indicators = tuple(_indicator(name, item, dim, dim) for item in items)
            dimensions.append(Dimension(id=dim, label=DIMENSION_LABELS[dim], indicators=dim_indicators))
            indicators.extend(dim_indicators)
    else:
        if "dimensions" in raw:
            raise _fail(name, "a count set lists its items under 'indicators'")
        items = _get(name, raw, "indicators", list)
        indicators.extend(_indicator(name, item, None, "indicators") for item in items)
    if not indicators:
        raise _fail(name, "the set has no indicators")

    seen: set[str] = set()
    for indicator in indicators:
        if indicator.id in seen:
            raise _fail(name, f"duplicate indicator id {indicator.id!r}")
        seen.add(indicator.id)

    return IndicatorSet(
        id=set_id,
        title=_get(name, raw, "title", str),
        version=_get(name, raw, "version", str),
        profile=profile,
        source=Source(
            citation=_get(name, source, "citation", str, "source."),
            url=_get(name, source, "url", str, "source."),
            licence=_get(name, source, "licence", str, "source."),
        ),
        verification=Verification(
            verified=_get(name, verification, "verified", bool, "verification."),
            notes=_get(name, verification, "notes", str, "verification."),
        ),
        rule=rule,
        dimensions=tuple(dimensions),
        indicators=tuple(indicators),
        fields=_fields(name, raw.get("fields", [])),
    )


def load_set(path: Path | Traversable) -> IndicatorSet:
    """Load one file; its name must be ``<id>.json``."""
    indicator_set = parse_set(path.read_text(encoding="utf-8"), name=path.name)
    if path.name != f"{indicator_set.id}.json":
        raise _fail(path.name, f"the file must be named {indicator_set.id}.json")
    return indicator_set


def _load_dir(directory: Path | Traversable) -> dict[str, IndicatorSet]:
    if not directory.is_dir():
        raise IndicatorSetError(f"{directory.name}: not a directory of indicator sets")
    sets: dict[str, IndicatorSet] = {}
    for path in sorted(directory.iterdir(), key=lambda p: p.name):
        if path.name.endswith(".json"):
            indicator_set = load_set(path)
            sets[indicator_set.id] = indicator_set
    return sets


@cache
def _registry(extra_dirs: tuple[str, ...]) -> dict[str, IndicatorSet]:
    sets = _load_dir(files("trm.cases") / "indicators")
    for directory in extra_dirs:
        for set_id, replacement in _load_dir(Path(directory)).items():
            shipped = sets.get(set_id)
            if shipped is not None and shipped.profile != replacement.profile:
                raise _fail(f"{set_id}.json", f"a replacement must keep the profile {shipped.profile!r}")
            sets[set_id] = replacement
    return sets


def available_sets(*, extra_dirs: Sequence[str | Path] = ()) -> tuple[IndicatorSet, ...]:
    """Every set, by id: the shipped files, each replaced by a file of the same id in ``extra_dirs``.

    A jurisdiction drops verified sets into its own directory (read in the order given, later
    directories winning) and passes it here; files are read once per process.
    """
    sets = _registry(tuple(str(d) for d in extra_dirs))
    return tuple(sets[set_id] for set_id in sorted(sets))


def get_set(set_id: str, *, extra_dirs: Sequence[str | Path] = ()) -> IndicatorSet:
    sets = _registry(tuple(str(d) for d in extra_dirs))
    if set_id not in sets:
        raise UnknownIndicatorSet(set_id)
    return sets[set_id]


# ---------------------------------------------------------------------------------------------
# Scoring

# Reason templates. Each reason keeps its code and parameters so that the web layer can
# translate it; ``text`` is the English rendering. Parameters ending in ``_code`` carry the
# dimension, element and clause codes behind the English words (screening_text.py reads them).
REASONS = {
    "no_hits": "No indicators were recorded.",
    "unverified": "The weights of this indicator set are not yet verified against its source.",
    "profile_child_set": "This set is for children, but the person is an adult: the rule for adults applies.",
    "profile_adult_set": "This set is for adults, but the person is a child: the rule for children applies.",
    "dimension": "{dimension}: {strong} strong, {medium} medium and {weak} weak indicators; {verdict}.",
    "element_met": "{element} is present: {dimensions}.",
    "element_not_met": "{element} is not present: no positive dimension ({dimensions}).",
    "child_no_means": "Means are not required for a child.",
    "presumed": "The combination rule is met: advise referral as a presumed victim.",
    "refer": "Indicators are present but the combination rule is not met: advise referral for assessment.",
    "count": "{total} indicators recorded ({strong} strong, {medium} medium, {weak} weak).",
    "count_met": "The referral rule of this set is met ({clause}): advise referral for assessment.",
    "count_below": "The referral rule of this set ({clauses}) is not met.",
    "child_any": "The person is a child: a child with any indicator is referred for assessment.",
}


@dataclass(frozen=True)
class Reason:
    code: str
    params: tuple[tuple[str, str], ...] = ()

    @property
    def text(self) -> str:
        return REASONS[self.code].format(**dict(self.params))


@dataclass(frozen=True)
class DimensionResult:
    dimension: str
    strong: tuple[str, ...]
    medium: tuple[str, ...]
    weak: tuple[str, ...]
    positive: bool

    @property
    def hits(self) -> tuple[str, ...]:
        return self.strong + self.medium + self.weak


@dataclass(frozen=True)
class ScreeningResult:
    indicator_set: str
    version: str
    is_child: bool
    outcome: Outcome
    hits: tuple[str, ...]  # distinct, in the set's order
    dimensions: tuple[DimensionResult, ...]  # empty for a count set
    positive_dimensions: tuple[str, ...]
    elements: tuple[tuple[str, bool], ...]  # act / means / purpose → present (delphi only)
    reasons: tuple[Reason, ...]
    advice: str = ADVICE
    is_decision: bool = False

    @property
    def reasoning(self) -> tuple[str, ...]:
        return tuple(reason.text for reason in self.reasons)

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready summary for storing with the screening."""
        return {
            "indicator_set": self.indicator_set,
            "version": self.version,
            "is_child": self.is_child,
            "outcome": str(self.outcome),
            "hits": list(self.hits),
            "dimensions": {
                d.dimension: {
                    "strong": list(d.strong),
                    "medium": list(d.medium),
                    "weak": list(d.weak),
                    "positive": d.positive,
                }
                for d in self.dimensions
            },
            "positive_dimensions": list(self.positive_dimensions),
            "elements": dict(self.elements),
            "reasons": [{"code": r.code, "params": dict(r.params), "text": r.text} for r in self.reasons],
            "advice": self.advice,
        }


def _counts(indicators: Iterable[Indicator]) -> dict[str, int]:
    counts = dict.fromkeys(CLAUSE_KEYS, 0)
    for indicator in indicators:
        counts[indicator.weight] += 1
        counts["any"] += 1
    counts["medium_or_weak"] = counts[MEDIUM] + counts[WEAK]
    return counts


def dimension_positive(rule: DelphiRule, indicators: Iterable[Indicator]) -> bool:
    """The Delphi dimension rule: positive when the counts meet any clause."""
    counts = _counts(indicators)
    return any(clause.met_by(counts) for clause in rule.dimension_positive_if_any)


def _resolve(indicator_set: IndicatorSet, hits: Iterable[str]) -> tuple[Indicator, ...]:
    wanted: set[str] = set()
    for hit in hits:
        wanted.add(indicator_set.indicator(hit).id)  # raises UnknownIndicator
    return tuple(i for i in indicator_set.indicators if i.id in wanted)


def _by_weight(indicators: Sequence[Indicator], weight: str) -> tuple[str, ...]:
    return tuple(i.id for i in indicators if i.weight == weight)


def _dimension_list(dimensions: Sequence[str]) -> str:
    return ", ".join(DIMENSION_LABELS[d].lower() for d in dimensions)


def score(indicator_set: IndicatorSet, hits: Iterable[str], *, is_child: bool) -> ScreeningResult:
    """Score the indicators found present. Raises UnknownIndicator for an id not in the set."""
    present = _resolve(indicator_set, hits)
    reasons: list[Reason] = []
    if not indicator_set.verification.verified:
        reasons.append(Reason("unverified"))
    if indicator_set.profile.startswith("child-") and not is_child:
        reasons.append(Reason("profile_child_set"))
    if indicator_set.profile.startswith("adult-") and is_child:
        reasons.append(Reason("profile_adult_set"))
    rule = indicator_set.rule
    if isinstance(rule, CountRule):
        return _score_count(indicator_set, rule, present, is_child=is_child, reasons=reasons)

    dimensions = []
    for dimension in indicator_set.dimensions:
        in_dim = [i for i in present if i.dimension == dimension.id]
        positive = dimension_positive(rule, in_dim)
        dimensions.append(
            DimensionResult(
                dimension=dimension.id,
                strong=_by_weight(in_dim, STRONG),
                medium=_by_weight(in_dim, MEDIUM),
                weak=_by_weight(in_dim, WEAK),
                positive=positive,
            )
        )
    positive_dims = tuple(d.dimension for d in dimensions if d.positive)

    if not present:
        reasons.append(Reason("no_hits"))
        return _result(indicator_set, Outcome.NO_INDICATORS, present, is_child, reasons, dimensions)

    for d in dimensions:
        if d.hits:
            verdict = "positive" if d.positive else "not positive"
            params = {
                "dimension": DIMENSION_LABELS[d.dimension],
                "strong": str(len(d.strong)),
                "medium": str(len(d.medium)),
                "weak": str(len(d.weak)),
                "verdict": verdict,
                "dimension_code": d.dimension,
            }
            reasons.append(Reason("dimension", tuple(params.items())))

    combination = rule.child if is_child else rule.adult
    elements = []
    for element, dims in combination:
        met = [d for d in dims if d in positive_dims]
        elements.append((element, bool(met)))
        if met:
            params = {
                "element": ELEMENT_LABELS[element],
                "dimensions": _dimension_list(met),
                "element_code": element,
                "dimensions_code": ",".join(met),
            }
            reasons.append(Reason("element_met", tuple(params.items())))
        else:
            params = {
                "element": ELEMENT_LABELS[element],
                "dimensions": _dimension_list(dims),
                "element_code": element,
                "dimensions_code": ",".join(dims),
            }
            reasons.append(Reason("element_not_met", tuple(params.items())))
    if is_child and "means" not in dict(combination):
        reasons.append(Reason("child_no_means"))

    if all(met for _, met in elements):
        outcome = Outcome.PRESUMED
        reasons.append(Reason("presumed"))
    else:
        outcome = Outcome.REFER
        reasons.append(Reason("refer"))
    return _result(indicator_set, outcome, present, is_child, reasons, dimensions, elements)


def _result(
    indicator_set: IndicatorSet,
    outcome: Outcome,
    present: Sequence[Indicator],
    is_child: bool,
    reasons: Sequence[Reason],
    dimensions: Sequence[DimensionResult] = (),
    elements: Sequence[tuple[str, bool]] = (),
) -> ScreeningResult:
    return ScreeningResult(
        indicator_set=indicator_set.id,
        version=indicator_set.version,
        is_child=is_child,
        outcome=outcome,
        hits=tuple(i.id for i in present),
        dimensions=tuple(dimensions),
        positive_dimensions=tuple(d.dimension for d in dimensions if d.positive),
        elements=tuple(elements),
        reasons=tuple(reasons),
    )


def _score_count(
    indicator_set: IndicatorSet,
    rule: CountRule,
    present: tuple[Indicator, ...],
    *,
    is_child: bool,
    reasons: list[Reason],
) -> ScreeningResult:
    counts = _counts(present)
    met = [clause for clause in rule.refer_if_any if clause.met_by(counts)]
    if not present:
        outcome = Outcome.NO_INDICATORS
        reasons.append(Reason("no_hits"))
    else:
        params = {
            "total": str(counts["any"]),
            "strong": str(counts[STRONG]),
            "medium": str(counts[MEDIUM]),
            "weak": str(counts[WEAK]),
        }
        reasons.append(Reason("count", tuple(params.items())))
        if met:
            outcome = Outcome.REFER
            reasons.append(Reason("count_met", (("clause", met[0].describe()), ("clause_code", met[0].code()))))
        else:
            clauses = " or ".join(clause.describe() for clause in rule.refer_if_any)
            codes = "|".join(clause.code() for clause in rule.refer_if_any)
            reasons.append(Reason("count_below", (("clauses", clauses), ("clauses_code", codes))))
            # Children are treated as potential victims even on weak signs: the set's threshold
            # (and its below_threshold advice) applies to adults only.
            if is_child:
                outcome = Outcome.REFER
                reasons.append(Reason("child_any"))
            else:
                outcome = rule.below_threshold
    return _result(indicator_set, outcome, present, is_child, reasons)


def check_answers(indicator_set: IndicatorSet, answers: Mapping[str, object], *, is_child: bool) -> dict[str, object]:
    """Validate answers to the set's screening fields; returns them in field order.

    A choice field takes one allowed value; a multichoice field takes a list of distinct allowed
    values. Unanswered fields are left out. Raises InvalidAnswer.
    """
    known = {f.id: f for f in indicator_set.fields}
    for field_id in answers:
        if field_id not in known:
            raise InvalidAnswer(field_id, "not a field of this set")
    cleaned: dict[str, object] = {}
    for field in indicator_set.fields:
        if field.id not in answers:
            continue
        if field.children_only and not is_child:
            raise InvalidAnswer(field.id, "asked only for children")
        value = answers[field.id]
        if field.type == "choice":
            if value not in field.choices:
                raise InvalidAnswer(field.id, "not an allowed value")
            cleaned[field.id] = value
        else:
            if (
                not isinstance(value, list | tuple)
                or not all(isinstance(v, str) for v in value)
                or len(set(value)) != len(value)
            ):
                raise InvalidAnswer(field.id, "must be a list of distinct values")
            if any(v not in field.choices for v in value):
                raise InvalidAnswer(field.id, "not an allowed value")
            cleaned[field.id] = list(value)
    return cleaned
