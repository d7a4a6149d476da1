from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from trm.accounts import enrolment, login_panels, twofactor
from trm.accounts import login as login_rules
from trm.accounts.access import SignedInRequest
from trm.accounts.forms import LinkPasswordForm, LoginForm, TokenForm
from trm.audit import record
from trm.audit.events import Action

GENERIC_FAILURE = "The user name, password or authenticator code is not right, or the account is locked."


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return settings.LOGIN_REDIRECT_URL


@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            result = login_rules.attempt(
                request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                token=form.cleaned_data["otp_token"],
            )
            if result.user is not None:
                if result.needs_enrolment:
                    return redirect("accounts:two_factor_setup")
                return redirect(_next_url(request))
        form.add_error(None, _(GENERIC_FAILURE))
        status = 400
    context = {"form": form, "next": request.GET.get("next", ""), "panels": login_panels.panels_for(request)}
    return render(request, "accounts/login.html", context, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        record.record(request.user, Action.LOGOUT, request=request)
    auth_logout(request)
    messages.info(request, _("You are logged out."))
    return redirect("accounts:login")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: SignedInRequest) -> HttpResponse:
    user = request.user
    if twofactor.confirmed_device(user) is not None:
        return redirect(settings.LOGIN_REDIRECT_URL)
    device = twofactor.pending_device(user)
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid() and twofactor.confirm(request, user, form.cleaned_data["token"]):
            record.record(
                user, Action.TWO_FACTOR, object_type="accounts.user", object_ref=str(user.pk), request=request
            )
            messages.success(request, _("Two-factor login is set up."))
            return redirect(settings.LOGIN_REDIRECT_URL)
        if form.is_valid():
            form.add_error("token", _("That code is not right. Check your device's clock and try the next code."))
        status = 400
    context = {
        "form": form,
        "qr": twofactor.qr_svg_data_uri(device),
        "secret": twofactor.base32_secret(device),
    }
    return render(request, "accounts/two_factor_setup.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest, kind: str, uidb64: str, token: str) -> HttpResponse:
    """A one-time link sent to the user: choose a password (and, for ENROL, a new second factor)."""
    found = enrolment.user_for(uidb64, kind, token)
    if found is None:
        raise Http404  # malformed, used or expired: all look the same
    user, link_kind = found
    needs_code = enrolment.needs_code(user, link_kind)
    form = LinkPasswordForm(request.POST or None, needs_code=needs_code)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                enrolment.use(
                    user,
                    kind=link_kind,
                    password=form.cleaned_data["password1"],
                    code=form.cleaned_data.get("code", ""),
                    request=request,
                )
            except ValidationError as exc:
                # A wrong code names its field; the password rules' refusals are a plain list.
                form.add_error(None if hasattr(exc, "error_dict") else "password1", exc)
            else:
                if request.user.is_authenticated:
                    auth_logout(request)
                messages.success(request, _("Your password is set. Log in with it now."))
                return redirect("accounts:login")
        status = 400
    context = {"form": form, "enrol": link_kind == enrolment.Kind.ENROL}
    response = render(request, "accounts/enrol.html", context, status=status)
    response["Referrer-Policy"] = "no-referrer"  # the link's token stays out of any Referer
    return response
