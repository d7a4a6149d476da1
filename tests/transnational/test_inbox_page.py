from __future__ import annotations

import re
import uuid

from django.urls import reverse

from tests.factories import verified_client

from .test_workflows import offer_from_peer


def test_it_titles_the_inbox_in_plain_text_and_lists_the_latest_messages_once(two):
    offer_from_peer(two, uuid.uuid4())
    page = verified_client(two.focal).get(reverse("transnational:inbox")).content.decode()
    title = re.search(r"<title>(.*?)</title>", page, re.DOTALL)
    assert title is not None and "<" not in title.group(1)
    assert page.count('id="h-messages"') == 1
