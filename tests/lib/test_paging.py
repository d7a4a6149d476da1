from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.cases.builders import World
from tests.factories import verified_client
from trm.cases.models import Case
from trm.demo.synthetic_cases import bulk_cases
from trm.lib import paging
from trm.lib.paging import BoundedPaginator

ROWS = list(range(120))


def test_it_counts_exactly_and_pages_like_django_below_the_bound():
    paginator = BoundedPaginator(ROWS[:30], 10, bound=50)
    assert (paginator.count, paginator.capped, paginator.num_pages) == (30, False, 3)
    page = paginator.get_page(3)
    assert list(page) == list(range(20, 30))
    assert not page.has_next() and page.has_previous()


def test_it_stops_counting_past_the_bound_and_still_pages_to_the_end():
    paginator = BoundedPaginator(ROWS, 10, bound=50)
    assert paginator.capped and paginator.count == 51
    seen = []
    page = paginator.get_page(1)
    while True:
        seen.extend(page)
        if not page.has_next():
            break
        page = paginator.get_page(page.next_page_number())
    assert seen == ROWS
    assert page.number == 12 and page.start_index() == 111 and page.end_index() == 120


def test_a_page_past_the_end_of_a_capped_list_gives_the_last_page():
    paginator = BoundedPaginator(ROWS, 10, bound=50)
    assert paginator.get_page(13).number == 12
    assert paginator.get_page(9999).number == 12
    assert paginator.get_page("nonsense").number == 1


def test_pages_deeper_than_max_rows_are_not_served():
    paginator = BoundedPaginator(ROWS, 10, bound=50, max_rows=80)
    last = paginator.get_page(500)
    assert last.number == 8 and list(last) == list(range(70, 80))
    assert not last.has_next()


@pytest.fixture
def world(db):
    return World()


def test_it_counts_a_queryset_with_a_limited_subquery_and_pages_through_every_row(world):
    bulk_cases(30, seed=5, owner_org=world.ngo, created_by=world.responder)
    qs = Case.objects.order_by("-created_at", "-id")
    paginator = BoundedPaginator(qs, 7, bound=10)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.capped
    assert len(queries) == 1 and "LIMIT 11" in queries[0]["sql"].upper()
    seen, number = [], 1
    while True:
        page = paginator.get_page(number)
        seen.extend(c.pk for c in page)
        if not page.has_next():
            break
        number = page.next_page_number()
    assert seen == list(qs.values_list("pk", flat=True))


def test_the_case_list_says_more_than_the_bound_and_pages_on(world, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_BOUND", 30)
    bulk_cases(60, seed=6, owner_org=world.ngo, created_by=world.responder)
    client = verified_client(world.focal)
    page = client.get("/cases/").content.decode()
    assert "More than 30 cases" in page and "Page 1<" in page and 'rel="next"' in page
    page = client.get("/cases/?page=3").content.decode()
    assert "Page 3<" in page and 'rel="prev"' in page and 'rel="next"' not in page
    monkeypatch.setattr(paging, "COUNT_BOUND", 1000)
    page = client.get("/cases/?page=2").content.decode()
    assert "60 cases" in page and "Page 2 of 3" in page
