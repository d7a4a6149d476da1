"""How a person reads a trm/1 message: its body as titled sections of (label, value) rows.

One ``Renderer`` per message type about a case, named after the type (``CASE_NOTIFICATION``)
and declared by its ``Kind`` in ``kinds.KINDS`` (``tests/transnational/test_rendering.py``
fails when a kind has none, or when a renderer leaves out a member its type's schema allows). A value is always a
sentence a person reads: codes become their labels (``vocabulary.py``), countries and
languages their names in the active language, booleans Yes or No, dates the locale's
format, a message id the label and date of that message. Never a Python repr, never a
code where a label exists. Values are plain strings: templates escape them.

``referral_brief`` assembles, for a received referral still to be answered, what the
receiving country needs to decide, from the conversation's first notification and offer,
with the same rows.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.template.defaultfilters import filesizeformat
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from trm.exchange.messages import parse_time
from trm.transnational import history
from trm.transnational import vocabulary as v
from trm.transnational.models import Link
from trm.transnational.vocabulary import Label
from trm.vocab.countries import country_label, language_label
from trm.vocab.currencies import currency_label

UNKNOWN_COUNTRY = "XX"  # what a node sends when the nationality is not known


@dataclass(frozen=True)
class Row:
    label: str
    value: str
    long: bool = False  # text a person wrote: shown with its line breaks


@dataclass(frozen=True)
class Section:
    title: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Known:
    """What the reader knows beyond the body: the conversation's messages, id -> (label, when)."""

    messages: Mapping[str, tuple[Label, dt.datetime]] = field(default_factory=dict)


Show = Callable[[Any, Known], str]

# --- values --------------------------------------------------------------------------------


def date_label(value: dt.date | str) -> str:
    """A date in the active language (``2 March 2026``); text that is no date, as it is."""
    if isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return value
    else:
        day = value
    return str(formats.date_format(day, "j F Y"))


def countdown(due: dt.date, today: dt.date) -> str:
    """How far a due date is: ``in 3 days``, ``due today``, ``2 days overdue``."""
    days = (due - today).days
    if days > 0:
        return ngettext("in %(n)d day", "in %(n)d days", days) % {"n": days}
    if days == 0:
        return _("due today")
    return ngettext("%(n)d day overdue", "%(n)d days overdue", -days) % {"n": -days}


def text(value: Any, known: Known) -> str:
    return str(value)


def yes_no(value: Any, known: Known) -> str:
    return _("Yes") if value is True else _("No") if value is False else str(value)


def date(value: Any, known: Known) -> str:
    return date_label(str(value))


def timestamp(value: Any, known: Known) -> str:
    """A trm/1 timestamp in the active language (``1 March 2026, 22:15 UTC``); other text as it is."""
    try:
        moment = parse_time(str(value))
    except ValueError:
        return str(value)
    return _("%(date)s, %(time)s UTC") % {"date": date_label(moment.date()), "time": moment.strftime("%H:%M")}


def alert_ref(value: Any, known: Known) -> str:
    """An alert's id as people quote it on the phone: its first eight characters (``1215F49E``)."""
    return str(value)[:8].upper()


def country(value: Any, known: Known) -> str:
    return _("Unknown") if value == UNKNOWN_COUNTRY else country_label(str(value))


def currency(value: Any, known: Known) -> str:
    return currency_label(str(value))


def language(value: Any, known: Known) -> str:
    return language_label(str(value))


def message(value: Any, known: Known) -> str:
    """A message id as the message a person knows: its label and date."""
    found = known.messages.get(str(value))
    if found is None:
        return _("A message not held here (%(id)s)") % {"id": value}
    kind, when = found
    return _("%(message)s of %(date)s") % {"message": kind, "date": date_label(when.date())}


def coded(vocabulary: v.Vocabulary) -> Show:
    return lambda value, known: v.label(vocabulary, value)


def listed(show: Show, *, empty: Label = "—") -> Show:
    """Each item shown, joined with commas; an empty list as ``empty``."""

    def show_all(value: Any, known: Known) -> str:
        items = value if isinstance(value, list) else [value]
        if not items:
            return str(empty)
        return ", ".join(show(item, known) for item in items)

    return show_all


def months(value: Any, known: Known) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return ngettext("%(n)d month", "%(n)d months", value) % {"n": value}
    return str(value)


