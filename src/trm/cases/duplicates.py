"""The duplicate warning at detection: does this person already have a case?

A match is the same keyed hash of the full name and the same date of birth (decrypted for the
few persons with that name hash only; the date is never filtered on in SQL), or the same keyed
hash of a document number. The answer is split by what the user may see:

- the matching cases the user may see (through access.visible_cases): named and linked;
- whether any matching case lies outside the user's reach: a yes or no, nothing else. No
  reference, no count, no state: the page then only tells the user to contact the focal point.

The check reads no more than the hashes and the candidates' dates of birth, and writes one audit
entry with field names and counts of what the user was shown (never the hidden part).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from trm.audit.events import Action
from trm.audit.record import record
from trm.cases.access import visible_cases
from trm.cases.casework import document_key, name_key
from trm.cases.models import Case, Person

# More persons than this with the same name hash are not decrypted one by one (a common name
# without a date of birth would otherwise read many rows): only the document number then counts.
MAX_NAME_CANDIDATES = 50


@dataclass(frozen=True)
class Matches:
    visible: list[Case] = field(default_factory=list)
    elsewhere: bool = False  # a matching case the user may not see exists; nothing more is said

    def __bool__(self) -> bool:
        return bool(self.visible) or self.elsewhere


def _persons(
    given_name: str, family_name: str, date_of_birth: dt.date | None, documents: Iterable[dict[str, str]]
) -> set[int]:
    found: set[int] = set()
    nk = name_key(given_name, family_name)
    if nk and date_of_birth is not None:
        candidates = list(Person.objects.filter(name_index=nk).only("pk", "date_of_birth")[: MAX_NAME_CANDIDATES + 1])
        if len(candidates) <= MAX_NAME_CANDIDATES:
            found |= {p.pk for p in candidates if p.date_of_birth == date_of_birth}
    dk = document_key(documents)
    if dk:
        found |= set(Person.objects.filter(document_index=dk).values_list("pk", flat=True)[:MAX_NAME_CANDIDATES])
    return found


def find(
    user: Any,
    *,
    given_name: str = "",
    family_name: str = "",
    date_of_birth: dt.date | None = None,
    documents: Iterable[dict[str, str]] = (),
) -> Matches:
    """The cases of an already recorded person with this name and date of birth, or this document."""
    persons = _persons(given_name, family_name, date_of_birth, list(documents))
    if not persons:
        return Matches()
    mine = visible_cases(user).filter(person_id__in=persons)
    visible = list(mine.order_by("-created_at")[:10])
    elsewhere = Case.objects.filter(person_id__in=persons).exclude(pk__in=mine.values("pk")).exists()
    record(
        user,
        Action.READ,
        object_type="cases.person",
        object_ref="duplicate-check",
        fields=["name_index", "date_of_birth", "document_index"],
        note=f"{len(visible)} shown",
    )
    return Matches(visible=visible, elsewhere=elsewhere)
