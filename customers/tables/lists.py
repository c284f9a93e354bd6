"""The customer list's table (django-tables2): its columns, the cells of its body written in
Python, and which of its columns are the same on every row for a user."""

import django_tables2 as tables
from django.db import connections
from django.db.models import F
from django.db.models.functions import Collate
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from crm.scoping import reach_of, scope_for_user
from crm.selectors import staff_for_user
from customers.models import Customer
from customers.tables.columns import DASH, NOWRAP, NUMBER, money_text, percent_text

# customers/migrations/0017_name_pinyin.py: names in pinyin order (PostgreSQL's ICU).
PINYIN = "zh_pinyin"


class CustomerTable(tables.Table):
    """The customer list. Figures columns read the annotations of
    customers.selectors.customers.customers_for_user; customers without figures sort last.

    The columns declare headers, order and cell classes; the body is written by
    `body_html` from CUSTOMER_CELLS, one format string per row, without a template per cell
    (the list's Python time went to django-tables2's cell templates). `exclude` leaves out
    the columns that are the same on every row for the user (`constant_columns`)."""

    cust_no = tables.Column(
        verbose_name=_("Customer number"),
        linkify=("customers:detail", {"cust_no": tables.A("cust_no")}),
        attrs=NOWRAP,
    )
    name = tables.Column(verbose_name=_("Name"), order_by=("name", "cust_no"))
    cust_type = tables.Column(verbose_name=_("Customer type"), order_by=("cust_type", "cust_no"))
    branch = tables.Column(
        verbose_name=_("Branch"), accessor="branch__name", order_by=("branch__code", "cust_no")
    )
    manager = tables.Column(
        verbose_name=_("Manager"), accessor="manager__name", order_by=("manager__name", "cust_no")
    )
    status = tables.Column(verbose_name=_("Status"), order_by=("status", "cust_no"))
    risk_level = tables.Column(verbose_name=_("Risk level"), order_by=("risk_level", "cust_no"))
    total_assets = tables.Column(verbose_name=_("Total assets"), attrs=NUMBER)
    cash = tables.Column(verbose_name=_("Cash"), attrs=NUMBER)
    position_ratio = tables.Column(verbose_name=_("Position ratio"), attrs=NUMBER)
    last_trade_date = tables.DateColumn(verbose_name=_("Last trade"), format="Y-m-d", attrs=NOWRAP)
    last_contact_at = tables.DateTimeColumn(
        verbose_name=_("Last contact"), format="Y-m-d", attrs=NOWRAP
    )

    class Meta:
        model = Customer
        fields = (
            "cust_no",
            "name",
            "cust_type",
            "branch",
            "manager",
            "status",
            "risk_level",
            "total_assets",
            "cash",
            "position_ratio",
            "last_trade_date",
            "last_contact_at",
        )
        attrs = {"class": "table customer-list"}
        default = DASH
        empty_text = _("No customers match these filters.")
        template_name = "customers/_customer_table.html"

    def body_html(self) -> str:
        """The rows of the current page: one format string per row (a cell per column,
        with the column's classes), every value escaped by format_html."""
        columns = list(self.columns)
        # A custom field's column (customers/tables/custom_fields.py) writes its own cell.
        cells = [CUSTOMER_CELLS.get(column.name) or column.column.cell for column in columns]
        row_format = "<tr>{}</tr>".format(
            "".join(
                f"<td {_braces_doubled(column.attrs['td'].as_html())}>{{}}</td>"
                for column in columns
            )
        )
        rows = [row.record for row in self.paginated_rows]
        if not rows:
            return format_html('<tr><td colspan="{}">{}</td></tr>', len(columns), self.empty_text)
        return format_html_join(
            "\n", "{}", ((format_html(row_format, *(cell(r) for cell in cells)),) for r in rows)
        )

    # Names in pinyin order on PostgreSQL (阿强, 李四, 王五, 张三); SQLite keeps its own.
    def order_name(self, queryset, is_descending):
        name = F("name")
        if connections[queryset.db].vendor == "postgresql":
            name = Collate("name", PINYIN)
        if is_descending:
            return queryset.order_by(name.desc(), "-cust_no"), True
        return queryset.order_by(name.asc(), "cust_no"), True

    # Empty figures and never-contacted customers go last in either direction; the customer
    # number breaks ties so that pages do not overlap.
    def order_total_assets(self, queryset, is_descending):
        return _order_nulls_last(queryset, "total_assets", is_descending), True

    def order_cash(self, queryset, is_descending):
        return _order_nulls_last(queryset, "cash", is_descending), True

    def order_position_ratio(self, queryset, is_descending):
        return _order_nulls_last(queryset, "position_ratio", is_descending), True

    def order_last_trade_date(self, queryset, is_descending):
        return _order_nulls_last(queryset, "last_trade_date", is_descending), True

    def order_last_contact_at(self, queryset, is_descending):
        return _order_nulls_last(queryset, "last_contact_at", is_descending), True


def _braces_doubled(html: str) -> str:
    """`html` as literal text of a format string."""
    return html.replace("{", "{{").replace("}", "}}")


def _text(value) -> str:
    return DASH if value is None or value == "" else value


def _day(value) -> str:
    return DASH if value is None else dateformat.format(value, "Y-m-d")


def _local_day(value) -> str:
    return DASH if value is None else dateformat.format(timezone.localtime(value), "Y-m-d")


def _customer_number_link(customer) -> str:
    url = reverse("customers:detail", kwargs={"cust_no": customer.cust_no})
    return format_html('<a href="{}">{}</a>', url, customer.cust_no)


# One cell of CustomerTable per column name: the record in, its text out (escaped by
# body_html's format_html unless already safe HTML, as the link is).
CUSTOMER_CELLS = {
    "cust_no": _customer_number_link,
    "name": lambda customer: _text(customer.name),
    "cust_type": lambda customer: _text(customer.get_cust_type_display()),
    "branch": lambda customer: _text(customer.branch.name),
    "manager": lambda customer: _text(customer.manager.name if customer.manager else None),
    "status": lambda customer: _text(customer.get_status_display()),
    "risk_level": lambda customer: _text(customer.get_risk_level_display()),
    "total_assets": lambda customer: money_text(customer.total_assets),
    "cash": lambda customer: money_text(customer.cash),
    "position_ratio": lambda customer: percent_text(customer.position_ratio),
    "last_trade_date": lambda customer: _day(customer.last_trade_date),
    "last_contact_at": lambda customer: _local_day(customer.last_contact_at),
}


def constant_columns(user) -> tuple[str, ...]:
    """The columns of CustomerTable that show the same value on every row for `user`, from
    the user's scope (crm/scoping.py) rather than from the rows: a branch manager's
    customers are all of their branch; a broker's are all theirs, and of their own branch
    unless one of them is served across branches (one indexed EXISTS tells)."""
    reach = reach_of(user)
    if reach.everything or reach.nothing:
        return ()
    if reach.branch_id:
        return ("branch",)
    constant = ("manager",) if not reach.team_id else ()
    staff = staff_for_user(user)
    elsewhere = scope_for_user(user, Customer.objects.exclude(branch_id=staff.branch_id))
    if not elsewhere.exists():
        constant = ("branch", *constant)
    return constant


def _order_nulls_last(queryset, field: str, descending: bool):
    column = F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
    return queryset.order_by(column, "cust_no")
