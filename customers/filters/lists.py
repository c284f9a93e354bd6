"""The customer list's filters (django-filter) and the manager picker's search: any
combination becomes one SQL statement.

Filters on holdings are EXISTS subqueries over the positions of the latest business day
(that day is looked up first, by one index probe, so that the statement carries it as a
constant); filters on money, ratio and last trade read CustomerFigures. The queryset
handed in is already scoped (customers.selectors.customers.customers_for_user): a filter
only narrows it.
"""

import datetime
import functools
import itertools
from collections.abc import Callable
from decimal import Decimal
from urllib.parse import urlencode

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import BooleanField, F, Func, Q, Sum, TextField, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from crm.dates import years_before
from crm.pii import mask_mobile
from crm.scoping import reach_of
from customers.custom_fields import custom_field_definitions
from customers.filters.custom_fields import (
    COLUMNS_PARAM,
    custom_filter_groups,
    custom_filter_names,
    custom_filters,
)
from customers.filters.extensions import list_filter_extension_names, list_filter_extensions
from customers.models import (
    CustomerStatus,
    CustomerType,
    DailyPosition,
    InvestorClass,
    RiskLevel,
)
from customers.securities import security_search_parse
from customers.selectors.lists import (
    branches_for_user,
    latest_business_day,
    managers_for_user,
)
from customers.tables.columns import sort_of
from customers.tables.custom_fields import custom_columns
from customers.tables.lists import CustomerTable
from products.models import Security

# Query parameters that are not filters but belong to a view of the list (the sort order).
VIEW_PARAMS = ("sort",)
# Bounds of the filters that count back from today: far beyond any account (nothing is
# dated before 1900), and within what date arithmetic reaches (10**5 years is before year 1).
MAX_AGE_YEARS = 200
MAX_DAYS = MAX_AGE_YEARS * 366
SEARCH_MAX_LENGTH = 100  # customers' and securities' names are at most as long
MOBILE_LENGTH = 11  # the counter's mobiles (shared/COUNTER_EXPORTS.md)
STAFF_CODE_MAX_LENGTH = 32  # crm.models.Staff.staff_code
NAME_GRAMS_MAX_LENGTH = 2  # a name search this short uses customer_name_grams
# Customers a search by mobile found that its audit entry names (a prefix can find many).
PII_AUDIT_CUSTOMERS = 20


class IntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class StaffByBranchIterator(forms.models.ModelChoiceIterator):
    """Staff as one <optgroup> per branch, labelled as the branch filter labels the branch
    (the list's script shows only the chosen branch's group)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        staff = self.queryset.select_related("branch").order_by("branch__code", "staff_code")
        for branch, members in itertools.groupby(staff, key=lambda member: member.branch):
            yield (str(branch), [self.choice(member) for member in members])


class StaffByBranchField(forms.ModelChoiceField):
    """A member of staff by id (what the select and the picker send) or by staff code (what
    a user types into the picker's plain input when the page runs no script)."""

    iterator = StaffByBranchIterator

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError:
            code = str(value).strip()
            if "\x00" in code or len(code) > STAFF_CODE_MAX_LENGTH:
                raise
            member = self.queryset.filter(staff_code=code).first()
            if member is None:
                raise
            return member


class StaffByBranchFilter(django_filters.ModelChoiceFilter):
    field_class = StaffByBranchField


class StaffPickerInput(forms.TextInput):
    """The manager filter for a company's staff (thousands): a text input, not a select of
    every member. static/js/list-filters.js turns it into a search of `search_url`
    (customers:manager-search) that sends the chosen member's id; without the script the
    user types a staff code. `picked` is the member the filter holds, shown by code."""

    def __init__(self, *, search_url: str, attrs=None):
        super().__init__(
            {
                "autocomplete": "off",
                "class": "staff-picker",
                "data-search-url": search_url,
                "placeholder": _("Staff code or name"),
                **(attrs or {}),
            }
        )
        self.picked = None

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if self.picked is not None:
            widget = context["widget"]
            widget["value"] = self.picked.staff_code
            widget["attrs"] = {
                **widget["attrs"],
                "data-picked-id": self.picked.pk,
                "data-picked-label": str(self.picked),
            }
        return context


class StaffSearchFilter(django_filters.FilterSet):
    """The manager picker's search (customers:manager-search): the staff the manager filter
    offers the user (customers.selectors.lists.managers_for_user, handed in), by staff code
    prefix or any part of the name, optionally of one branch the user may see."""

    q = django_filters.CharFilter(method="filter_q", max_length=SEARCH_MAX_LENGTH)
    branch = django_filters.ModelChoiceFilter(queryset=lambda request: _branches(request))

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(staff_code__istartswith=value) | Q(name__icontains=value))


