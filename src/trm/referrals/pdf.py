"""Printable referral form and receipt (WeasyPrint), built only from what may be shown.

The form is rendered from the referral's Projection (fieldsets.project), so it cannot
contain a field that was not shared. The receipt names the referral, the service, the
two organisations and the dates, and no personal data at all.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from trm.referrals import fieldsets
from trm.referrals.models import Referral


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
    """WeasyPrint must not fetch anything: the documents are self-contained."""
    raise ValueError("external resources are not loaded in referral documents")


def _context(referral: Referral) -> dict[str, Any]:
    return {
        "r": referral,
        "node_name": settings.TRM_NODE_NAME,
        "node_country": settings.TRM_COUNTRY,
        "printed_at": timezone.localtime(),
        "field_set_label": fieldsets.FIELD_SETS[referral.field_set].label,
    }


def form_html(referral: Referral, projection: fieldsets.Projection) -> str:
    return render_to_string("referrals/pdf/form.html", {**_context(referral), "projection": projection})


def receipt_html(referral: Referral) -> str:
    labels = [str(fieldsets.FIELDS[k]) for k in fieldsets.shared_keys(referral)]
    return render_to_string("referrals/pdf/receipt.html", {**_context(referral), "shared_labels": labels})


def render(html: str) -> bytes:
    from weasyprint import HTML

    return bytes(HTML(string=html, base_url=None, url_fetcher=_no_fetch).write_pdf())


def form_pdf(referral: Referral, projection: fieldsets.Projection) -> bytes:
    return render(form_html(referral, projection))


def receipt_pdf(referral: Referral) -> bytes:
    return render(receipt_html(referral))
