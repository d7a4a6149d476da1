"""The labels of trm/1's coded values: one table per vocabulary, wire code -> label.

The codes are those of ``exchange/schemas.py``. Where TRM already names the same thing (the
HTCDS pick-lists in ``trm.vocab.htcds``, the cases app's choices), that label is reused, so a
form of exploitation or an identification status reads the same on a case page and in a
message. The send and follow-up forms take their choices from here, and
``tests/transnational/test_rendering.py`` checks that every code of every schema has a label.
A code without a label (a later revision's) is shown as it is, never dropped.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from trm.cases.models import (
    BestInterestsKind,
    ConsentGiver,
    ConsentPurpose,
    DurableSolution,
    GuardianKind,
    IdentificationState,
    PermitKind,
    RiskLevel,
)
from trm.transnational import fieldsets
from trm.vocab.htcds import ExploitationType, Gender, OrganisationType, TraffickingEventType

Label = str | Promise
Vocabulary = Mapping[str, Label]


def _exploitation() -> dict[str, Label]:
    # fieldsets.EXPLOITATION maps HTCDS values to wire codes; the first HTCDS value of a code names it.
    names: dict[str, Label] = {}
    for htcds, wire in fieldsets.EXPLOITATION.items():
        names.setdefault(wire, ExploitationType(htcds).label)
    names["other"] = ExploitationType.OTHER.label
    return names


EXPLOITATION = _exploitation()
GENDER: Vocabulary = {
    **{wire: Gender(value).label for wire, value in fieldsets.GENDER_IN.items()},
    "unknown": Gender.UNKNOWN.label,
}
AGE_BAND: Vocabulary = {
    "0-11": _("0 to 11 years"),
    "12-14": _("12 to 14 years"),
    "15-17": _("15 to 17 years"),
    "18-24": _("18 to 24 years"),
    "25-34": _("25 to 34 years"),
    "35-44": _("35 to 44 years"),
    "45-54": _("45 to 54 years"),
    "55+": _("55 years or older"),
    "unknown": _("Age unknown"),
}
RISK: Vocabulary = {
    "low": RiskLevel.LOW.label,
    "medium": RiskLevel.MEDIUM.label,
    "high": RiskLevel.HIGH.label,
    "unknown": _("Unknown"),
}
SERVICE: Vocabulary = {
    "shelter": _("Shelter"),
    "medical": _("Medical care"),
    "psychological": _("Psychological support"),
    "legal": _("Legal aid"),
    "education": _("Education"),
    "vocational": _("Vocational training"),
    "financial": _("Financial support"),
    "reintegration": _("Reintegration support"),
    "interpretation": _("Interpretation"),
    "family_reunification": _("Family reunification"),
}
URGENCY: Vocabulary = {"routine": _("Routine"), "priority": _("Priority"), "urgent": _("Urgent")}
REQUESTED_ACTION: Vocabulary = {
    "identity_verification": _("Identity and nationality verification"),
    "risk_assessment": _("Risk and security assessment"),
    "family_tracing": _("Family tracing"),
    "service_continuity": _("Continuity of services"),
    "return_arrangements": _("Return arrangements"),
}
DOCUMENT: Vocabulary = {
    "passport": _("Passport"),
    "id_card": _("Identity card"),
    "birth_certificate": _("Birth certificate"),
    "residence_permit": _("Residence permit"),
    "other": _("Other document"),
}
MEDIA_TYPE: Vocabulary = {
    "image/jpeg": _("JPEG image"),
    "image/png": _("PNG image"),
    "application/pdf": _("PDF document"),
}
HEALTH_NEED: Vocabulary = {
    "medication": _("Medication"),
    "follow_up_care": _("Follow-up care"),
    "mental_health": _("Mental health care"),
    "disability": _("Disability support"),
    "other": _("Other"),
}
RELATIONSHIP: Vocabulary = {
    "mother": _("Mother"),
    "father": _("Father"),
    "sibling": _("Sibling"),
    "grandparent": _("Grandparent"),
    "aunt_uncle": _("Aunt or uncle"),
    "other": _("Other"),
}
ROUTE_STAGE: Vocabulary = {
    "recruitment": TraffickingEventType.RECRUITMENT.label,
    "transit": TraffickingEventType.TRANSIT.label,
    "exploitation": TraffickingEventType.EXPLOITATION.label,
}
IDENTIFICATION: Vocabulary = {
    "not_decided": _("No decision yet"),
    **{
        state.value: state.label
        for state in (
            IdentificationState.RG_PENDING,
            IdentificationState.RG_POSITIVE,
            IdentificationState.RG_NEGATIVE,
            IdentificationState.IDENTIFIED,
            IdentificationState.NOT_IDENTIFIED,
        )
    },
}
PERMIT: Vocabulary = {kind.value: kind.label for kind in PermitKind}
ORGANISATION_KIND: Vocabulary = {
    "ngo": OrganisationType.NGO.label,
    "law_enforcement": OrganisationType.LAW_ENFORCEMENT.label,
    "health": OrganisationType.HEALTH.label,
    "central_government": OrganisationType.CENTRAL_GOVERNMENT.label,
    "local_government": OrganisationType.LOCAL_GOVERNMENT.label,
    "immigration": OrganisationType.IMMIGRATION.label,
    "legal": OrganisationType.LEGAL.label,
    "social_services": OrganisationType.SOCIAL_SERVICES.label,
    "labour_inspectorate": OrganisationType.LABOUR_INSPECTORATE.label,
    "prosecution": OrganisationType.PROSECUTION.label,
    "international_organisation": OrganisationType.INTERNATIONAL.label,
    "other": OrganisationType.OTHER.label,
}
CONSENT_GIVER: Vocabulary = {giver.value: giver.label for giver in ConsentGiver}
CONSENT_PURPOSE: Vocabulary = {
    purpose.value: purpose.label
    for purpose in (
        ConsentPurpose.ASSISTANCE,
        ConsentPurpose.IDENTIFICATION,
        ConsentPurpose.RETURN,
        ConsentPurpose.FAMILY_TRACING,
    )
}
VERIFICATION_OUTCOME: Vocabulary = {
    "confirmed": _("Confirmed"),
    "partially_confirmed": _("Partially confirmed"),
    "not_confirmed": _("Not confirmed"),
    "unable_to_verify": _("Unable to verify"),
}
RISK_TOPIC: Vocabulary = {
    "family_environment": _("Family environment"),
    "trafficker_links": _("Links to traffickers"),
    "retaliation_risk": _("Risk of retaliation"),
    "reintegration_services": _("Reintegration services"),
    "caregiver_capacity": _("Caregiver's capacity"),
}
TRAFFICKER_LINKS: Vocabulary = {
    "none_known": _("No known links"),
    "suspected": _("Suspected"),
    "confirmed": _("Confirmed"),
}
RECOMMENDATION: Vocabulary = {
    "return_possible": _("Return possible"),
    "return_not_advised": _("Return not advised"),
    "further_assessment_needed": _("Further assessment needed"),
}
TRACING_OUTCOME: Vocabulary = {"traced": _("Traced"), "not_traced": _("Not traced"), "in_progress": _("In progress")}
SAFETY_CONCERNS: Vocabulary = {"none": _("No concerns"), "some": _("Some"), "serious": _("Serious")}
DECLINE_REASON: Vocabulary = {
    "no_capacity": _("No capacity"),
    "not_eligible": _("Not eligible"),
    "safety": _("Safety concerns"),
    "consent_missing": _("Consent missing"),
    "other": _("Other"),
}
WITHDRAW_REASON: Vocabulary = {
    "person_declined": _("The person declined"),
    "circumstances_changed": _("Circumstances changed"),
    "duplicate": _("Duplicate"),
    "other": _("Other"),
}
TRAVEL_DOCUMENT: Vocabulary = {
    "passport": _("Passport"),
    "laissez_passer": _("Laissez-passer"),
    "emergency_travel_document": _("Emergency travel document"),
    "none_needed": _("Not needed"),
}
REINTEGRATION: Vocabulary = {
    "stable": _("Stable"),
    "progressing": _("Progressing"),
    "at_risk": _("At risk"),
    "re_trafficked": _("Re-trafficked"),
    "lost_contact": _("Lost contact"),
}
CLOSURE_REASON: Vocabulary = {
    "reintegrated": _("Reintegrated"),
    "person_request": _("At the person's request"),
    "lost_contact": _("Lost contact"),
    "transferred": _("Transferred"),
    "deceased": _("Deceased"),
    "other": _("Other"),
}
ERASE_INSTRUCTION: Vocabulary = {"erase": _("Erase the personal data received")}
ERASE_SCOPE: Vocabulary = {
    "conversation": _("Everything received in this conversation"),
    "listed_messages": _("The messages listed"),
}
ALERT: Vocabulary = {
    "immediate_danger": _("Immediate danger"),
    "missing_person": _("Missing person"),
    "missing_child": _("Missing child"),
    "re_trafficking": _("Re-trafficking"),
}
ALERT_ACTION: Vocabulary = {
    "alert_circulated": _("Alert circulated to the police and border posts"),
    "searching": _("Search under way"),
    "person_found": _("Person found"),
    "no_information": _("No information here"),
}
GUARDIAN_KIND: Vocabulary = {
    "provisional": GuardianKind.PROVISIONAL.label,
    "guardian": GuardianKind.GUARDIAN.label,
}
BEST_INTERESTS_KIND: Vocabulary = {
    "assessment": BestInterestsKind.BIA.label,
    "determination": BestInterestsKind.BID.label,
}
DURABLE_SOLUTION: Vocabulary = {
    "integration": DurableSolution.INTEGRATION.label,
    "return": DurableSolution.RETURN.label,
    "third_country": DurableSolution.THIRD_COUNTRY.label,
}
QUESTION_TOPIC: Vocabulary = {
    "identity": _("Identity"),
    "exploitation": _("What happened"),
    "needs": _("Needs"),
    "services": _("Services"),
    "safety": _("Safety"),
    "travel": _("Travel"),
    "other": _("Other"),
}
PROCEEDING_STAGE: Vocabulary = {
    "investigation": _("Investigation"),
    "prosecution": _("Prosecution"),
    "trial": _("Trial"),
    "judgment": _("Judgment"),
    "appeal": _("Appeal"),
    "closed": _("Closed"),
}
PROCEEDING_OUTCOME: Vocabulary = {
    "investigation_opened": _("Investigation opened"),
    "investigation_discontinued": _("Investigation discontinued"),
    "charged": _("Charges brought"),
    "trial_opened": _("Trial opened"),
    "convicted": _("Conviction"),
    "acquitted": _("Acquittal"),
    "appeal_lodged": _("Appeal lodged"),
    "appeal_decided": _("Appeal decided"),
    "closed": _("Proceedings closed"),
}
PERSON_ROLE: Vocabulary = {
    "injured_party": _("Injured party"),
    "witness": _("Witness"),
    "civil_party": _("Civil party"),
}

# The envelope's coded members.
PURPOSE: Vocabulary = {
    "assistance": _("Assistance"),
    "identification": _("Identification"),
    "risk_assessment": _("Risk and security assessment"),
    "family_tracing": _("Family tracing"),
    "return": _("Return"),
    "monitoring": _("Monitoring after return"),
    "protection": _("Protection"),
    "case_management": _("Case management"),
    "accountability": _("Accountability"),
    "joint_investigation": _("Joint investigation"),
}
LEGAL_BASIS: Vocabulary = {
    "consent": _("The person's consent"),
    "best_interests": _("The child's best interests"),
    "vital_interests": _("Vital interests: a life or freedom is in danger"),
    "legal_obligation": _("A legal obligation"),
    "public_task": _("A task in the public interest"),
}
HANDLING: Vocabulary = {
    "H0": _("Use only for the stated purpose"),
    "H1": _("Not to be used in court without the sender's permission"),
    "H2": _("No onward transmission without the sender's permission"),
    "H3": _("Other conditions, written out"),
}


def label(vocabulary: Vocabulary, code: object) -> str:
    """The code's label in the active language; a code the vocabulary lacks, as it is."""
    found = vocabulary.get(str(code))
    return str(found) if found is not None else str(code)


def choices(vocabulary: Vocabulary) -> list[tuple[str, Label]]:
    """The vocabulary as form choices, in its order."""
    return list(vocabulary.items())


# Compensation claims and group cases (trm/1 §5.28, §5.29): the justice part's own choices.
CLAIM_OUTCOME: Vocabulary = {
    "filed": _("Filed, not yet decided"),
    "awarded": _("Awarded"),
    "rejected": _("Rejected"),
    "paid_in_part": _("Paid in part"),
    "paid": _("Paid"),
    "written_off": _("Written off"),
}
GROUP_KIND: Vocabulary = {
    "employer": _("Employer"),
    "workplace": _("Workplace"),
    "recruiter": _("Recruiter"),
    "begging_network": _("Begging network"),
}
SECTOR: Vocabulary = {
    "agriculture": _("Agriculture and fishing"),
    "construction": _("Construction"),
    "manufacturing": _("Manufacturing"),
    "hospitality": _("Hotels, restaurants and catering"),
    "domestic_work": _("Domestic work and care"),
    "cleaning": _("Cleaning"),
    "transport": _("Transport and logistics"),
    "begging": _("Begging"),
    "sex_industry": _("Sex industry"),
    "other": _("Other"),
}