# --- what a renderer is made of ----------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """One body member shown as one row."""

    key: str
    label: Label
    show: Show = text
    long: bool = False
    absent: Label = ""  # what its absence means, when it means something ("any kind of organisation")

    @property
    def keys(self) -> dict[str, frozenset[str] | None]:
        return {self.key: None}

    def rows(self, body: Mapping[str, Any], known: Known) -> list[Row]:
        if self.key not in body:
            return [Row(str(self.label), str(self.absent))] if self.absent else []
        return [Row(str(self.label), self.show(body[self.key], known), self.long)]


@dataclass(frozen=True)
class Nested:
    """An object member: a row for each of its own members."""

    key: str
    members: tuple[Member, ...]

    @property
    def keys(self) -> dict[str, frozenset[str] | None]:
        return {self.key: frozenset(m.key for m in self.members)}

    def rows(self, body: Mapping[str, Any], known: Known) -> list[Row]:
        inner = body.get(self.key)
        if not isinstance(inner, Mapping):
            return []
        return [row for m in self.members for row in m.rows(inner, known)]


@dataclass(frozen=True)
class Each:
    """A list of objects: one row for each, labelled by ``title`` and read by ``show``."""

    key: str
    title: Callable[[Mapping[str, Any]], str]
    show: Callable[[Mapping[str, Any], Known], str]
    reads: frozenset[str]  # the item's members that ``title`` and ``show`` use

    @property
    def keys(self) -> dict[str, frozenset[str] | None]:
        return {self.key: self.reads}

    def rows(self, body: Mapping[str, Any], known: Known) -> list[Row]:
        items = body.get(self.key)
        if not isinstance(items, list):
            return []
        return [Row(self.title(item), self.show(item, known)) for item in items if isinstance(item, Mapping)]


Item = Member | Nested | Each


@dataclass(frozen=True)
class Part:
    title: Label
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Renderer:
    """How one message type reads: its parts, in order; an empty part is left out."""

    parts: tuple[Part, ...]

    @property
    def members(self) -> dict[str, frozenset[str] | None]:
        """The body members shown (for an object or a list of objects, the inner members too)."""
        found: dict[str, frozenset[str] | None] = {}
        for part in self.parts:
            for item in part.items:
                found.update(item.keys)
        return found

    def item(self, key: str) -> Item | None:
        return next((i for p in self.parts for i in p.items if i.key == key), None)

    def rows(self, keys: Iterable[str], body: Mapping[str, Any], known: Known) -> list[Row]:
        """The rows of these members only (what ``referral_brief`` takes from each message)."""
        return [row for key in keys if (i := self.item(key)) is not None for row in i.rows(body, known)]

    def render(self, body: Mapping[str, Any], known: Known | None = None) -> list[Section]:
        known = known or Known()
        if body.get("erased") is True:
            return [Section(_("Erased"), (Row(_("Content"), _("Erased when the person withdrew consent.")),))]
        sections = []
        for part in self.parts:
            rows = tuple(row for item in part.items for row in item.rows(body, known))
            if rows:
                sections.append(Section(str(part.title), rows))
        return sections


# --- the objects messages carry ------------------------------------------------------------------


def _period(item: Mapping[str, Any]) -> str:
    start, end = item.get("start_date"), item.get("end_date")
    if start and end:
        return _("%(start)s to %(end)s") % {"start": date_label(start), "end": date_label(end)}
    if start:
        return _("from %(date)s") % {"date": date_label(start)}
    if end:
        return _("until %(date)s") % {"date": date_label(end)}
    return ""


def _joined(*parts: str) -> str:
    return " · ".join(p for p in parts if p)


def _stage(item: Mapping[str, Any], known: Known) -> str:
    form = v.label(v.EXPLOITATION, item["exploitation_type"]) if "exploitation_type" in item else ""
    return _joined(country(item.get("country", ""), known), _period(item), form)


def _permit(item: Mapping[str, Any], known: Known) -> str:
    issued = _("issued %(date)s") % {"date": date_label(item["issued_on"])} if "issued_on" in item else ""
    valid = _("valid until %(date)s") % {"date": date_label(item["valid_until"])} if "valid_until" in item else ""
    return _joined(issued, valid)


