"""The one exception to the firewall: support data shown to the criminal track on the person's consent.

``grant`` needs a consent in force for the ``criminal_proceedings`` purpose and a manager of
the case who is not on the criminal track; it is audited, and so is every case page read
under it (``sections.case_proceedings``). The exception ends with the consent (withdrawn or
expired: ``access.active_disclosures`` stops counting it at once) or with ``end``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trm.audit.events import Action
from trm.audit.record import record
from trm.cases import consent
from trm.cases.access import check_actor
from trm.cases.models import Case, ConsentPurpose
from trm.justice import access
from trm.justice.models import SupportDisclosure
from trm.lib.refusals import Conflict


@transaction.atomic
def grant(case: Case, *, by: Any) -> SupportDisclosure:
    check_actor(
        by,
        case,
        allowed=access.may_disclose(by, case),
        refused=_("You may not open support data to the criminal track."),
    )
    if access.disclosed_to_criminal_track(case) is not None:
        raise Conflict(_("Support data is already open to the criminal track on this case."), code="granted")
    given = consent.covering(case, purpose=ConsentPurpose.CRIMINAL)
    if given is None or given.purpose != ConsentPurpose.CRIMINAL:
        raise Conflict(
            _("The person has not consented to the use of her data for criminal proceedings."), code="no_consent"
        )
    row = SupportDisclosure(case=case, consent=given, granted_by=by, granted_at=timezone.now())
    row.full_clean()
    row.save()
    record(by, Action.DECIDE, case, fields=["support_data"], note="support data opened to the criminal track")
    return row


@transaction.atomic
def end(case: Case, *, by: Any) -> SupportDisclosure:
    check_actor(by, case, allowed=access.may_disclose(by, case), refused=_("You may not change this."))
    row = access.active_disclosures().select_for_update(of=("self",)).filter(case=case).first()
    if row is None:
        raise Conflict(_("Support data is not open to the criminal track on this case."), code="not_granted")
    row.ended_at = timezone.now()
    row.save(update_fields=["ended_at"])
    record(by, Action.DECIDE, case, fields=["support_data"], note="support data closed to the criminal track")
    return row
