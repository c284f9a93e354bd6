"""The one paging policy of every paged table (django-tables2 reads `page` and `per_page`
from the query): a page number past what a list can hold is an empty page, which
django-tables2 answers with a page it has, and a page holds 1 to MAX_PER_PAGE rows. Without
it `page=2**63` overflows the database's OFFSET and `per_page=0` divides by zero.

The customer list counts its rows when that is cheap (BoundedCountPaginator: at most
COUNT_MAX rows, "more than" beyond) and says so when asked for a page it does not have
(`table_paginate`), instead of showing another page without a word.
"""

from dataclasses import dataclass
from functools import cached_property

from django.core.paginator import EmptyPage, InvalidPage, Paginator
from django.db.models import QuerySet
from django.utils.translation import gettext, ngettext
from django_tables2 import LazyPaginator

PER_PAGE = 50
MAX_PER_PAGE = 100
# Far beyond any list (a million customers are 20,000 pages), far below a 64-bit OFFSET.
MAX_PAGE = 10**6
# Rows a list counts exactly: a COUNT over a LIMIT subquery reads at most this many, so the
# count stays cheap however long the list (no COUNT(*) over a million customers per page).
COUNT_MAX = 10_000
SHOWN_PAGE_CHARS = 20  # of a page "number" repeated in the message about it


class BoundedPages(Paginator):
    """Bounds the rows per page and the page number of the paginator it comes before in a
    class's bases (Django's Paginator or django-tables2's LazyPaginator, itself a Paginator)."""

    def __init__(self, object_list, per_page, *args, **kwargs):
        super().__init__(object_list, min(max(int(per_page), 1), MAX_PER_PAGE), *args, **kwargs)

    def validate_number(self, number):
        number = super().validate_number(number)
        if number > MAX_PAGE:
            raise EmptyPage("That page number is too large")
        return number


class BoundedLazyPaginator(BoundedPages, LazyPaginator):
    """No COUNT(*) over the whole list: the pages say "more" instead of how many."""


class BoundedPaginator(BoundedPages, Paginator):
    """For lists already in memory, where counting costs nothing."""


class BoundedCountPaginator(BoundedPages, Paginator):
    """Counts the rows of `counted` (the queryset behind the table's rows) up to
    COUNT_MAX + 1. Within COUNT_MAX it pages as Django's Paginator, with the number of
    pages; beyond, it knows only that more than COUNT_MAX rows follow and pages as
    LazyPaginator does (one row past the page says whether another page follows)."""

    def __init__(self, object_list, per_page, *args, counted: QuerySet | None = None, **kwargs):
        self._counted = counted
        self._lazy_pages = None
        self.count_max = COUNT_MAX
        super().__init__(object_list, per_page, *args, **kwargs)

    @cached_property
    def count(self) -> int:
        if self._counted is None:
            return len(self.object_list)
        # The order does not change a count; without it the subquery needs no sort.
        return self._counted.order_by()[: self.count_max + 1].count()

    @property
    def exact(self) -> bool:
        return self.count <= self.count_max

    # Beyond COUNT_MAX the number of pages is unknown until a page is read, as in
    # django-tables2's LazyPaginator; Django's stubs type it as always an int.
    @property
    def num_pages(self) -> int | None:  # type: ignore[override]
        if self.exact:
            return super().num_pages
        return self._lazy_pages

    def validate_number(self, number):
        if self.exact:
            return super().validate_number(number)
        number = LazyPaginator.validate_number(self, number)
        if number > MAX_PAGE:
            raise EmptyPage("That page number is too large")
        return number

    def page(self, number):
        if self.exact:
            page = super().page(number)
            page.object_list = list(page.object_list)  # one query, not a count and a fetch
            return page
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        objects = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not objects and number > 1:
            raise EmptyPage("That page contains no results")
        self._lazy_pages = number + 1 if len(objects) > self.per_page else number
        # Django's own page factory (private, so missing from django-stubs).
        return self._get_page(objects[: self.per_page], number, self)  # type: ignore[attr-defined]


def pagination(*, lazy: bool = True, per_page: int = PER_PAGE) -> dict:
    """What a view hands django-tables2 (`table_pagination` or RequestConfig's `paginate`)."""
    paginator = BoundedLazyPaginator if lazy else BoundedPaginator
    return {"paginator_class": paginator, "per_page": per_page}


@dataclass(frozen=True)
class PageProblem:
    """Why the page asked for is not shown: `message` for the user, and the page that
    exists to offer instead (`page`, with its link text `link_text`)."""

    message: str
    page: int
    link_text: str


def table_paginate(table, request, *, per_page: int = PER_PAGE) -> PageProblem | None:
    """Page `table` (already configured for order) from the request's `page` and
    `per_page`, counting its rows as BoundedCountPaginator does. A page that is not a number
    shows the first page and says so; a page past the end shows none and says how many
    there are, with a link to the last one. Returns that problem, or None."""
    per_page = _number(request.GET.get(table.prefixed_per_page_field)) or per_page
    queryset = getattr(table.data, "data", None)
    counted = queryset if isinstance(queryset, QuerySet) else None
    raw = request.GET.get(table.prefixed_page_field, "").strip()
    number = _number(raw) if raw else 1
    if number is None:
        table.paginate(BoundedCountPaginator, per_page=per_page, page=1, counted=counted)
        shown = raw[:SHOWN_PAGE_CHARS] + ("…" if len(raw) > SHOWN_PAGE_CHARS else "")
        return PageProblem(
            message=gettext("“%(page)s” is not a page number: this is the first page.")
            % {"page": shown},
            page=1,
            link_text=gettext("Go to the first page"),
        )
    try:
        table.paginate(BoundedCountPaginator, per_page=per_page, page=number, counted=counted)
    except InvalidPage:
        paginator = table.paginator  # set before the page was asked of it
        if paginator.exact:
            last = paginator.num_pages
            message = ngettext(
                "Page %(page)s does not exist: the list has %(pages)s page.",
                "Page %(page)s does not exist: the list has %(pages)s pages.",
                last,
            ) % {"page": number, "pages": last}
            return PageProblem(message=message, page=last, link_text=gettext("Go to the last page"))
        message = gettext("Page %(page)s does not exist: the list ends before it.") % {
            "page": number
        }
        return PageProblem(message=message, page=1, link_text=gettext("Go to the first page"))
    return None


def _number(value) -> int | None:
    """A page number or size as the query gives it ("12"), or None if it is not one."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