def _document(item: Mapping[str, Any], known: Known) -> str:
    return _joined(
        _("number %(number)s") % {"number": item["number"]} if "number" in item else "",
        _("issued by %(country)s") % {"country": country(item["issuing_country"], known)}
        if "issuing_country" in item
        else "",
        _("expires %(date)s") % {"date": date_label(item["expiry_date"])} if "expiry_date" in item else "",
    )


def _copy(item: Mapping[str, Any], known: Known) -> str:
    try:
        size = len(base64.b64decode(str(item.get("data", "")), validate=True))
    except (binascii.Error, ValueError):
        size = 0
    what = v.label(v.MEDIA_TYPE, item.get("media_type", ""))
    return _("Copy attached: %(what)s, %(size)s") % {"what": what, "size": filesizeformat(size)}


def _relative(item: Mapping[str, Any], known: Known) -> str:
    name = " ".join(str(item[k]) for k in ("given_names", "family_name") if k in item)
    place = _("last known locality: %(place)s") % {"place": item["last_known_locality"]}
    return _joined(name, place if "last_known_locality" in item else "") or _("No name or locality given")


IDENTITY = Nested(
    "identity",
    (
        Member("family_name", gettext_lazy("Family name")),
        Member("given_names", gettext_lazy("Given names")),
        Member("date_of_birth", gettext_lazy("Date of birth"), date),
        Member("place_of_birth", gettext_lazy("Place of birth")),
        Member("claimed_nationality", gettext_lazy("Nationality stated"), country),
        Member("sex", gettext_lazy("Sex"), coded(v.GENDER)),
    ),
)
ROUTE = Each(
    "route",
    lambda item: v.label(v.ROUTE_STAGE, item.get("stage", "")),
    _stage,
    frozenset({"stage", "country", "start_date", "end_date", "exploitation_type"}),
)
IDENTIFICATION = Nested(
    "identification",
    (
        Member("status", gettext_lazy("Identification in the sending country"), coded(v.IDENTIFICATION)),
        Member("decided_on", gettext_lazy("Decided on"), date),
        Member("authority", gettext_lazy("Decided by")),
    ),
)
PERMITS = Each(
    "permits",
    lambda item: v.label(v.PERMIT, item.get("kind", "")),
    _permit,
    frozenset({"kind", "issued_on", "valid_until"}),
)
CONSENT = Nested(
    "consent",
    (
        Member("purposes", gettext_lazy("Purposes consented to"), listed(coded(v.CONSENT_PURPOSE))),
        Member("recipient_countries", gettext_lazy("Countries that may receive"), listed(country)),
        Member(
            "recipient_kinds",
            gettext_lazy("Organisations that may receive"),
            listed(coded(v.ORGANISATION_KIND)),
            absent=gettext_lazy("Any kind of organisation"),
        ),
        Member("expires_on", gettext_lazy("Consent valid until"), date),
        Member("given_on", gettext_lazy("Consent given on"), date),
        Member("given_by", gettext_lazy("Consent given by"), coded(v.CONSENT_GIVER)),
        Member("language", gettext_lazy("Language of the information given"), language),
        Member("interpreter", gettext_lazy("With an interpreter"), yes_no),
    ),
)
HEALTH = Nested(
    "health",
    (
        Member("needs", gettext_lazy("Health needs"), listed(coded(v.HEALTH_NEED))),
        Member("summary", gettext_lazy("Health summary"), long=True),
    ),
)
TRAVEL = Nested(
    "travel_plan",
    (
        Member("planned_date", gettext_lazy("Planned travel date"), date),
        Member("arrival_point", gettext_lazy("Arrival point")),
        Member("escort", gettext_lazy("Escorted"), yes_no),
    ),
)

# Members shared by many types.
CASE_REF = Member("case_ref", gettext_lazy("Case reference of the sending country"))
RECEIVER_CASE_REF = Member("receiver_case_ref", gettext_lazy("Case reference of the answering country"))
IS_CHILD = Member("is_child", gettext_lazy("Child"), yes_no)
REMARKS = Member("remarks", gettext_lazy("Remarks"), long=True)
DUE_DATE = Member("due_date", gettext_lazy("Answer needed by"), date)


def _references(*items: Item) -> Part:
    return Part(gettext_lazy("References"), (CASE_REF, *items))


ANSWER_REFS = _references(RECEIVER_CASE_REF)

# --- one renderer per message type -----------------------------------------------------------------