def _user(request):
    return getattr(request, "user", None)


def _branches(request):
    return branches_for_user(_user(request))


def _managers(request):
    return managers_for_user(_user(request))


def _industries():
    names = (
        Security.objects.exclude(industry="")
        .order_by("industry")
        .values_list("industry", flat=True)
        .distinct()
    )
    return [(name, name) for name in names]


class _NameHasGrams(Func):
    """PostgreSQL: the term (of one or two characters) is one of the name's characters or
    pairs of adjacent characters, by the GIN index over customer_name_grams(name)
    (customers/migrations/0016). For such a term that is exactly `icontains`, and, asked
    as one element, the planner estimates it from the index's statistics."""

    output_field = BooleanField()
    conditional = True

    def as_sql(self, compiler, connection, **extra_context):
        (name_sql, name_params), (term_sql, term_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        sql = f"customer_name_grams({name_sql}) @> ARRAY[UPPER({term_sql})]"
        return sql, (*name_params, *term_params)


def _name_match(term: str, *, vendor: str) -> Q:
    """Any part of the name. On PostgreSQL a term of three characters or more is found
    through the trigram index on UPPER(name) (pg_trgm), which a shorter term cannot use
    (pg_trgm takes no trigram from inside a pattern that short and would read all the
    million names): a surname (王), most Chinese names (张伟) and many a search (宏和). Such
    a term is looked up in the index of the names' characters and pairs of characters."""
    if vendor == "postgresql" and len(term) <= NAME_GRAMS_MAX_LENGTH:
        return Q(_NameHasGrams(F("name"), Value(term, output_field=TextField())))
    return Q(name__icontains=term)


def search_term_digest(term: str) -> str:
    """A keyed digest of a searched mobile, for the audit log: compliance checks whether a
    given number was searched by computing its digest, and the log never holds the number
    (a plain hash of eleven digits is undone by trying them all; this one needs the key)."""
    return salted_hmac("customers.search_pii", term, algorithm="sha256").hexdigest()


def masked_search_term(term: str) -> str:
    """A searched mobile as the audit log shows it: a full number as the page masks it, a
    prefix by its first three digits (its length stays readable)."""
    if len(term) >= MOBILE_LENGTH:
        return mask_mobile(term)
    return term[:3] + "*" * (len(term) - 3)


class CustomerListForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        wants_amount = (
            cleaned.get("holds_quantity") is not None or cleaned.get("holds_value") is not None
        )
        if wants_amount and not cleaned.get("holds"):
            self.add_error("holds", _("Enter a security to filter its quantity or market value."))
        return cleaned


class CustomerListFilter(django_filters.FilterSet):
    # No name, number or mobile is longer (and SQLite refuses a LIKE pattern past 50 KB).
    q = django_filters.CharFilter(
        label=_("Name, customer number or mobile"),
        method="filter_text",
        max_length=SEARCH_MAX_LENGTH,
    )
    branch = django_filters.ModelChoiceFilter(
        label=_("Branch"), queryset=_branches, empty_label=_("Any")
    )
    # Head office chooses among every branch's staff (a thousand and more): by branch.
    manager = StaffByBranchFilter(label=_("Manager"), queryset=_managers, empty_label=_("Any"))
    cust_type = django_filters.ChoiceFilter(
        label=_("Customer type"), choices=CustomerType.choices, empty_label=_("Any")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=CustomerStatus.choices, empty_label=_("Any")
    )
    risk_level = django_filters.ChoiceFilter(
        label=_("Risk level"), choices=RiskLevel.choices, empty_label=_("Any")
    )
    investor_class = django_filters.ChoiceFilter(
        label=_("Investor class"), choices=InvestorClass.choices, empty_label=_("Any")
    )
    assets_min = django_filters.NumberFilter(
        label=_("Total assets at least"), field_name="figures__total_assets", lookup_expr="gte"
    )
    assets_max = django_filters.NumberFilter(
        label=_("Total assets at most"), field_name="figures__total_assets", lookup_expr="lte"
    )
    cash_min = django_filters.NumberFilter(
        label=_("Cash at least"), field_name="figures__cash", lookup_expr="gte"
    )
    cash_max = django_filters.NumberFilter(
        label=_("Cash at most"), field_name="figures__cash", lookup_expr="lte"
    )
    holds = django_filters.CharFilter(
        label=_("Holds security (code or name)"),
        method="filter_holds",
        max_length=SEARCH_MAX_LENGTH,
    )
    # Read by filter_holds: on their own they filter nothing (the form says so).
    holds_quantity = django_filters.NumberFilter(
        label=_("Holding quantity at least"), method="filter_nothing", min_value=0
    )
    holds_value = django_filters.NumberFilter(
        label=_("Holding market value at least"), method="filter_nothing", min_value=0
    )
    industry = django_filters.ChoiceFilter(
        label=_("Holds an industry"),
        choices=_industries,
        empty_label=_("Any"),
        method="filter_industry",
    )
    ratio_min = django_filters.NumberFilter(
        label=_("Position ratio at least (%)"),
        method="filter_ratio",
        min_value=0,
        max_value=100,
    )
    ratio_max = django_filters.NumberFilter(
        label=_("Position ratio at most (%)"),
        method="filter_ratio",
        min_value=0,
        max_value=100,
    )
    age_min = IntegerFilter(
        label=_("Account age at least (years)"),
        method="filter_age",
        min_value=0,
        max_value=MAX_AGE_YEARS,
    )
    age_max = IntegerFilter(
        label=_("Account age at most (years)"),
        method="filter_age",
        min_value=0,
        max_value=MAX_AGE_YEARS,
    )
    no_trade_days = IntegerFilter(
        label=_("No trade for at least (days)"),
        method="filter_no_trade",
        min_value=0,
        max_value=MAX_DAYS,
    )
    no_contact_days = IntegerFilter(
        label=_("Not contacted for at least (days)"),
        method="filter_no_contact",
        min_value=0,
        max_value=MAX_DAYS,
    )

    # How the form lays the filters out: the most used in one row (the first group), the
    # others in fieldsets folded under "more filters".
    GROUPS = (
        (
            _("Most used"),
            ("q", "holds", "assets_min", "no_contact_days", "branch", "manager"),
        ),
        (_("Customer"), ("cust_type", "status", "risk_level", "investor_class")),
        (_("Account age"), ("age_min", "age_max")),
        (_("Money"), ("assets_max", "cash_min", "cash_max", "ratio_min", "ratio_max")),
        (_("Holdings"), ("holds_quantity", "holds_value", "industry")),
        (_("Activity"), ("no_trade_days",)),
    )

    class Meta:
        form = CustomerListForm

    def __init__(
        self,
        *args,
        may_reveal: Callable[[], bool] = lambda: False,
        constant: tuple[str, ...] = (),
        **kwargs,
    ):
        """`may_reveal`: whether the user may reveal personal data (the view checks the
        permission); only then does a mobile prefix find customers. Asked only of a search
        that could match a mobile: the permission check costs two queries. `constant`: the
        filters whose column is the same on every row for the user (customers.tables.lists
        constant_columns): not shown unless set. The custom fields' filters are added from
        their definitions (one query; `custom_fields` holds them for the view)."""
        super().__init__(*args, **kwargs)
        self.custom_fields = custom_field_definitions()
        for name, custom in custom_filters(self.custom_fields).items():
            custom.parent = self
            self.filters[name] = custom
        # Other apps' filters (customers/filters/extensions.py): marketing's segments.
        for extension in list_filter_extensions():
            for name, extra in extension.make(self.request).items():
                extra.parent = self
                self.filters[name] = extra
        self._may_reveal = may_reveal
        self._constant = constant
        # Read once per request: validating the value and drawing the select both need them.
        self.filters["industry"].extra["choices"] = functools.cache(_industries)
        if reach_of(_user(self.request)).everything:
            # Head office's manager filter would list every member of staff of the company.
            self.form.fields["manager"].widget = StaffPickerInput(
                search_url=reverse("customers:manager-search")
            )

    def _is_set(self, name: str) -> bool:
        return bool(self.data.get(name, "").strip()) or bool(self.form[name].errors)

    def field_groups(self) -> dict:
        """The form's layout: `first_row`, the most used filters (`first_legend` names them
        for screen readers); `folded`, the others as (legend, fields) under "more filters",
        `open` when one of them is set. A filter whose column is constant for the user is
        left out, or folded when it is set."""
        widget = self.form.fields["manager"].widget
        if isinstance(widget, StaffPickerInput):
            self.is_valid()  # a valid manager is picked even if another filter is wrong
            widget.picked = getattr(self.form, "cleaned_data", {}).get("manager")
        extended = [(extension.legend, extension.names) for extension in list_filter_extensions()]
        (legend, first), *rest = (
            *self.GROUPS,
            *extended,
            *custom_filter_groups(self.custom_fields),
        )
        shown = [name for name in first if name not in self._constant]
        kept = [name for name in first if name in self._constant and self._is_set(name)]
        folded = [(title, list(names)) for title, names in rest]
        if kept:
            folded[0][1][:0] = kept
        return {
            "first_legend": legend,
            "first_row": [self.form[name] for name in shown],
            "folded": [(title, [self.form[name] for name in names]) for title, names in folded],
            "open": any(self._is_set(name) for _title, names in folded for name in names),
        }

    def columns_chosen(self) -> list:
        """The custom fields the user added as columns (none while a filter is wrong)."""
        if not self.is_valid():
            return []
        keys = set(self.form.cleaned_data.get(COLUMNS_PARAM) or ())
        return [field for field in self.custom_fields if field.key in keys]

    def filter_text(self, queryset, name, value):
        """Any part of the name, a prefix of the customer number, and the mobile as the page
        shows it: the full number only, a prefix for users who may reveal it (else one digit
        more at a time rebuilds a masked number). All three are indexed (`_name_match`)."""
        value = value.strip()
        if not value:
            return queryset
        vendor = connections[queryset.db].vendor
        matches = Q(cust_no__startswith=value) | _name_match(value, vendor=vendor)
        by_mobile = self._mobile_match(value)
        if by_mobile is not None:
            matches |= by_mobile
        return queryset.filter(matches)

    def _mobile_match(self, value: str) -> Q | None:
        if not (value.isascii() and value.isdigit()):
            return None
        return Q(mobile__startswith=value) if self.revealed else Q(mobile=value)

    @functools.cached_property
    def revealed(self) -> bool:
        return self._may_reveal()

    def pii_search(self) -> dict | None:
        """What the audit log keeps of a search that found customers by their mobile, or
        None when it found none that way: the term masked (and its digest), whether it was a
        prefix, and the customers it found, which is what compliance asks about first."""
        if not self.is_valid():
            return None
        term = (self.form.cleaned_data.get("q") or "").strip()
        by_mobile = self._mobile_match(term)
        if by_mobile is None:
            return None
        found = list(
            self.qs.filter(by_mobile)
            .order_by("cust_no")
            .values_list("cust_no", flat=True)[: PII_AUDIT_CUSTOMERS + 1]
        )
        if not found:
            return None
        return {
            "field": "mobile",
            "term": masked_search_term(term),
            "term_digest": search_term_digest(term),
            "prefix": self.revealed,
            "customers": found[:PII_AUDIT_CUSTOMERS],
            "more": len(found) > PII_AUDIT_CUSTOMERS,
        }

    def filter_nothing(self, queryset, name, value):
        return queryset

    def filter_holds(self, queryset, name, value):
        """Customers holding, on the latest business day, a security that `value` names
        (customers.securities: a code with or without its market, or part of the name);
        with a minimum quantity or market value, summed over the customer's accounts (a
        normal and a credit account hold the same stock)."""
        search = security_search_parse(value)
        if search is None:
            return queryset
        securities = Security.objects.filter(search.condition()).values("pk")
        positions = self._positions_today().filter(security__in=securities)
        quantity = self.form.cleaned_data.get("holds_quantity")
        market_value = self.form.cleaned_data.get("holds_value")
        if quantity is not None or market_value is not None:
            positions = positions.values("account__customer_id", "security_id").annotate(
                held=Sum("quantity"), worth=Sum("market_value")
            )
            if quantity is not None:
                positions = positions.filter(held__gte=quantity)
            if market_value is not None:
                positions = positions.filter(worth__gte=market_value)
        return queryset.filter(pk__in=positions.values("account__customer_id"))

    def filter_industry(self, queryset, name, value):
        securities = Security.objects.filter(industry=value).values("pk")
        positions = self._positions_today().filter(security__in=securities)
        return queryset.filter(pk__in=positions.values("account__customer_id"))

    def filter_ratio(self, queryset, name, value):
        lookup = "gte" if name == "ratio_min" else "lte"
        return queryset.filter(**{f"figures__position_ratio__{lookup}": value / Decimal(100)})

    def filter_age(self, queryset, name, value):
        today = timezone.localdate()
        if name == "age_min":
            return queryset.filter(open_date__lte=years_before(today, value))
        # "At most N years" still includes the day before the account turns N + 1.
        return queryset.filter(open_date__gt=years_before(today, value + 1))

    def filter_no_trade(self, queryset, name, value):
        cutoff = timezone.localdate() - datetime.timedelta(days=value)
        return queryset.filter(
            Q(figures__last_trade_date__lte=cutoff) | Q(figures__last_trade_date__isnull=True)
        )

    def filter_no_contact(self, queryset, name, value):
        # Days are counted in local calendar days: contacted at 23:59 yesterday is 1 day ago.
        first_recent_day = timezone.localdate() - datetime.timedelta(days=value - 1)
        cutoff = timezone.make_aware(datetime.datetime.combine(first_recent_day, datetime.time()))
        return queryset.filter(Q(last_contact_at__lt=cutoff) | Q(last_contact_at__isnull=True))

    def _positions_today(self):
        """The latest day's positions, as a set the customer's id is looked up in: one pass
        over the positions of the securities asked for (by position_security_idx), not a
        probe per customer (a correlated EXISTS that SQLite ran as a scan of the whole day
        for every customer: 0.5-2 s at the demo's 3,000)."""
        return DailyPosition.objects.filter(business_date=self._latest_day).order_by()

    @functools.cached_property
    def _latest_day(self) -> datetime.date | None:
        return latest_business_day()


def filter_params(data, *, custom_fields: list | None = None) -> dict[str, str]:
    """The non-empty filter and sort parameters of a query (a QueryDict), in form order:
    what a saved view stores, an export audits and the export link carries. The custom
    fields' (their definitions, read when not given) among them; the custom fields added as
    columns as one comma-separated parameter."""
    if custom_fields is None:
        custom_fields = custom_field_definitions()
    names = (
        *CustomerListFilter.base_filters,
        *list_filter_extension_names(),
        *custom_filter_names(custom_fields),
        *VIEW_PARAMS,
    )
    params = {}
    for name in names:
        if name == COLUMNS_PARAM and hasattr(data, "getlist"):
            value = ",".join(item.strip() for item in data.getlist(name) if item.strip())
        else:
            value = (data.get(name) or "").strip()
        if value:
            params[name] = value
    columns = custom_columns(custom_fields)
    if not sort_of(CustomerTable, params.get("sort", ""), extra_columns=columns):
        params.pop("sort", None)
    return params


def filter_query(data, *, custom_fields: list | None = None) -> str:
    """`filter_params` as a query string (without the page number)."""
    return urlencode(filter_params(data, custom_fields=custom_fields))
