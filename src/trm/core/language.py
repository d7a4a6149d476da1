"""Which language a page is in: the user's choice, else the node's language, else the browser's.

Django's ``LocaleMiddleware`` goes from the language cookie (set by the language switcher) to
the browser's Accept-Language header and then to ``LANGUAGE_CODE``. A node that declares its
language (``TRM_LANGUAGE``, e.g. ``bg`` on the Bulgarian node) opens in it whatever the
browser says; the user's choice in the switcher still wins. Without ``TRM_LANGUAGE`` the
behaviour is Django's. The JSON API keeps Django's order: a program that sends
Accept-Language asks for that language on purpose (and gets the node's without it).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

API_PREFIX = "/api/"


def chosen_language(request: HttpRequest) -> str | None:
    """The language the user chose with the switcher (its cookie), if it is one of the shipped ones."""
    code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


class NodeLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        node_language = settings.TRM_LANGUAGE
        if node_language and chosen_language(request) is None and not request.path.startswith(API_PREFIX):
            translation.activate(node_language)
            request.LANGUAGE_CODE = translation.get_language()
            return
        super().process_request(request)