CASE_NOTIFICATION = Renderer(
    (
        Part(
            gettext_lazy("The person"),
            (
                IS_CHILD,
                Member("age_band", gettext_lazy("Age"), coded(v.AGE_BAND)),
                Member("gender", gettext_lazy("Gender"), coded(v.GENDER)),
                Member("nationality", gettext_lazy("Nationality"), country),
                Member("languages", gettext_lazy("Languages"), listed(language)),
            ),
        ),
        Part(
            gettext_lazy("Identity"),
            (IDENTITY, Member("identity_consent", gettext_lazy("Shared with the person's consent"), yes_no)),
        ),
        Part(
            gettext_lazy("What happened"),
            (
                Member("detected_on", gettext_lazy("Detected on"), date),
                Member("detection_country", gettext_lazy("Detected in"), country),
                Member("exploitation_types", gettext_lazy("Forms of exploitation"), listed(coded(v.EXPLOITATION))),
                ROUTE,
                IDENTIFICATION,
            ),
        ),
        Part(gettext_lazy("Permits in the sending country"), (PERMITS,)),
        Part(
            gettext_lazy("What is asked"),
            (
                Member("urgency", gettext_lazy("Urgency"), coded(v.URGENCY)),
                Member("requested_actions", gettext_lazy("Cooperation requested"), listed(coded(v.REQUESTED_ACTION))),
                Member("summary", gettext_lazy("Summary"), long=True),
            ),
        ),
        Part(gettext_lazy("Consent given in the sending country"), (CONSENT,)),
        _references(),
    )
)

IDENTITY_VERIFICATION_REQUEST = Renderer(
    (
        Part(
            gettext_lazy("Identity to verify"),
            (IDENTITY, Member("asylum_seeker", gettext_lazy("Applicant for international protection"), yes_no)),
        ),
        Part(
            gettext_lazy("Documents"),
            (
                Each(
                    "documents",
                    lambda item: v.label(v.DOCUMENT, item.get("kind", "")),
                    _document,
                    frozenset({"kind", "number", "issuing_country", "expiry_date"}),
                ),
                Each(
                    "document_copies",
                    lambda item: v.label(v.DOCUMENT, item.get("kind", "")),
                    _copy,
                    frozenset({"kind", "media_type", "data"}),
                ),
            ),
        ),
        Part(
            gettext_lazy("What is asked"),
            (Member("travel_document_needed", gettext_lazy("A travel document is needed"), yes_no), DUE_DATE),
        ),
        _references(),
    )
)

IDENTITY_VERIFICATION_RESPONSE = Renderer(
    (
        Part(
            gettext_lazy("Identity verification"),
            (
                Member("outcome", gettext_lazy("Outcome"), coded(v.VERIFICATION_OUTCOME)),
                Member("verified_nationality", gettext_lazy("Verified nationality"), country),
                Member("travel_document_possible", gettext_lazy("A travel document can be issued"), yes_no),
                REMARKS,
            ),
        ),
        ANSWER_REFS,
    )
)

RISK_ASSESSMENT_REQUEST = Renderer(
    (
        Part(
            gettext_lazy("Risk and security assessment requested"),
            (
                Member("topics", gettext_lazy("Topics"), listed(coded(v.RISK_TOPIC))),
                IS_CHILD,
                Member("home_locality", gettext_lazy("Home locality")),
                DUE_DATE,
            ),
        ),
        _references(),
    )
)

RISK_ASSESSMENT_RESPONSE = Renderer(
    (
        Part(
            gettext_lazy("Risk and security assessment"),
            (
                Member("overall_risk", gettext_lazy("Overall risk"), coded(v.RISK)),
                Member("retaliation_risk", gettext_lazy("Risk of retaliation"), coded(v.RISK)),
                Member("trafficker_links", gettext_lazy("Links to traffickers"), coded(v.TRAFFICKER_LINKS)),
                Member("family_environment", gettext_lazy("Family environment"), long=True),
                Member("recommendation", gettext_lazy("Recommendation"), coded(v.RECOMMENDATION)),
                Member("assessed_on", gettext_lazy("Assessed on"), date),
                REMARKS,
            ),
        ),
        ANSWER_REFS,
    )
)

