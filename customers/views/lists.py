"""The customer list: filtered and sorted table, saved views and the CSV export.

Scoping, filters and figures come from customers.selectors and customers.filters.lists;
the views parse the request, call them and render. Out-of-scope customers never reach a
page, a count or an export because every queryset starts at `customers_for_user`.
"""

from itertools import chain

from django.conf import settings
from django.contrib import messages
from django.http import (
    Http404,
    HttpResponseBadRequest,
    JsonResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST
from django_filters.views import FilterView
from django_tables2 import RequestConfig, SingleTableMixin

from crm.csvsafe import csv_chunks
from crm.messages import messages_of_form
from crm.pagination import PER_PAGE, table_paginate
from crm.pii import personal_data
from crm.roles import may_reveal_pii
from crm.services import audit_record
from customers.custom_fields import custom_value_plain, custom_value_python
from customers.filters.lists import (
    CustomerListFilter,
    StaffSearchFilter,
    filter_params,
    filter_query,
)
from customers.forms.lists import SavedViewForm
from customers.selectors.customers import customers_for_user
from customers.selectors.lists import managers_for_user
from customers.services import lists as list_services
from customers.tables.columns import money_plain, sort_of
from customers.tables.custom_fields import custom_columns
from customers.tables.lists import CustomerTable, constant_columns

EXPORT_MAX_ROWS = 100_000
EXPORT_CHUNK = 2000
LINES_PER_WRITE = 500  # a few dozen kilobytes per write, not one write per customer
MANAGERS_FOUND = 20  # staff the manager picker lists for what was typed


class CustomerListView(SingleTableMixin, FilterView):
    table_class = CustomerTable
    filterset_class = CustomerListFilter
    template_name = "customers/customer_list.html"

    def get_queryset(self):
        return customers_for_user(self.request.user)

    @cached_property
    def constant(self) -> tuple[str, ...]:
        """The columns (and filters) that are the same on every row for this user."""
        return constant_columns(self.request.user)

    def get_table_kwargs(self):
        # The custom fields the user added as columns come after the table's own.
        return {
            **super().get_table_kwargs(),
            "exclude": self.constant,
            "extra_columns": custom_columns(self.filterset.columns_chosen()),
        }

    def get_table(self, **kwargs):
        """Sorted as the query asks; paged by crm.pagination.table_paginate, which counts up
        to COUNT_MAX rows (no COUNT(*) over a million customers) and says when the page
        asked for does not exist."""
        table = self.get_table_class()(data=self.get_table_data(), **kwargs)
        RequestConfig(self.request, paginate=False).configure(table)
        self.page_problem = table_paginate(table, self.request, per_page=PER_PAGE)
        return table

    def get(self, request, *args, **kwargs):
        """The top bar's quick search (`open=1`) opens the 360 page when exactly one customer
        in the user's scope matches; otherwise the list shows the matches."""
        if request.GET.get("open"):
            filterset = self.get_filterset(self.get_filterset_class())
            if filterset.is_valid():
                found = list(filterset.qs.values_list("cust_no", flat=True)[:2])
                if len(found) == 1:
                    _pii_search_audit(request, filterset)
                    return redirect("customers:detail", cust_no=found[0])
        return super().get(request, *args, **kwargs)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        return {
            **kwargs,
            "may_reveal": lambda: may_reveal_pii(self.request.user),
            "constant": self.constant,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        _pii_search_audit(self.request, self.filterset)
        query = filter_query(self.request.GET, custom_fields=self.filterset.custom_fields)
        problem = self.page_problem
        context.update(
            query=query,
            export_url=_with_query(reverse("customers:export"), query),
            page_info=_page_info(context["table"]),
            page_problem=problem,
            # A page past the end shows no rows, not even "no customers match".
            table_shown=hasattr(context["table"], "page"),
            page_problem_url=_page_url(self.request, problem.page) if problem else None,
            save_form=SavedViewForm(initial={"query": query}),
            filter_layout=self.filterset.field_groups(),
        )
        return context


def _pii_search_audit(request, filterset) -> dict | None:
    """Audit a search that found customers by their mobile; returns what it recorded."""
    search = filterset.pii_search()
    if search is not None:
        audit_record(
            actor=request.user, action="customer.search_pii", request=request, details=search
        )
    return search


def _with_query(url: str, query: str) -> str:
    return f"{url}?{query}" if query else url


def _page_info(table) -> dict | None:
    """Rows shown and of how many: the exact number up to COUNT_MAX, "more than" beyond."""
    page = getattr(table, "page", None)
    if page is None or not page.object_list:
        return None
    paginator = table.paginator
    start = (page.number - 1) * paginator.per_page + 1
    end = start + len(page.object_list) - 1
    # Past the counted rows, the last page still knows where the list ends.
    last = None if page.has_next() else end
    total = paginator.count if paginator.exact else last
    return {
        "start": start,
        "end": end,
        "total": None if total is None else f"{total:,}",
        "limit": f"{paginator.count_max:,}",
    }


def _page_url(request, number: int) -> str:
    """The list as it is, on page `number`."""
    query = request.GET.copy()
    query["page"] = number
    return f"?{query.urlencode()}"


@require_GET
def manager_search(request):
    """The manager picker's search (static/js/list-filters.js): the staff the list's manager
    filter offers the user, by staff code or name, as JSON; the picked one filters by id."""
    found = StaffSearchFilter(
        request.GET, queryset=managers_for_user(request.user), request=request
    )
    if not found.is_valid():
        return JsonResponse({"error": gettext("Enter a staff code or a name.")}, status=400)
    staff = list(found.qs.select_related("branch").order_by("staff_code")[: MANAGERS_FOUND + 1])
    return JsonResponse(
        {
            "results": [
                {"id": member.pk, "label": str(member), "branch": str(member.branch)}
                for member in staff[:MANAGERS_FOUND]
            ],
            "more": len(staff) > MANAGERS_FOUND,
        }
    )


# -- saved views --------------------------------------------------------------------------------


@require_POST
def saved_view_save(request):
    """Save the list's current filters under a name; the same name again replaces them."""
    form = SavedViewForm(request.POST)
    list_url = reverse("customers:list")
    if not form.is_valid():
        messages_of_form(request, form)
        return redirect(_with_query(list_url, filter_query(QueryDict(request.POST.get("query")))))
    view = list_services.saved_view_save(owner=request.user, **form.cleaned_data)
    messages.success(request, gettext("Saved the view “%(name)s”.") % {"name": view.name})
    return redirect(_with_query(list_url, view.query))


@require_POST
def saved_view_delete(request, pk: int):
    """Delete one of the user's own saved views; anybody else's is a 404."""
    view = list_services.saved_view_delete(owner=request.user, pk=pk)
    if view is None:
        raise Http404(_("No such saved view."))
    messages.success(request, gettext("Deleted the view “%(name)s”.") % {"name": view.name})
    return redirect("customers:list")


# -- export -------------------------------------------------------------------------------------


@require_GET
def customer_export(request):
    """The filtered list as CSV: the same filters and scoping as the page, personal data
    masked unless the user may reveal it, every cell safe to open in a spreadsheet."""
    revealed = may_reveal_pii(request.user)
    filterset = CustomerListFilter(
        request.GET,
        queryset=customers_for_user(request.user),
        request=request,
        may_reveal=lambda: revealed,
    )
    if not filterset.is_valid():
        return bad_request(gettext("These filters are not valid: correct them on the list."))
    # Ordered by the list's own table, so that its custom orders (figures empty last, the
    # customer number breaking ties) hold in the file as on the screen.
    columns = custom_columns(filterset.custom_fields)
    sort = sort_of(CustomerTable, request.GET.get("sort", ""), extra_columns=columns)
    customers = CustomerTable(filterset.qs, order_by=sort or None, extra_columns=columns).data.data
    limit = export_row_limit()
    # Counted before streaming, with the same query and a LIMIT one past the maximum, so the
    # count stays bounded. The audit entry is written here, before the first byte leaves: a
    # download the client aborts half-way is still audited, which recording at the end of
    # the generator would miss. The count may differ from the streamed rows only if the
    # nightly import commits in between.
    rows = customers[: limit + 1].count()
    if rows > limit:
        return bad_request(
            gettext(
                "This export has more than %(limit)s customers. Narrow the filters and try again."
            )
            % {"limit": limit}
        )
    filters = filter_params(request.GET, custom_fields=filterset.custom_fields)
    search = _pii_search_audit(request, filterset)
    if search is not None:
        # The export's entry names the search as the search's own entry does, masked.
        filters["q"] = search["term"]
    audit_record(
        actor=request.user,
        action="customers.export",
        request=request,
        details={"filters": filters, "rows": rows, "revealed": revealed},
    )
    return csv_export_response(
        customers,
        filename=f"customers-{timezone.localdate():%Y%m%d}.csv",
        revealed=revealed,
        custom_fields=filterset.custom_fields,
    )


def export_row_limit() -> int:
    return getattr(settings, "CUSTOMER_EXPORT_MAX_ROWS", EXPORT_MAX_ROWS)


def csv_export_response(
    customers, *, filename: str, revealed: bool, custom_fields=(), extra=()
) -> StreamingHttpResponse:
    """Customers as a streamed CSV download in the list export's columns: personal data as
    `revealed` says, the custom fields given, then `extra` columns, (header, cell of a row)
    pairs (a segment's "joined on")."""
    response = StreamingHttpResponse(
        _csv_stream(
            customers.iterator(chunk_size=EXPORT_CHUNK),
            revealed=revealed,
            language=translation.get_language(),
            custom_fields=custom_fields,
            extra=extra,
        ),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def bad_request(message: str) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def export_header(custom_fields=()) -> list[str]:
    """The export's header: the customer's columns, then one per custom field (its label)."""
    return [
        gettext("Customer number"),
        gettext("Name"),
        gettext("Customer type"),
        gettext("Branch"),
        gettext("Manager"),
        gettext("Status"),
        gettext("Risk level"),
        gettext("Investor class"),
        gettext("Account opened"),
        gettext("ID number"),
        gettext("Mobile"),
        gettext("Address"),
        gettext("Total assets"),
        gettext("Cash"),
        gettext("Position ratio"),
        gettext("Last trade"),
        gettext("Last contact"),
        *(field.label for field in custom_fields),
    ]


def export_row(customer, *, revealed: bool, custom_fields=()) -> list[str]:
    """One customer as CSV cells; money as plain numbers so spreadsheets can add them up,
    and so are the custom fields' numbers."""
    last_contact = customer.last_contact_at
    pii = personal_data(customer, revealed=revealed)
    return [
        customer.cust_no,
        customer.name,
        customer.get_cust_type_display(),
        f"{customer.branch.code} {customer.branch.name}",
        customer.manager.name if customer.manager else "",
        customer.get_status_display(),
        customer.risk_level,
        customer.get_investor_class_display(),
        customer.open_date.isoformat(),
        pii["id_no"],
        pii["mobile"],
        pii["address"],
        money_plain(customer.total_assets),
        money_plain(customer.cash),
        _plain(customer.position_ratio),
        customer.last_trade_date.isoformat() if customer.last_trade_date else "",
        timezone.localtime(last_contact).strftime("%Y-%m-%d %H:%M") if last_contact else "",
        *(
            custom_value_plain(field, custom_value_python(field, customer))
            for field in custom_fields
        ),
    ]


def _plain(value) -> str:
    return "" if value is None else str(value)


def _csv_stream(customers, *, revealed: bool, language: str | None, custom_fields=(), extra=()):
    # The server iterates the stream after the view has returned: keep the request's
    # language for the header and the status labels.
    with translation.override(language):
        rows = chain(
            [[*export_header(custom_fields), *(str(header) for header, _cell in extra)]],
            (
                [
                    *export_row(customer, revealed=revealed, custom_fields=custom_fields),
                    *(cell(customer) for _header, cell in extra),
                ]
                for customer in customers
            ),
        )
        yield from csv_chunks(rows, lines_per_chunk=LINES_PER_WRITE)
