from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from tests.cases.builders import detect
from tests.exchange.shell_support import PEER, Net, setup_network
from tests.factories import make_org, make_user
from trm.accounts.roles import Role
from trm.cases import consent
from trm.cases.models import ConsentPurpose
from trm.exchange import inbox, protocol
from trm.exchange.models import InboxMessage, OutboxMessage


@dataclass
class Two:
    """This node (SE) with a focal point, and the peer node xk.nrm on the test trust list."""

    net: Net
    focal: Any
    responder: Any

    def case(self, *, consented: bool = True, **overrides: Any) -> Any:
        case = detect(self.focal, **overrides)
        if consented:
            consent.give(case, purpose=ConsentPurpose.TRANSNATIONAL, language="ro", by=self.focal)
        return case

    def child_case(self, *, with_best_interests: bool = True) -> Any:
        case = detect(self.focal, date_of_birth=timezone.localdate().replace(year=timezone.localdate().year - 13))
        if with_best_interests:
            casework_bi(case, self.focal)
        return case

    def receive(self, type_: str, body: dict[str, Any], *, conversation: uuid.UUID, **extra: Any) -> None:
        """The peer sends us a message; it is stored and handled as the worker would."""
        message = protocol.build(
            type_,
            sender=PEER,
            recipient=self.net.us,
            body=body,
            message_id=uuid.uuid4(),
            conversation=conversation,
            now=timezone.now(),
            purpose=extra.pop("purpose", "assistance"),
            legal_basis=extra.pop("legal_basis", "consent"),
            consent_ref=extra.pop("consent_ref", "CONSENT-7"),
            **extra,
        )
        answer = inbox.receive(self.net.seal(message).encode())
        assert answer.status == 200
        inbox.process_received()

    def net_inbox(self, type_: str) -> InboxMessage:
        """The latest message of this type this node received."""
        return InboxMessage.objects.filter(type=type_).order_by("-received_at", "-id").first()

    def sent(self, type_: str | None = None) -> list[OutboxMessage]:
        rows = OutboxMessage.objects.order_by("created", "id")
        return list(rows.filter(type=type_) if type_ else rows)


def casework_bi(case: Any, by: Any) -> None:
    from trm.cases import children

    children.record_best_interests(case, by=by, kind="assessment", decided_on=timezone.localdate())


@pytest.fixture
def two(db):
    net = setup_network()
    org = make_org(name="Coordinator's office SE")
    return Two(net=net, focal=make_user(Role.FOCAL_POINT, org=org), responder=make_user(Role.FIRST_RESPONDER, org=org))