FAMILY_TRACING_REQUEST = Renderer(
    (
        Part(
            gettext_lazy("Family tracing requested"),
            (
                Each(
                    "family_members",
                    lambda item: v.label(v.RELATIONSHIP, item.get("relationship", "")),
                    _relative,
                    frozenset({"relationship", "family_name", "given_names", "last_known_locality"}),
                ),
                IS_CHILD,
                DUE_DATE,
            ),
        ),
        _references(Member("guardian_ref", gettext_lazy("Reference of the child's guardian"))),
    )
)

FAMILY_TRACING_RESPONSE = Renderer(
    (
        Part(
            gettext_lazy("Family assessment"),
            (
                Member("outcome", gettext_lazy("Outcome of the tracing"), coded(v.TRACING_OUTCOME)),
                Member("caregiver_willing", gettext_lazy("The caregiver agrees to care for the child"), yes_no),
                Member("caregiver_able", gettext_lazy("The caregiver is able to care for the child"), yes_no),
                Member("safety_concerns", gettext_lazy("Safety concerns"), coded(v.SAFETY_CONCERNS)),
                Member("assessment_summary", gettext_lazy("Assessment"), long=True),
                Member("assessed_on", gettext_lazy("Assessed on"), date),
                IS_CHILD,
            ),
        ),
        ANSWER_REFS,
    )
)

REFERRAL_OFFER = Renderer(
    (
        Part(
            gettext_lazy("What is asked"),
            (
                Member("services", gettext_lazy("Services requested"), listed(coded(v.SERVICE))),
                Member("needs_summary", gettext_lazy("Needs"), long=True),
                Member("respond_by", gettext_lazy("Answer needed by"), date),
            ),
        ),
        Part(
            gettext_lazy("Health"),
            (HEALTH, Member("health_consent", gettext_lazy("Shared with the person's explicit consent"), yes_no)),
        ),
        Part(
            gettext_lazy("Travel and reception"),
            (TRAVEL, Member("reception_contact", gettext_lazy("Reception contact"))),
        ),
        _references(),
    )
)

REFERRAL_ACCEPT = Renderer(
    (
        Part(
            gettext_lazy("Referral accepted"),
            (
                Member("accepted_services", gettext_lazy("Services accepted"), listed(coded(v.SERVICE))),
                Member("reception_organisation", gettext_lazy("Receiving organisation")),
                Member("reception_contact", gettext_lazy("Reception contact")),
            ),
        ),
        ANSWER_REFS,
    )
)

REFERRAL_DECLINE = Renderer(
    (
        Part(
            gettext_lazy("Referral declined"),
            (
                Member("reason", gettext_lazy("Reason"), coded(v.DECLINE_REASON)),
                Member("reason_text", gettext_lazy("Explanation"), long=True),
            ),
        ),
        _references(),
    )
)

REFERRAL_WITHDRAW = Renderer(
    (
        Part(
            gettext_lazy("Referral withdrawn"),
            (
                Member("offer_id", gettext_lazy("Offer withdrawn"), message),
                Member("reason", gettext_lazy("Reason"), coded(v.WITHDRAW_REASON)),
                Member("reason_text", gettext_lazy("Explanation"), long=True),
            ),
        ),
        _references(),
    )
)

RETURN_ARRANGEMENTS = Renderer(
    (
        Part(
            gettext_lazy("Return arrangements"),
            (
                TRAVEL,
                Member("travel_document", gettext_lazy("Travel document"), coded(v.TRAVEL_DOCUMENT)),
                Member("reception_organisation", gettext_lazy("Receiving organisation")),
                Member("voluntary", gettext_lazy("The person asked for or agreed to the return"), yes_no),
                Member("risk_assessment_ref", gettext_lazy("Relies on"), message),
            ),
        ),
        _references(),
    )
)

ARRIVAL_CONFIRMATION = Renderer(
    (
        Part(
            gettext_lazy("Arrival"),
            (
                Member("arrived_on", gettext_lazy("Arrived on"), date),
                Member("received_by", gettext_lazy("Received by")),
                REMARKS,
            ),
        ),
        ANSWER_REFS,
    )
)

