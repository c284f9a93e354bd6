"""The one paging policy of every paged table (django-tables2 reads `page` and `per_page`
from the query): a page number past what a list can hold is an empty page, which
django-tables2 answers with a page it has, and a page holds 1 to MAX_PER_PAGE rows. Without
it `page=2**63` overflows the database's OFFSET and `per_page=0` divides by zero."""

from django.core.paginator import EmptyPage, Paginator
from django_tables2 import LazyPaginator

PER_PAGE = 50
MAX_PER_PAGE = 100
# Far beyond any list (a million customers are 20,000 pages), far below a 64-bit OFFSET.
MAX_PAGE = 10**6


class BoundedPages:
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


def pagination(*, lazy: bool = True, per_page: int = PER_PAGE) -> dict:
    """What a view hands django-tables2 (`table_pagination` or RequestConfig's `paginate`)."""
    paginator = BoundedLazyPaginator if lazy else BoundedPaginator
    return {"paginator_class": paginator, "per_page": per_page}
