"""The justice app's models, one module per part; each is imported here so Django finds it."""

from trm.justice.models.compensation import Claim, Payment  # noqa: F401
from trm.justice.models.groups import Group, GroupMember, GroupShare  # noqa: F401
from trm.justice.models.perpetrators import Perpetrator as Perpetrator
from trm.justice.models.perpetrators import PerpetratorStatus as PerpetratorStatus
from trm.justice.models.proceedings import Channel as Channel
from trm.justice.models.proceedings import Hearing as Hearing
from trm.justice.models.proceedings import HearingKind as HearingKind
from trm.justice.models.proceedings import LegalAid as LegalAid
from trm.justice.models.proceedings import NonPunishment as NonPunishment
from trm.justice.models.proceedings import Outcome as Outcome
from trm.justice.models.proceedings import OutcomeNotice as OutcomeNotice
from trm.justice.models.proceedings import PersonRole as PersonRole
from trm.justice.models.proceedings import Proceeding as Proceeding
from trm.justice.models.proceedings import ProceedingQuerySet as ProceedingQuerySet
from trm.justice.models.proceedings import ProtectionMeasure as ProtectionMeasure
from trm.justice.models.proceedings import Stage as Stage
from trm.justice.models.proceedings import SupportDisclosure as SupportDisclosure
from trm.justice.models.teams import (  # noqa: F401
    JointTeam,
    SharedItem,
    TeamCase,
    TeamMember,
    TeamParty,
)