POST_RETURN_REPORT = Renderer(
    (
        Part(
            gettext_lazy("Post-return report"),
            (
                Member("months_after_return", gettext_lazy("After return"), months),
                Member("reintegration_status", gettext_lazy("Reintegration"), coded(v.REINTEGRATION)),
                Member("re_trafficking_alert", gettext_lazy("Re-trafficking alert"), yes_no),
                Member(
                    "services_received",
                    gettext_lazy("Services received"),
                    listed(coded(v.SERVICE), empty=gettext_lazy("No services")),
                ),
                REMARKS,
            ),
        ),
        ANSWER_REFS,
    )
)

CASE_CLOSURE = Renderer(
    (
        Part(
            gettext_lazy("Case closed"),
            (
                Member("reason", gettext_lazy("Reason for closure"), coded(v.CLOSURE_REASON)),
                Member("closed_on", gettext_lazy("Closed on"), date),
                Member("retain_until", gettext_lazy("The sender keeps its record until"), date),
            ),
        ),
        _references(),
    )
)

CONSENT_WITHDRAWN = Renderer(
    (
        Part(
            gettext_lazy("Consent withdrawn"),
            (
                Member("withdrawn_on", gettext_lazy("Withdrawn on"), date),
                Member("instruction", gettext_lazy("Instruction"), coded(v.ERASE_INSTRUCTION)),
                Member("scope", gettext_lazy("What to erase"), coded(v.ERASE_SCOPE)),
                Member("message_ids", gettext_lazy("Messages to erase"), listed(message)),
            ),
        ),
        _references(),
    )
)

URGENT_ALERT = Renderer(
    (
        Part(
            gettext_lazy("Urgent alert"),
            (
                Member("alert_kind", gettext_lazy("Alert"), coded(v.ALERT)),
                IS_CHILD,
                Member("last_seen_on", gettext_lazy("Last seen on"), date),
                Member("last_seen_country", gettext_lazy("Last seen in"), country),
                Member("description", gettext_lazy("Description"), long=True),
                Member("contact_point", gettext_lazy("Contact point")),
            ),
        ),
        _references(),
    )
)

ROUTE_ALERT = Renderer(
    (
        Part(
            gettext_lazy("Alert along the route"),
            (
                Member("alert_kind", gettext_lazy("Alert"), coded(v.ALERT)),
                IS_CHILD,
                Member("age_band", gettext_lazy("Age"), coded(v.AGE_BAND)),
                Member("gender", gettext_lazy("Gender"), coded(v.GENDER)),
                Member("last_seen_on", gettext_lazy("Last seen on"), date),
                Member("last_seen_country", gettext_lazy("Last seen in"), country),
                Member("description", gettext_lazy("Description"), long=True),
                Member("contact_point", gettext_lazy("Contact point")),
                Member("countries_alerted", gettext_lazy("Countries alerted"), listed(country)),
            ),
        ),
        Part(gettext_lazy("Identity"), (IDENTITY,)),
        _references(
            Member("alert_id", gettext_lazy("Alert reference"), alert_ref),
            Member("police_report_ref", gettext_lazy("Police report reference")),
        ),
    )
)

ROUTE_ALERT_ACK = Renderer(
    (
        Part(
            gettext_lazy("Alert acknowledged"),
            (
                Member("acknowledged_at", gettext_lazy("Acknowledged at"), timestamp),
                Member("action", gettext_lazy("Action taken"), coded(v.ALERT_ACTION)),
                Member("contact_point", gettext_lazy("Contact point")),
                REMARKS,
            ),
        ),
        _references(Member("alert_id", gettext_lazy("Alert reference"), alert_ref)),
    )
)

GUARDIAN_HANDOVER = Renderer(
    (
        Part(
            gettext_lazy("The child's guardian"),
            (
                Nested(
                    "guardian",
                    (
                        Member("kind", gettext_lazy("Kind"), coded(v.GUARDIAN_KIND)),
                        Member("name", gettext_lazy("Name")),
                        Member("organisation", gettext_lazy("Organisation")),
                        Member("decision_ref", gettext_lazy("Appointment decision reference")),
                        Member("appointed_on", gettext_lazy("Appointed on"), date),
                        Member("contact", gettext_lazy("Contact")),
                    ),
                ),
            ),
        ),
        Part(
            gettext_lazy("Best interests"),
            (
                Nested(
                    "best_interests",
                    (
                        Member("kind", gettext_lazy("Kind"), coded(v.BEST_INTERESTS_KIND)),
                        Member("decided_on", gettext_lazy("Date"), date),
                        Member("durable_solution", gettext_lazy("Durable solution"), coded(v.DURABLE_SOLUTION)),
                        Member("child_views_heard", gettext_lazy("The child's views were heard"), yes_no),
                        Member("summary", gettext_lazy("Summary"), long=True),
                    ),
                ),
                IS_CHILD,
                Member("handed_over_on", gettext_lazy("Handed over on"), date),
            ),
        ),
        _references(),
    )
)

