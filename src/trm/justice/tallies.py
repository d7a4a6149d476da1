"""Investigations, prosecutions and convictions by form of exploitation, for the statistics.

A proceeding counts once as an investigation (the year it opened), once more as a
prosecution when charged and as a conviction when a judgment convicts, under each form of
exploitation of its case (a case of two forms counts under both; "unknown" without one).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from trm.justice.models import Outcome, Proceeding
from trm.lib.tallies import Row, Tally
from trm.vocab.htcds import ExploitationType

STEPS = {
    "investigation": _("Investigations"),
    "prosecution": _("Prosecutions"),
    "conviction": _("Convictions"),
}
UNKNOWN = "unknown"


def _labels(dim: str, code: str) -> str:
    if dim == "form":
        if code in ExploitationType.values:
            return str(ExploitationType(code).label)
        return str(_("Not recorded")) if code == UNKNOWN else code
    return str(STEPS.get(code, code))


def _counts() -> Iterable[Row]:
    out: Counter[tuple[str, ...]] = Counter()
    rows = Proceeding.objects.values_list("opened_on", "charged_on", "outcome", "case__exploitation_types")
    for opened_on, charged_on, outcome, forms in rows.iterator(chunk_size=5000):
        steps = ["investigation"]
        if charged_on is not None:
            steps.append("prosecution")
        if outcome == Outcome.CONVICTED:
            steps.append("conviction")
        for form in [f for f in (forms or "").split("|") if f] or [UNKNOWN]:
            for step in steps:
                out[(str(opened_on.year), form, step)] += 1
    return list(out.items())


TALLY = Tally(
    name="justice.proceedings",
    title=_("Investigations, prosecutions and convictions by form of exploitation"),
    dims=("form", "step"),
    labels=_labels,
    counts=_counts,
    order=40,
    dim_titles={"form": _("Form of exploitation"), "step": _("Step")},
)
