"""Paging for lists that may hold a million rows: never an exact count over a large scope.

``BoundedPaginator`` is Django's ``Paginator`` with a bounded count: it counts at most
``bound + 1`` rows (``SELECT count(*) FROM (... LIMIT bound + 1)``, which stops early), so a list
shows "1,000+" instead of counting its whole scope on every request. Below the bound it is the
ordinary paginator (exact count, "page n of m"). Above it, pages still work by number up to
``max_rows`` deep (offset paging; deeper than that, narrow the filters): each page reads one
row more than it shows to know whether a next page exists. Templates use ``paginator.capped``
and ``paginator.bound`` to say "more than"; the rest of the Page API is Django's.
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet

if TYPE_CHECKING:
    # Generic in django-stubs only.
    _Page = Page[Any]
    _Paginator = Paginator[Any]
else:
    _Page = Page
    _Paginator = Paginator

COUNT_BOUND = 1000
MAX_ROWS = 10_000


class BoundedPage(_Page):
    """A page of a capped list: whether a next page exists comes from the extra row read."""

    def __init__(self, object_list: Any, number: int, paginator: BoundedPaginator, *, more: bool) -> None:
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more

    def end_index(self) -> int:
        return self.start_index() + len(self.object_list) - 1 if self.object_list else 0


class BoundedPaginator(_Paginator):
    def __init__(
        self, object_list: Any, per_page: int, *, bound: int | None = None, max_rows: int | None = None
    ) -> None:
        super().__init__(object_list, per_page)
        self.bound = COUNT_BOUND if bound is None else bound
        self.max_rows = max(MAX_ROWS if max_rows is None else max_rows, self.bound + 1)

    def _count_upto(self, limit: int) -> int:
        if isinstance(self.object_list, QuerySet):
            # Unordered: the database may stop at the first `limit` rows of whichever index it likes.
            return self.object_list.order_by()[:limit].count()
        return min(limit, len(self.object_list))

    @cached_property
    def count(self) -> int:
        """The exact number of rows up to ``bound``; ``bound + 1`` stands for "more than bound"."""
        return self._count_upto(self.bound + 1)

    @property
    def capped(self) -> bool:
        return self.count > self.bound

    @cached_property
    def num_pages(self) -> int:
        """Exact below the bound; above it, the deepest page that may be asked for."""
        if not self.capped:
            return super().num_pages
        return math.ceil(self.max_rows / self.per_page)

    def page(self, number: Any) -> _Page:
        number = self.validate_number(number)
        if not self.capped:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        more = len(rows) > self.per_page and number < self.num_pages
        return BoundedPage(rows[: self.per_page], number, self, more=more)

    def get_page(self, number: Any) -> _Page:
        """Like Django's: a bad number gives the first page, one past the end the last page."""
        try:
            number = self.validate_number(number)
        except PageNotAnInteger:
            number = 1
        except EmptyPage:
            number = self.num_pages
        try:
            return self.page(number)
        except EmptyPage:
            # Past the end of a capped list: find the real last page with a count bounded by max_rows.
            last = math.ceil(self._count_upto(self.max_rows) / self.per_page)
            return self.page(max(1, min(last, number - 1)))