INFORMATION_REQUEST = Renderer(
    (
        Part(
            gettext_lazy("Question"),
            (
                Member("question", gettext_lazy("Question"), long=True),
                Member("topics", gettext_lazy("About"), listed(coded(v.QUESTION_TOPIC))),
            ),
        ),
        _references(),
    )
)

INFORMATION_RESPONSE = Renderer(
    (Part(gettext_lazy("Answer"), (Member("answer", gettext_lazy("Answer"), long=True),)), ANSWER_REFS)
)


PROCEEDING_OUTCOME = Renderer(
    (
        Part(
            gettext_lazy("Criminal proceedings"),
            (
                Member("outcome", gettext_lazy("Outcome"), coded(v.PROCEEDING_OUTCOME)),
                Member("decided_on", gettext_lazy("Decided on"), date),
                Member("stage", gettext_lazy("Stage"), coded(v.PROCEEDING_STAGE)),
                Member("person_role", gettext_lazy("The person's part"), coded(v.PERSON_ROLE)),
                Member("testimony_expected", gettext_lazy("Expected to testify"), yes_no),
                Member("next_hearing_on", gettext_lazy("Next hearing"), date),
                REMARKS,
            ),
        ),
        _references(Member("proceeding_ref", gettext_lazy("Reference of the proceedings"))),
    )
)


def _payment(item: Mapping[str, Any], known: Known) -> str:
    return str(item.get("amount", ""))


COMPENSATION_CLAIM = Renderer(
    (
        Part(
            gettext_lazy("Compensation claim"),
            (
                Member("claim_ref", gettext_lazy("Claim reference of the assisting country")),
                Member("currency", gettext_lazy("Currency"), currency),
                Member("amount_claimed", gettext_lazy("Amount claimed")),
                Member("submitted_on", gettext_lazy("Submitted on"), date),
                Member("crime_country", gettext_lazy("Country where the crime happened"), country),
                Member("back_pay", gettext_lazy("Includes back pay for labour exploitation"), yes_no),
                Member("deciding_authority", gettext_lazy("Deciding authority")),
                Member("proceeding_ref", gettext_lazy("Proceeding reference")),
            ),
        ),
        ANSWER_REFS,
    )
)

COMPENSATION_CLAIM_ANSWER = Renderer(
    (
        Part(
            gettext_lazy("Decision and payments"),
            (
                Member("outcome", gettext_lazy("State of the claim"), coded(v.CLAIM_OUTCOME)),
                Member("currency", gettext_lazy("Currency"), currency),
                Member("decided_on", gettext_lazy("Decided on"), date),
                Member("amount_awarded", gettext_lazy("Amount awarded")),
                Each(
                    "payments",
                    lambda item: _("Paid on %(date)s") % {"date": date_label(str(item.get("paid_on", "")))},
                    _payment,
                    frozenset({"paid_on", "amount"}),
                ),
                Member("ended_on", gettext_lazy("Ended on"), date),
            ),
        ),
        _references(
            RECEIVER_CASE_REF,
            Member("claim_ref", gettext_lazy("Claim reference of the assisting country")),
            Member("decider_claim_ref", gettext_lazy("Claim reference of the deciding country")),
        ),
    )
)

GROUP_REFERENCE = Renderer(
    (
        Part(
            gettext_lazy("Group"),
            (
                Member("group_ref", gettext_lazy("Shared group reference")),
                Member("group_kind", gettext_lazy("Kind of group"), coded(v.GROUP_KIND)),
                Member("sector", gettext_lazy("Sector"), coded(v.SECTOR)),
                Member("country", gettext_lazy("Country where it operates"), country),
            ),
        ),
        ANSWER_REFS,
    )
)


def renderer_of(type_: str) -> Renderer | None:
    """The renderer the type's ``Kind`` declares (``kinds.KINDS``), or None for a type about no case."""
    from trm.transnational.kinds import KINDS  # the kinds name the renderers above

    kind = KINDS.get(type_)
    return kind.renderer if kind is not None else None


