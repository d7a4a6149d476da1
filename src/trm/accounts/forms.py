from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from trm.lib.text import StrictTextForm


class LoginForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    password = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)
    otp_token = forms.CharField(
        label=_("Authenticator code"),
        required=False,
        max_length=10,
        help_text=_("Six digits from your authenticator app. Leave empty only on your first login."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("Code from your authenticator app"),
        regex=r"^\s*\d{3}\s?\d{3}\s*$",
        error_messages={"invalid": _("Enter the six digits shown by your app.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class LinkPasswordForm(StrictTextForm):
    """Choosing a password through a one-time link (and a current code, when asked)."""

    password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters; not a common password."),
    )
    password2 = forms.CharField(
        label=_("The same password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    code = forms.RegexField(
        label=_("Code from your authenticator app"),
        regex=r"^\s*\d{3}\s?\d{3}\s*$",
        required=False,
        error_messages={"invalid": _("Enter the six digits shown by your app.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, needs_code: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if needs_code:
            self.fields["code"].required = True
        else:
            del self.fields["code"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data
