from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from trm.audit.events import Action


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False, choices=[("", _("Any")), *Action.choices])
    object_type = forms.RegexField(label=_("Object type"), required=False, regex=r"^[a-z_.]{0,60}$")
    object_ref = forms.RegexField(label=_("Object reference"), required=False, regex=r"^[\w.-]{0,64}$")
    actor = forms.RegexField(label=_("User name"), required=False, regex=r"^[\w.@+-]{0,150}$")
