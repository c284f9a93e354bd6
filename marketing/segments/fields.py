"""The list of fields a segment's conditions test, defined once (their kinds are in
kinds.py and aggregates.py): the editor, the validation, the SQL and the words all come from
here; `fields()` is the list, with the custom fields and tiers (extra.py).

Values are read as of the rule's context (marketing/segments/context.py): figures, holdings
and credit of the latest business day with metrics, windows that end on it, ages and "days
since the last contact" counted to today.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.db.models import F
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from crm.models import Branch, Staff, Team
from customers.models import (
    CustomerStatus,
    CustomerType,
    InvestorClass,
    RiskLevel,
)

from .aggregates import (
    WINDOW_DAYS,
    WINDOW_MONTH,
    AggregateField,
    CreditAccountField,
    CreditRatioField,
    HoldingAggregateField,
    WindowField,
)
from .facts import Facts
from .kinds import (
    ACTIVITY,
    ASSETS,
    CREDIT,
    CUSTOMER,
    HOLDINGS,
    SECTIONS,
    SERVICE,
    SUITABILITY,
    Arg,
    Choices,
    ColumnField,
    Compiled,
    DelimitedField,
    ElapsedField,
    ExpiryField,
    Field,
    HeldField,
    Section,
    SetField,
    industries,
)
from .operators import (
    Kind,
)

# ---------------------------------------------------------------------------------------
# The list.


def _branches() -> Choices:
    return [(branch.pk, f"{branch.code} {branch.name}") for branch in Branch.objects.all()]


def _regions() -> Choices:
    regions = Branch.objects.exclude(region="").order_by("region").values_list("region", flat=True)
    return [(region, region) for region in regions.distinct()]


def _managers() -> Choices:
    staff = Staff.objects.order_by("name").values_list("pk", "staff_code", "name")
    return [(pk, f"{name} ({code})") for pk, code, name in staff]


def _teams() -> Choices:
    return [(team.pk, str(team)) for team in Team.objects.select_related("branch")]


def _choices(text_choices) -> Callable[[], Choices]:
    return lambda: [(value, str(label)) for value, label in text_choices.choices]


HORIZONS = (("short", _("Short term")), ("medium", _("Medium term")), ("long", _("Long term")))
VARIETIES = (
    ("equity", _("Equity")),
    ("fixed_income", _("Fixed income")),
    ("fund", _("Funds")),
    ("derivative", _("Derivatives and margin")),
    ("complex", _("Complex and high-risk")),
)
GENDERS = (("M", _("Male")), ("F", _("Female")))


def _fixed(pairs) -> Callable[[], Choices]:
    return lambda: [(value, str(label)) for value, label in pairs]


def _column(column: str) -> Callable[[], Any]:
    return lambda: F(column)


def _attribute(name: str) -> Callable[[Facts], Any]:
    return lambda facts: getattr(facts.customer, name) or None


def _figure(name: str) -> Callable[[Facts], Any]:
    return lambda facts: getattr(facts.figures, name) if facts.figures else None


def _team(facts: Facts) -> int | None:
    manager = facts.customer.manager
    return manager.team_id if manager else None


def _last_contact_day(facts: Facts) -> datetime.date:
    moment = facts.customer.last_contact_at
    return timezone.localdate(moment) if moment else facts.customer.open_date


def _last_trade_day(facts: Facts) -> datetime.date:
    figures = facts.figures
    last = figures.last_trade_date if figures else None
    return last or facts.customer.open_date


def _money(key: str, label: Promise) -> ColumnField:
    return ColumnField(
        key,
        label,
        Kind.DECIMAL,
        ASSETS,
        expression=lambda: F(f"figures__{key}"),
        read=_figure(key),
    )


def _window(key: str, label: Promise, day_field: str, **options) -> WindowField:
    kind = options.pop("kind", Kind.DECIMAL)
    month_field = options.pop("month_field", day_field)
    return WindowField(
        key, label, kind, ACTIVITY, day_field=day_field, month_field=month_field, **options
    )


BUILT_IN: tuple[Field, ...] = (
    # No customer number or name: a rule's words are read by everyone who opens its segment,
    # and a named customer is listed in a static segment, whose members are scoped.
    ColumnField("status", _("status"), Kind.CHOICE, CUSTOMER, nullable=False,
                expression=lambda: F("status"), read=_attribute("status"),
                options=_choices(CustomerStatus)),
    ColumnField("cust_type", _("customer type"), Kind.CHOICE, CUSTOMER, nullable=False,
                expression=lambda: F("cust_type"), read=_attribute("cust_type"),
                options=_choices(CustomerType)),
    ColumnField("branch", _("branch"), Kind.CHOICE, CUSTOMER, nullable=False,
                expression=lambda: F("branch_id"), read=_attribute("branch_id"),
                options=_branches),
    ColumnField("region", _("region"), Kind.CHOICE, CUSTOMER,
                expression=_column("branch__region"), blank_is_empty=True,
                read=lambda facts: facts.customer.branch.region or None, options=_regions),
    ColumnField("manager", _("manager"), Kind.CHOICE, CUSTOMER,
                expression=lambda: F("manager_id"), read=_attribute("manager_id"),
                options=_managers),
    ColumnField("team", _("team"), Kind.CHOICE, CUSTOMER,
                expression=lambda: F("manager__team_id"),
                read=lambda facts: _team(facts),
                options=_teams),
    ColumnField("gender", _("gender"), Kind.CHOICE, CUSTOMER,
                expression=_column("gender"), blank_is_empty=True, read=_attribute("gender"),
                options=_fixed(GENDERS)),
    ElapsedField("age", _("age"), Kind.INTEGER, CUSTOMER, bounds=(0, 150),
                 expression=lambda: F("birth_date"), read=_attribute("birth_date")),
    ElapsedField("account_age", _("account age (years)"), Kind.INTEGER, CUSTOMER,
                 bounds=(0, 150), nullable=False,
                 expression=lambda: F("open_date"), read=_attribute("open_date")),
    ColumnField("open_date", _("account opened"), Kind.DATE, CUSTOMER, nullable=False,
                expression=lambda: F("open_date"), read=_attribute("open_date")),
    ColumnField("marketing_consent", _("marketing consent"), Kind.BOOLEAN, CUSTOMER,
                nullable=False, expression=lambda: F("marketing_consent"),
                read=lambda facts: facts.customer.marketing_consent),
    ColumnField("risk_level", _("risk level"), Kind.CHOICE, SUITABILITY,
                expression=_column("risk_level"), blank_is_empty=True,
                read=_attribute("risk_level"),
                options=_choices(RiskLevel)),
    ColumnField("risk_assessed_on", _("risk assessed on"), Kind.DATE, SUITABILITY,
                expression=lambda: F("risk_assessed_on"), read=_attribute("risk_assessed_on")),
    ExpiryField("risk_expires_on", _("risk assessment expires on"), Kind.DATE, SUITABILITY,
                expression=lambda: F("risk_assessed_on"), read=_attribute("risk_assessed_on")),
    ColumnField("investor_class", _("investor class"), Kind.CHOICE, SUITABILITY,
                expression=_column("investor_class"), blank_is_empty=True,
                read=_attribute("investor_class"), options=_choices(InvestorClass)),
    ColumnField("invest_horizon", _("investment horizon"), Kind.CHOICE, SUITABILITY,
                expression=_column("invest_horizon"), blank_is_empty=True,
                read=_attribute("invest_horizon"), options=_fixed(HORIZONS)),
    DelimitedField("invest_varieties", _("investment varieties"), Kind.MULTI, SUITABILITY,
                   column="invest_varieties", options=_fixed(VARIETIES)),
    _money("total_assets", _("total assets")),
    _money("cash", _("cash")),
    _money("market_value", _("market value")),
    _money("net_assets", _("net assets")),
    _money("liabilities", _("liabilities")),
    _window("average_assets", _("daily average assets"), "total_assets",
            month_field="average_assets", reduce="avg", month_reduce="avg",
            windows=(WINDOW_DAYS, WINDOW_MONTH)),
    _window("net_inflow", _("net inflow"), "net_inflow"),
    _window("commission", _("gross commission"), "commission"),
    _window("net_commission", _("net commission"), "net_commission"),
    _window("contribution", _("contribution"), "contribution"),
    _window("trade_volume", _("trading volume"), "trade_volume"),
    _window("trade_count", _("trades"), "trade_count", kind=Kind.INTEGER),
    _window("turnover", _("turnover"), "turnover", windows=(WINDOW_MONTH,),
            zero_default=False),
    ElapsedField("days_since_trade", _("days since the last trade"), Kind.INTEGER, ACTIVITY,
                 bounds=(0, 36_600), nullable=False, unit="days", to_metrics_day=True,
                 expression=lambda: Coalesce(F("figures__last_trade_date"), F("open_date")),
                 read=_last_trade_day,
                 help=_("To the latest business day; from the account's opening for a "
                        "customer who never traded.")),
    HeldField("holds_security", _("securities held"), Kind.MULTI, HOLDINGS,
              help=_("Security codes, separated by commas.")),
    HeldField("holds_industry", _("industries held"), Kind.MULTI, HOLDINGS,
              security_field="industry"),
    HoldingAggregateField("holding_value", _("market value held"), Kind.DECIMAL, HOLDINGS,
                          by="security", words=_("market value held of %(security)s")),
    HoldingAggregateField("holding_quantity", _("quantity held"), Kind.DECIMAL, HOLDINGS,
                          by="security", measure="quantity",
                          words=_("quantity held of %(security)s")),
    HoldingAggregateField("industry_value", _("market value held in an industry"),
                          Kind.DECIMAL, HOLDINGS, by="industry",
                          words=_("market value held in %(industry)s")),
    HoldingAggregateField("holdings_count", _("number of holdings"), Kind.INTEGER, HOLDINGS,
                          measure="securities", reduce="count"),
    ColumnField("position_ratio", _("position ratio"), Kind.DECIMAL, HOLDINGS,
                expression=lambda: F("figures__position_ratio"),
                read=_figure("position_ratio"), help=_("Market value over total assets.")),
    CreditAccountField("credit_account", _("has a credit account"), Kind.BOOLEAN, CREDIT,
                       nullable=False),
    CreditRatioField("maintenance_ratio", _("maintenance ratio"), Kind.DECIMAL, CREDIT,
                     reduce="min", zero_default=False),
    ElapsedField("days_since_contact", _("days since the last contact"), Kind.INTEGER,
                 SERVICE, bounds=(0, 36_600), nullable=False, unit="days",
                 expression=lambda: Coalesce(TruncDate("last_contact_at"), F("open_date")),
                 read=_last_contact_day,
                 help=_("From the account's opening for a customer never contacted.")),
)  # fmt: skip


def fields() -> dict[str, Field]:
    """Every field a condition may test, by key: the built-in ones, then the custom fields
    admins defined (retired ones stay, so that rules that use them still read)."""
    found = {item.key: item for item in BUILT_IN}
    for extra in extra_fields():
        found[extra.key] = extra
    return found


def extra_fields() -> list[Field]:
    """Fields whose list is data: custom fields and tiers (marketing/segments/extra.py)."""
    from .extra import custom_fields, tier_fields

    return [*custom_fields(), *tier_fields()]


__all__ = [
    "SECTIONS",
    "AggregateField",
    "Arg",
    "Choices",
    "ColumnField",
    "Compiled",
    "ElapsedField",
    "Field",
    "HoldingAggregateField",
    "Section",
    "SetField",
    "WindowField",
    "extra_fields",
    "fields",
    "industries",
]