def render(type_: str, body: Mapping[str, Any], known: Known | None = None) -> list[Section]:
    """The body of a message of ``type_`` as sections; a type without a renderer shows nothing."""
    renderer = renderer_of(type_)
    return renderer.render(body, known) if renderer is not None else []


def summary(type_: str, keys: Sequence[str], body: Mapping[str, Any]) -> str:
    """One line of these members' values, as labels (``Low · Return possible``)."""
    renderer = renderer_of(type_)
    values = []
    for key in keys:
        value = body.get(key)
        if value in (None, "", []):
            continue
        item = renderer.item(key) if renderer is not None else None
        if item is None:
            values.append(str(value))
        else:
            values.extend(row.value for row in item.rows({key: value}, Known()))
    return " · ".join(values)


# --- the envelope ---------------------------------------------------------------------------------------


def basis_rows(envelope: Mapping[str, Any]) -> list[Row]:
    """The envelope's purpose, legal basis and safeguard reference, as labels."""
    rows = []
    if envelope.get("legal_basis"):
        rows.append(Row(_("Legal basis"), v.label(v.LEGAL_BASIS, envelope["legal_basis"])))
    if envelope.get("purpose"):
        rows.append(Row(_("Purpose"), v.label(v.PURPOSE, envelope["purpose"])))
    if envelope.get("consent_ref"):
        rows.append(Row(_("Consent reference of the sending country"), str(envelope["consent_ref"])))
    if envelope.get("best_interests_ref"):
        rows.append(Row(_("Best-interests reference of the sending country"), str(envelope["best_interests_ref"])))
    return rows


def handling_rows(codes: Sequence[str] | None, text: str | None = "") -> list[Row]:
    """Each handling code with what it restricts (H2 when none is named), and the written conditions."""
    rows = [Row(code, v.label(v.HANDLING, code)) for code in codes or ["H2"]]
    if text:
        rows.append(Row(_("Conditions"), text, long=True))
    return rows


# --- a received referral, for the person who decides -------------------------------------------------


@dataclass(frozen=True)
class Brief:
    """What a received referral tells and asks, in the order a decision needs it."""

    sections: list[Section]
    respond_by: dt.date | None = None
    overdue: bool = False


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def referral_brief(link: Link, *, today: dt.date) -> Brief:
    """Who the person is, what happened, what is asked, on which legal basis and under which restrictions.

    Built from the conversation's first case notification and referral offer received (either
    may be missing: an offer can arrive first); only what the sending country shared.
    """
    first_notification = history.first_envelope(link, "case_notification")
    first_offer = history.first_envelope(link, "referral_offer")
    notification, offer = first_notification.get("body", {}), first_offer.get("body", {})
    note, off, known = CASE_NOTIFICATION, REFERRAL_OFFER, Known()

    who = note.rows(("is_child", "age_band", "gender", "nationality", "languages", "identity"), notification, known)
    if "is_child" not in notification:
        who.insert(0, Row(_("Child"), yes_no(link.is_child, known)))
    happened = note.rows(("exploitation_types", "route", "identification", "permits"), notification, known)
    asked = [
        *off.rows(("services",), offer, known),
        *note.rows(("requested_actions", "urgency"), notification, known),
        *off.rows(("needs_summary", "health"), offer, known),
        *note.rows(("summary",), notification, known),
        *off.rows(("travel_plan", "reception_contact"), offer, known),
    ]
    respond_by = _day(offer.get("respond_by"))
    if respond_by is not None:
        when = _("%(date)s (%(countdown)s)") % {
            "date": date_label(respond_by),
            "countdown": countdown(respond_by, today),
        }
        asked.append(Row(_("Answer needed by"), when))

    basis = basis_rows(first_notification or first_offer) + note.rows(("consent",), notification, known)
    handling = handling_rows(link.handling_codes, link.handling_text)

    parts = [
        (_("Who the person is"), who),
        (_("What happened"), happened),
        (_("What is asked"), asked),
        (_("Legal basis"), basis),
        (_("Handling restrictions"), handling),
    ]
    return Brief(
        sections=[Section(title, tuple(rows)) for title, rows in parts if rows],
        respond_by=respond_by,
        overdue=respond_by is not None and respond_by < today,
    )
