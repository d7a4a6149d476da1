from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from trm.accounts import login as login_rules
from trm.accounts import login_panels, twofactor
from trm.accounts.access import SignedInRequest
from trm.accounts.forms import LoginForm, TokenForm
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
