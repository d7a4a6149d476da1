"""Pick-lists for children on the move and for migrants met along the route.

Where the IOM Human Trafficking Case Data Standard v2.0 (CC BY 4.0, © International
Organization for Migration, <https://github.com/UNMigration/HTCDS>) has a value, the label
says so and the code keeps its meaning: its "Migration & International Protection" guidance
flags a *separated or unaccompanied child* and the *international-protection status*
(asylum seeker, refugee, complementary protection). HTCDS has no field for these in its v2.0
field list; TRM's codes are its own (lower case) and are mapped, not copied. Values marked
"TRM addition" have no HTCDS counterpart. This is no endorsement by IOM.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChildStatus(models.TextChoices):
    """Whether a child travels with a parent or caregiver (UNHCR / CRC General Comment 6 terms).

    HTCDS's guidance has one value, *Separated or Unaccompanied child*; TRM keeps the two apart,
    because a separated child is with adults whose relationship must be checked.
    """

    UNACCOMPANIED = "unaccompanied", _("Unaccompanied: with no parent, guardian or other adult caring for them")
    SEPARATED = "separated", _("Separated: without parents or usual caregiver, with other adults (e.g. relatives)")
    ACCOMPANIED = "accompanied", _("Accompanied: with a parent or the legal or customary caregiver")


class Relationship(models.TextChoices):
    """The relationship an accompanying adult claims to the child (TRM addition)."""

    PARENT = "parent", _("Parent")
    LEGAL_GUARDIAN = "legal_guardian", _("Legal guardian")
    CUSTOMARY_CAREGIVER = "customary_caregiver", _("Customary caregiver")
    SIBLING = "sibling", _("Adult sibling")
    OTHER_RELATIVE = "other_relative", _("Other relative")
    SPOUSE = "spouse", _("Spouse or partner")
    ACQUAINTANCE = "acquaintance", _("Acquaintance or travel companion")
    UNKNOWN = "unknown", _("Not stated")


# Relationships that make a child "accompanied" (the others leave it separated).
CARING_RELATIONSHIPS = (Relationship.PARENT, Relationship.LEGAL_GUARDIAN, Relationship.CUSTOMARY_CAREGIVER)


class RelationshipCheck(models.TextChoices):
    """How the claimed relationship was checked (TRM addition)."""

    DOCUMENTS = "documents", _("Identity or civil-status documents")
    REGISTRY = "registry", _("Civil registry or consular confirmation")
    SEPARATE_INTERVIEWS = "separate_interviews", _("The child and the adult interviewed separately")
    CHILD_STATEMENT = "child_statement", _("The child's own account")
    FAMILY_TRACING = "family_tracing", _("Family tracing")
    DNA = "dna", _("DNA test (last resort, with consent)")
    NOT_CHECKED = "not_checked", _("Not checked yet")


class PlacementType(models.TextChoices):
    """Where a child in care lives (TRM addition; UN Guidelines for the Alternative Care of Children)."""

    FOSTER = "foster_family", _("Foster family")
    KINSHIP = "kinship_care", _("Kinship care (with relatives)")
    SPECIALISED_SHELTER = "specialised_shelter", _("Specialised shelter for child victims")
    RESIDENTIAL = "residential_care", _("Residential care (children's home)")
    RECEPTION = "uasc_reception", _("Reception facility for unaccompanied children")
    SUPPORTED_LIVING = "supported_living", _("Supported independent living")
    EMERGENCY = "emergency_placement", _("Emergency placement")
    OTHER = "other", _("Other")


class FoundCondition(models.TextChoices):
    """How a missing person was found (TRM addition)."""

    SAFE = "safe", _("Safe and well")
    NEEDS_CARE = "needs_care", _("Needs medical or psychological care")
    EXPLOITED = "exploited", _("Found in a situation of exploitation")
    LEFT_COUNTRY = "left_country", _("Located in another country")
    DECEASED = "deceased", _("Deceased")
    UNKNOWN = "unknown", _("Not known")


class MigrationStatus(models.TextChoices):
    """The person's migration status here. HTCDS guidance: international-protection status
    (asylum seeker; refugee or complementary protection) and the irregular migrant type."""

    UNKNOWN = "unknown", _("Not known")
    IRREGULAR = "irregular", _("Irregular migrant (HTCDS: irregular)")
    APPLICANT = "applicant", _("Applicant for international protection (HTCDS: asylum seeker)")
    BENEFICIARY = (
        "beneficiary",
        _("Beneficiary of international protection (HTCDS: refugee or complementary protection)"),
    )
    OTHER = "other", _("Other (regular stay, citizen, stateless …)")


# The statuses that make a person an "asylum seeker" for the rule that their identity never
# goes to the authorities of their country of origin (Case.asylum_seeker follows this).
PROTECTION_STATUSES = (MigrationStatus.APPLICANT, MigrationStatus.BENEFICIARY)


class RoutePlaceType(models.TextChoices):
    """The kind of place on the route where the person was met (TRM addition)."""

    BORDER_CROSSING = "border_crossing", _("Border crossing point")
    GREEN_BORDER = "green_border", _("At the border, outside a crossing point")
    RECEPTION_CENTRE = "reception_centre", _("Reception centre")
    TRANSIT_CENTRE = "transit_centre", _("Transit centre")
    DETENTION_CENTRE = "detention_centre", _("Pre-removal or detention centre")
    INFORMAL_CAMP = "informal_camp", _("Informal camp or squat")
    TRANSPORT_HUB = "transport_hub", _("Station, port or airport")
    STREET = "street", _("Street or other public place")
    OTHER = "other", _("Other")
