"""What the scope walker (tests/crm/test_scope_walker.py) knows about each URL: one
declaration per URL name. A URL is public, acts on the requester only, belongs to the admin
site, is head office's only, or has probes: functions that make the object behind the URL
(or what a list would show) for a customer the requesting role may or may not see.

A page added later adds its line to DECLARATIONS; the walker fails on a URL without one.
"""

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.utils import timezone

from analytics.selectors import dashboard_scope
from analytics.services import metrics_compute_day, metrics_compute_month
from crm.dates import next_month
from crm.scoping import reach_of, scope_for_user
from crm.services import audit_record
from customers.filters.lists import CustomerListFilter
from customers.models import (
    CapitalAccount,
    CashFlow,
    Customer,
    CustomerFigures,
    CustomField,
    CustomFieldKind,
    DailyBalance,
    ImportFileResult,
    ImportReject,
    ImportRun,
    RunStatus,
    SavedView,
    ServiceRequest,
    ServiceRequestType,
    Task,
    TaskKind,
    Trade,
)
from customers.selectors.customers import customers_for_user
from customers.services.figures import customer_figures_refresh
from marketing.models import CustomerTier, Segment, SegmentKind, SegmentMember
from marketing.services.segments import membership_write, segment_evaluate
from marketing.services.tiers import tier_evaluate_month
from products.models import (
    CheckPurpose,
    CheckResult,
    Product,
    ProductSale,
    SaleChannel,
    Security,
    SuitabilityCheck,
)
from products.services.checks import suitability_check_record
from tests.customers.factories import CustomerFactory

# Everything under it is the Django admin's: staff only, and the administrators' whole reach.
ADMIN_SITE = "admin/"
# The business day the probes' facts and metrics are of, and the month of tiers they feed.
DAY = datetime.date(2026, 3, 2)
TIER_MONTH = next_month(DAY)


@dataclass(frozen=True)
class Hit:
    url: str
    data: dict = field(default_factory=dict)


# -- the kinds of declaration ------------------------------------------------------------------


@dataclass(frozen=True)
class Public:
    """Anonymous visitors may reach it; it shows no customer."""

    reason: str


@dataclass(frozen=True)
class OwnUser:
    """Acts on the requesting user only (their password, their session, their own rows)."""

    reason: str


@dataclass(frozen=True)
class HeadOfficeOnly:
    """Company-wide pages (the import's runs and rejects, which hold every branch's rows):
    for users whose reach is everything; anybody else is refused whatever the object."""

    make: Callable[..., Hit]
    answers_get: bool = True


@dataclass(frozen=True)
class Probe:
    """One object about `target`: 404 to whoever may not see it, GET and POST alike, with
    nothing written; `ok` to whoever may. A POST-only view answers GET with 405 to all.
    `writes`: the permitted POST changes what it is about (so the payload is a real one).
    `may`: who may reach the object (default: whoever's scope holds the customer)."""

    make: Callable[..., Hit]
    answers_get: bool = True
    answers_post: bool = True
    ok: int = 200
    writes: bool = False
    may: Callable | None = None


@dataclass(frozen=True)
class Listing:
    """A list, export or drill-down where the customer appears exactly for those who may see
    it: `shows(target)` are the strings that give it away (number and name by default);
    `admits(user)` says who gets the page at all (the others a 403); `counts(response, text,
    cast)` gives the number the page shows and the customers its filters select company-wide,
    which the walker narrows by the role's scope to the number it should show."""

    make: Callable[..., Hit]
    shows: Callable[[Customer], tuple[str, ...]] = lambda target: (target.cust_no, target.name)
    admits: Callable = lambda user: True
    counts: Callable | None = None


@dataclass(frozen=True)
class Figures:
    """Aggregates (dashboard figures, charts, their CSV): the same, to the byte, whether a
    customer the user may not see exists with its money or not; different when they may."""

    urls: tuple[str, ...]
    admits: Callable


def visible(user, target: Customer) -> bool:
    """Whether the user's scope (crm/scoping.py) holds the customer."""
    return scope_for_user(user, Customer.objects.filter(pk=target.pk)).exists()


def dashboard_admits(user) -> bool:
    try:
        dashboard_scope(user)
    except PermissionDenied:  # the dashboards' own rule decides who gets one
        return False
    return True


def company_wide(user) -> bool:
    return reach_of(user).everything


# -- what the probes make ----------------------------------------------------------------------


def target_make(cast, where: str) -> Customer:
    """A customer with figures: "near" is in branch A, served by the customer manager outside
    the team; "far" is in branch B, served by its broker."""
    if where == "near":
        customer = CustomerFactory(
            cust_no="N9001", name="近处客户", branch=cast.branch_a, manager=cast.manager
        )
    else:
        customer = CustomerFactory(
            cust_no="F9001", name="远方客户", branch=cast.branch_b, manager=cast.other_broker
        )
    CustomerFigures.objects.create(
        customer=customer,
        as_of=DAY,
        cash=Decimal("1000000"),
        market_value=0,
        liabilities=0,
        total_assets=Decimal("1000000"),
        net_assets=Decimal("1000000"),
        position_ratio=0,
    )
    return customer


def facts_seed(customer: Customer, *, cash: Decimal) -> None:
    """A day of money for the customer (balance, a bank transfer in, a mobile trade), then
    the day's and month's metrics, the list figures and the next month's tiers computed
    again from all facts."""
    security, _ = Security.objects.get_or_create(
        market="SH", sec_code="600519", defaults={"name": "贵州茅台", "sec_type": "stock"}
    )
    account = CapitalAccount.objects.create(
        fund_account=f"FA{customer.cust_no}",
        customer=customer,
        account_kind="normal",
        open_date=datetime.date(2020, 1, 6),
        status="0",
    )
    DailyBalance.objects.create(business_date=DAY, account=account, balance=cash)
    CashFlow.objects.create(
        flow_date=DAY,
        serial_no=f"CF{customer.cust_no}",
        account=account,
        biz_type="BANK_IN",
        amount=cash,
    )
    Trade.objects.create(
        trade_date=DAY,
        serial_no=f"T{customer.cust_no}",
        account=account,
        security=security,
        side="B",
        quantity=Decimal("100"),
        price=Decimal("1500"),
        amount=Decimal("150000"),
        commission=Decimal("45"),
        net_amount=Decimal("150045"),
        channel="mobile",
    )
    metrics_compute_day(day=DAY)
    metrics_compute_month(month=DAY.replace(day=1))
    customer_figures_refresh(day=DAY)
    tier_evaluate_month(month=TIER_MONTH)


def _request_type() -> ServiceRequestType:
    return ServiceRequestType.objects.order_by("pk").first()


def _service_request(target: Customer, cast) -> ServiceRequest:
    opened = timezone.now()
    kind = _request_type()
    return ServiceRequest.objects.create(
        customer=target,
        request_type=kind,
        description="probe",
        assignee=target.manager,
        opened_at=opened,
        due_at=kind.due_from(opened),
        created_by=cast.head_office.user,
    )


def _task(target: Customer, assignee) -> Task:
    return Task.objects.create(
        assignee=assignee,
        customer=target,
        kind=TaskKind.OTHER,
        title="probe task",
        due_on=timezone.localdate(),
    )


def _import_run(target: Customer, cast) -> ImportRun:
    """A run with one rejected customers.csv line: the target's row."""
    run = ImportRun.objects.create(
        business_date=DAY, source="probe", status=RunStatus.LOADED_WITH_REJECTS, rows_rejected=1
    )
    ImportFileResult.objects.create(
        run=run, file="customers", rows_read=1, rows_rejected=1, header="cust_no,name"
    )
    ImportReject.objects.create(
        run=run, file="customers", line_no=2, reason="probe", raw=f"{target.cust_no},{target.name}"
    )
    return run


def _saved_view_owner(user, target: Customer, cast) -> bool:
    return user.pk == target.manager.user_id


# -- the probes: each makes what its URL is about and says where it is -------------------------


def _customer_page(*, target, cast, requester) -> Hit:
    return Hit(f"/customers/{target.cust_no}/")


def _reveal(*, target, cast, requester) -> Hit:
    return Hit(f"/customers/{target.cust_no}/reveal/")


def _reveal_contacts(*, target, cast, requester) -> Hit:
    return Hit(f"/customers/{target.cust_no}/reveal-contacts/")


def _contact_log(*, target, cast, requester) -> Hit:
    moment = timezone.localtime() - datetime.timedelta(hours=1)
    contact = {
        "channel": "phone",
        "direction": "out",
        "occurred_at": moment.strftime("%Y-%m-%dT%H:%M"),
        "content": "probe contact",
    }
    return Hit(f"/customers/{target.cust_no}/interactions/", contact)


def _request_open(*, target, cast, requester) -> Hit:
    request = {
        "request_type": _request_type().pk,
        "description": "probe request",
        "assignee": target.manager_id,
    }
    return Hit(f"/customers/{target.cust_no}/service-requests/", request)


def _request_move(*, target, cast, requester) -> Hit:
    request = _service_request(target, cast)
    return Hit(f"/customers/service-requests/{request.pk}/move/", {"to_status": "in_progress"})


def _request_row_move(*, target, cast, requester) -> Hit:
    request = _service_request(target, cast)
    hit = f"/customers/service-requests/{request.pk}/row-move/"
    return Hit(hit, {"to_status": "in_progress", "filters": "status=open"})


def _request_assign(*, target, cast, requester) -> Hit:
    """Giving the request to whoever has it: a permitted post that changes nothing."""
    request = _service_request(target, cast)
    hit = f"/customers/service-requests/{request.pk}/assign/"
    return Hit(hit, {"assignee": target.manager_id, "filters": "status=open"})


def _task_done(*, target, cast, requester) -> Hit:
    return Hit(f"/customers/tasks/{_task(target, target.manager).pk}/done/")


def _task_cancel(*, target, cast, requester) -> Hit:
    return Hit(f"/customers/tasks/{_task(target, target.manager).pk}/cancel/")


def _saved_view_delete(*, target, cast, requester) -> Hit:
    view = SavedView.objects.create(owner=target.manager.user, name="probe", query="")
    return Hit(f"/customers/views/{view.pk}/delete/")


def _workbench(*, target, cast, requester) -> Hit:
    """A task about the customer on the requester's own workbench, an open request about it;
    its assets put it on the "to call" list; the requester opened its page once (recently
    opened customers), as if before it left their scope."""
    _task(target, requester)
    _service_request(target, cast)
    audit_record(actor=requester.user, action="customer.view", target=target)
    return Hit("/")


def _list(query: str = "") -> Callable[..., Hit]:
    """The customer list or its export with `query`, formatted with the target."""

    def make(*, target, cast, requester) -> Hit:
        return Hit(query.format(target=target))

    return make


def _probe_field() -> CustomField:
    """A choice field anybody who may act for a customer may edit."""
    field, _ = CustomField.objects.get_or_create(
        key="probe_level",
        defaults={
            "label": "Probe level",
            "kind": CustomFieldKind.CHOICE,
            "choices": [{"value": "gold", "label": "Gold"}, {"value": "plain", "label": "Plain"}],
        },
    )
    return field


def _custom_fields_edit(*, target, cast, requester) -> Hit:
    _probe_field()
    return Hit(f"/customers/{target.cust_no}/custom-fields/", {"probe_level": "gold"})


def _custom_list(query: str) -> Callable[..., Hit]:
    """The customer list or its export filtered by a custom field the target has a value of
    (and showing it as a column)."""

    def make(*, target, cast, requester) -> Hit:
        field = _probe_field()
        Customer.objects.filter(pk=target.pk).update(custom_fields={field.key: "gold"})
        return Hit(query)

    return make


def _my_tasks(*, target, cast, requester) -> Hit:
    """A task about the customer assigned to the requester (as when a customer moves away)."""
    _task(target, requester)
    return Hit("/customers/tasks/?status=")


def _requests(*, target, cast, requester) -> Hit:
    _service_request(target, cast)
    return Hit("/customers/service-requests/")


def _drilldown(query: str) -> Callable[..., Hit]:
    """A drill-down of the day's or month's figures, once the customer has money in them."""

    def make(*, target, cast, requester) -> Hit:
        facts_seed(target, cash=Decimal("7000000"))
        return Hit(f"/dashboards/customers/?{query.format(day=DAY, month=DAY.replace(day=1))}")

    return make


def _tier_cell(query: str = "") -> Callable[..., Hit]:
    """The customers behind a cell of the dashboards' tiers: the tier the customer holds once
    its money is in the metrics, with `query` (where they came from)."""

    def make(*, target, cast, requester) -> Hit:
        facts_seed(target, cash=Decimal("7000000"))
        tier = CustomerTier.objects.get(customer=target, month=TIER_MONTH).tier
        return Hit(f"/marketing/tiers/customers/?month={TIER_MONTH}&to={tier.code}{query}")

    return make


def _import_page(path: str = "") -> Callable[..., Hit]:
    """A page of the import's monitor; `{run}` is a run with a rejected line of the target."""

    def make(*, target, cast) -> Hit:
        run = _import_run(target, cast) if "{run}" in path else None
        return Hit(f"/customers/imports/{path.format(run=run.pk if run else '')}")

    return make


def _list_count(response, text: str, cast) -> tuple[int, list[int]]:
    """The customers the list says it shows, and those its filters select company-wide."""
    info = response.context["page_info"]
    shown = info["end"] if info else 0
    return shown, _selected_company_wide(response, cast)


def _export_count(response, text: str, cast) -> tuple[int, list[int]]:
    """The customers of the CSV (its lines after the header), and those its filters select
    company-wide."""
    return len(text.splitlines()) - 1, _selected_company_wide(response, cast)


def _selected_company_wide(response, cast) -> list[int]:
    request = RequestFactory().get(response.wsgi_request.path, response.wsgi_request.GET)
    request.user = cast.head_office.user
    company = CustomerListFilter(
        request.GET,
        queryset=customers_for_user(request.user),
        request=request,
        may_reveal=lambda: True,
    )
    return list(company.qs.values_list("pk", flat=True)) if company.is_valid() else []


def _name_only(target: Customer) -> tuple[str, ...]:
    return (target.name,)


def _number_only(target: Customer) -> tuple[str, ...]:
    return (target.cust_no,)


def _segment_of(target: Customer, cast, *, kind: str = SegmentKind.DYNAMIC) -> Segment:
    """A segment the target is a member of: a dynamic one by its assets (a rule naming no
    customer: its words are on the page for all), evaluated; a static one listing the target
    and the broker's customer. Named without either."""
    rule = {"group": "and", "rules": [{"field": "total_assets", "op": "gte", "value": "1000000"}]}
    segment = Segment.objects.create(name=f"probe segment {target.pk}", kind=kind, rule=rule)
    if kind == SegmentKind.DYNAMIC:
        segment_evaluate(segment)
    else:
        members = Customer.objects.filter(pk__in=[target.pk, cast.broker_customer.pk])
        membership_write(segment, members, day=DAY)
    return segment


def _segment_page(path: str) -> Callable[..., Hit]:
    """A page of a segment with the target among its members; `{pk}` is the segment's."""

    def make(*, target, cast, requester=None) -> Hit:
        segment = _segment_of(target, cast)
        return Hit(path.format(pk=segment.pk, target=target))

    return make


def _not_in_segment(*, target, cast, requester) -> Hit:
    """The list of customers not in a segment that holds only the broker's customer."""
    segment = Segment.objects.create(name=f"probe list {target.pk}", kind=SegmentKind.STATIC)
    members = Customer.objects.filter(pk=cast.broker_customer.pk)
    membership_write(segment, members, day=DAY)
    return Hit(f"/customers/?not_in_segment={segment.pk}")


def _segment_upload(*, target, cast) -> Hit:
    segment = _segment_of(target, cast, kind=SegmentKind.STATIC)
    numbers = SimpleUploadedFile("numbers.csv", target.cust_no.encode())
    return Hit(f"/marketing/segments/{segment.pk}/upload/", {"file": numbers, "mode": "add"})


def _segment_snapshot(*, target, cast) -> Hit:
    segment = _segment_of(target, cast)
    return Hit(f"/marketing/segments/{segment.pk}/snapshot/", {"on": str(timezone.localdate())})


def _segment_editor(path: str, **extra) -> Callable[..., Hit]:
    """A page or fragment of the rule editor, posted a draft that selects the target's branch
    (the live preview's sample would show it); `{pk}` is a segment with that rule."""

    def make(*, target, cast) -> Hit:
        rule = {
            "group": "and",
            "not": False,
            "rules": [
                {"field": "branch", "op": "eq", "value": target.branch_id, "args": {}, "not": False}
            ],
        }
        segment = Segment.objects.create(name=f"probe editor {target.pk}", rule=rule)
        data = {"rule": json.dumps(rule), "segment_id": segment.pk, "name": segment.name}
        return Hit(path.format(pk=segment.pk), {**data, "active": "on", **extra})

    return make


def _probe_segment_members(response) -> list[int]:
    """The members company-wide of the segment whose page (or export) answered."""
    segment = response.resolver_match.kwargs["pk"]
    return list(SegmentMember.objects.filter(segment=segment).values_list("customer_id", flat=True))


def _segments_count(response, text: str, cast) -> tuple[int, list[int]]:
    """The members the segment list says the newest probe segment has, and its members."""
    newest = Segment.objects.latest("pk")
    row = next(row for row in response.context["rows"] if row.segment.pk == newest.pk)
    members = SegmentMember.objects.filter(segment=newest).values_list("customer_id", flat=True)
    return row.members, list(members)


def _segment_members_count(response, text: str, cast) -> tuple[int, list[int]]:
    """The members the segment's page says it has, and its members company-wide."""
    return response.context["members"], _probe_segment_members(response)


def _segment_export_count(response, text: str, cast) -> tuple[int, list[int]]:
    return len(text.splitlines()) - 1, _probe_segment_members(response)


PROBE_PRODUCT = "PROBE01"


def _product_sold(target: Customer) -> Product:
    """The probe product (no customer in its name), sold once to the target."""
    product, _ = Product.objects.get_or_create(
        code=PROBE_PRODUCT,
        defaults={
            "name": "探针理财",
            "kind": "wealth",
            "risk_level": "R2",
            "horizon": "short",
            "variety": "fixed_income",
            "status": "on_sale",
        },
    )
    check = SuitabilityCheck.objects.create(
        customer=target,
        product=product,
        purpose=CheckPurpose.CUSTOMER_REQUEST,
        result=CheckResult.SUITABLE,
        product_risk=product.risk_level,
    )
    ProductSale.objects.create(
        customer=target,
        product=product,
        amount=Decimal("50000"),
        sold_on=DAY,
        channel=SaleChannel.BRANCH,
        suitability_check=check,
    )
    return product


def _product_page(path: str) -> Callable[..., Hit]:
    """A page of the product library once the probe product is sold to the target."""

    def make(*, target, cast, requester) -> Hit:
        product = _product_sold(target)
        return Hit(path.format(code=product.code))

    return make


def _product_sales_count(response, text: str, cast) -> tuple[int, list[int]]:
    """The sales the product's page counts, and the customers it was sold to company-wide
    (one sale each)."""
    sold_to = ProductSale.objects.filter(product__code=PROBE_PRODUCT)
    return response.context["sales"].count, list(sold_to.values_list("customer_id", flat=True))


def _no_customer(target: Customer) -> tuple[str, ...]:
    return ()


def _suitability_product(code: str, risk: str) -> Product:
    """A product on sale for the 360 page's check, confirm and sell probes."""
    product, _ = Product.objects.get_or_create(
        code=code,
        defaults={
            "name": f"探针产品{risk}",
            "kind": "public_fund",
            "risk_level": risk,
            "horizon": "short",
            "variety": "fund",
            "status": "on_sale",
        },
    )
    return product


def _suitability_check(*, target, cast, requester) -> Hit:
    _suitability_product("PROBE-R1", "R1")
    return Hit(
        f"/products/customers/{target.cust_no}/check/",
        {"product": "PROBE-R1", "purpose": CheckPurpose.ENQUIRY},
    )


def _suitability_confirm(*, target, cast, requester) -> Hit:
    """A mismatch (an R5 product, an unassessed customer) at the customer's own request."""
    check, _verdict = suitability_check_record(
        customer=target,
        product=_suitability_product("PROBE-R5", "R5"),
        actor=None,
        purpose=CheckPurpose.CUSTOMER_REQUEST,
    )
    url = f"/products/customers/{target.cust_no}/checks/{check.pk}/confirm/"
    return Hit(url, {"confirmed": "on", "recording_ref": "probe"})


def _suitability_sale(*, target, cast, requester) -> Hit:
    """A check that found the product suitable: the permitted post records the sale (audited)."""
    product = _suitability_product("PROBE-R1", "R1")
    check = SuitabilityCheck.objects.create(
        customer=target,
        product=product,
        purpose=CheckPurpose.ENQUIRY,
        result=CheckResult.SUITABLE,
        product_risk=product.risk_level,
    )
    url = f"/products/customers/{target.cust_no}/checks/{check.pk}/sale/"
    sale = {"amount": "1000", "sold_on": str(timezone.localdate()), "channel": SaleChannel.BRANCH}
    return Hit(url, sale)


TARGET_PRODUCT = "PROBE-T1"


def _target_product(target: Customer) -> Product:
    """An R1 fund on sale (no customer in its name) the target suits: assessed, with
    marketing consent and every variety; its figures (target_make) cover the minimum."""
    target.risk_assessed_on = timezone.localdate() - datetime.timedelta(days=30)
    target.invest_horizon = "long"
    target.invest_varieties = "equity;fixed_income;fund;derivative;complex"
    target.marketing_consent = True
    target.save()
    product, _ = Product.objects.get_or_create(
        code=TARGET_PRODUCT,
        defaults={
            "name": "探针目标基金",
            "kind": "public_fund",
            "risk_level": "R1",
            "horizon": "short",
            "variety": "fund",
            "status": "on_sale",
            "minimum_investment": Decimal("10000"),
        },
    )
    return product


def _targets(path: str) -> Callable[..., Hit]:
    """A product's target list (or its export) once the target is one of its targets."""

    def make(*, target, cast, requester) -> Hit:
        return Hit(path.format(code=_target_product(target).code))

    return make


def _targets_company_wide(cast) -> list[int]:
    from products.selectors.targets import product_target_customers

    product = Product.objects.get(code=TARGET_PRODUCT)
    targets = product_target_customers(product, cast.head_office.user, today=timezone.localdate())
    return list(targets.values_list("pk", flat=True))


def _targets_count(response, text: str, cast) -> tuple[int, list[int]]:
    return response.context["paginator"].count, _targets_company_wide(cast)


def _targets_export_count(response, text: str, cast) -> tuple[int, list[int]]:
    return len(text.splitlines()) - 1, _targets_company_wide(cast)


def _compliance(path: str) -> Callable[..., Hit]:
    """The compliance page once the nightly step flagged the target (no risk assessment)."""

    def make(*, target, cast, requester) -> Hit:
        from products.services.compliance import compliance_run

        Customer.objects.filter(pk=target.pk).update(risk_assessed_on=None)
        compliance_run(today=timezone.localdate())
        return Hit(path)

    return make


def _compliance_admits(user) -> bool:
    from products.selectors.compliance import may_open_compliance

    return may_open_compliance(user)


def _compliance_count(response, text: str, cast) -> tuple[int, list[int]]:
    """The flags the page counts over its branches, and the flagged customers company-wide
    (one flag each: the cast has no holdings)."""
    from products.models import ComplianceFlag

    totals = response.context["totals"]
    flagged = ComplianceFlag.objects.values_list("customer_id", flat=True)
    return totals["over_risk"] + totals["assessment"], list(flagged)


def _class_application(target: Customer, cast):
    """An investor-class application of the target, submitted (head office reviews it)."""
    from products.models import ApplicationDirection, ProfessionalApplication

    return ProfessionalApplication.objects.create(
        customer=target,
        direction=ApplicationDirection.TO_PROFESSIONAL,
        financial_assets=Decimal("3500000"),
        experience_years=2,
        evidence="probe",
        submitted_by=cast.head_office.user,
    )


def _class_apply(*, target, cast, requester) -> Hit:
    """The 360 page's application to convert the (ordinary) target to professional."""
    evidence = {
        "direction": "to_professional",
        "financial_assets": "3500000",
        "experience_years": "2",
        "evidence": "probe",
    }
    return Hit(f"/products/customers/{target.cust_no}/apply/", evidence)


def _class_applications(*, target, cast) -> Hit:
    _class_application(target, cast)
    return Hit("/products/applications/")


def _class_application_page(*, target, cast) -> Hit:
    application = _class_application(target, cast)
    return Hit(f"/products/applications/{application.pk}/", {"to_status": "in_review"})


# -- the table ---------------------------------------------------------------------------------

DECLARATIONS = {
    "login": Public("the login page"),
    "set_language": Public("the language switch the login page offers"),
    "favicon": Public("the site's icon, a redirect to the static file"),
    "logout": OwnUser("ends the requester's own session"),
    "password_change": OwnUser("changes the requester's own password"),
    "password_change_done": OwnUser("says the requester's password was changed"),
    "customers:saved-view-save": OwnUser("saves a view owned by the requester"),
    # Staff the requester's manager filter offers, never a customer.
    "customers:manager-search": OwnUser("searches the staff of the requester's own filter"),
    "customers:detail": Probe(_customer_page),
    "customers:reveal": Probe(_reveal, answers_get=False, writes=True),
    # The cast holds the reveal permission: scope alone decides (the serving staff's own
    # reach is tests/customers/test_contact_reveal.py's).
    "customers:reveal-contacts": Probe(_reveal_contacts, answers_get=False, writes=True),
    "customers:interaction-log": Probe(_contact_log, answers_get=False, writes=True),
    "customers:service-request-open": Probe(_request_open, answers_get=False, writes=True),
    "customers:service-request-move": Probe(_request_move, answers_get=False, writes=True),
    "customers:service-request-row-move": Probe(_request_row_move, answers_get=False, writes=True),
    "customers:service-request-assign": Probe(_request_assign),
    "customers:custom-fields-edit": Probe(_custom_fields_edit, answers_get=False, writes=True),
    "customers:task-done": Probe(_task_done, answers_get=False, writes=True),
    "customers:task-cancel": Probe(_task_cancel, answers_get=False, writes=True),
    # Saved views are their owner's alone, whoever may see the customers they list.
    "customers:saved-view-delete": Probe(
        _saved_view_delete, answers_get=False, ok=302, writes=True, may=_saved_view_owner
    ),
    "customers:workbench": (Listing(_workbench),),
    "customers:list": (
        Listing(_list("/customers/"), counts=_list_count),
        # The search box repeats what was searched: the other attribute gives it away.
        Listing(_list("/customers/?q={target.cust_no}"), shows=_name_only, counts=_list_count),
        Listing(_list("/customers/?q={target.name}"), shows=_number_only, counts=_list_count),
        Listing(_list("/customers/?branch={target.branch_id}"), counts=_list_count),
        Listing(_list("/customers/?manager={target.manager_id}"), counts=_list_count),
        Listing(_segment_page("/customers/?in_segment={pk}"), counts=_list_count),
        Listing(_not_in_segment, counts=_list_count),
        Listing(
            _custom_list("/customers/?cf_probe_level=gold&cols=probe_level&sort=-cf_probe_level"),
            counts=_list_count,
        ),
    ),
    "customers:export": (
        Listing(_list("/customers/export.csv"), counts=_export_count),
        Listing(_list("/customers/export.csv?q={target.cust_no}"), counts=_export_count),
        Listing(_custom_list("/customers/export.csv?cf_probe_level=gold"), counts=_export_count),
    ),
    "customers:tasks": (Listing(_my_tasks),),
    # Segments: anybody opens one; its members, counts, history and export are their scope's.
    "marketing:segment-list": (
        Listing(_segment_page("/marketing/segments/"), shows=lambda t: (), counts=_segments_count),
    ),
    "marketing:segment-detail": (
        Listing(_segment_page("/marketing/segments/{pk}/"), counts=_segment_members_count),
        Listing(_segment_page("/marketing/segments/{pk}/?sort=-joined_on")),
    ),
    "marketing:segment-export": (
        Listing(
            _segment_page("/marketing/segments/{pk}/members.csv"), counts=_segment_export_count
        ),
    ),
    "marketing:segment-why": Probe(
        _segment_page("/marketing/segments/{pk}/why/?customer={target.cust_no}"),
        answers_post=False,
    ),
    "marketing:segment-evaluate": HeadOfficeOnly(
        _segment_page("/marketing/segments/{pk}/evaluate/"), answers_get=False
    ),
    "marketing:segment-upload": HeadOfficeOnly(_segment_upload, answers_get=False),
    "marketing:segment-snapshot": HeadOfficeOnly(_segment_snapshot, answers_get=False),
    # The rule editor (marketing/views/segment_editor.py): head office's and the admins'.
    "marketing:segment-create": HeadOfficeOnly(_segment_editor("/marketing/segments/new/")),
    "marketing:segment-edit": HeadOfficeOnly(_segment_editor("/marketing/segments/{pk}/edit/")),
    "marketing:segment-editor": HeadOfficeOnly(
        _segment_editor("/marketing/segments/editor/", **{"rule:action": "add-condition r"}),
        answers_get=False,
    ),
    "marketing:segment-words": HeadOfficeOnly(
        _segment_editor("/marketing/segments/editor/words/"), answers_get=False
    ),
    "marketing:segment-preview": HeadOfficeOnly(
        _segment_editor(
            "/marketing/segments/editor/preview/", preview_token="0" * 32, preview_version=1
        ),
        answers_get=False,
    ),
    "customers:service-requests": (Listing(_requests),),
    # The product library: every product for everybody, no customer on its pages; the sales
    # a product's page counts are the viewer's scope.
    "products:list": (
        Listing(_product_page("/products/"), shows=_no_customer),
        Listing(_product_page("/products/?q=探针&on_sale=yes&sort=-name"), shows=_no_customer),
    ),
    "products:export": (Listing(_product_page("/products/export.csv"), shows=_no_customer),),
    # The 360 page's suitability panel: check a product, confirm the risk warning, sell.
    "products:customer-check": Probe(_suitability_check, answers_get=False),
    "products:customer-confirm": Probe(_suitability_confirm, answers_get=False),
    "products:customer-sale": Probe(_suitability_sale, answers_get=False, writes=True),
    "products:detail": (
        Listing(
            _product_page("/products/{code}/"), shows=_no_customer, counts=_product_sales_count
        ),
    ),
    # A product's target list and its export: the viewer's scope of the customers it suits.
    "products:targets": (Listing(_targets("/products/{code}/targets/"), counts=_targets_count),),
    "products:targets-export": (
        Listing(_targets("/products/{code}/targets.csv"), counts=_targets_export_count),
    ),
    # The nightly suitability step's flags: head office's and branch managers', scoped.
    "products:compliance": (
        Listing(
            _compliance("/products/compliance/"),
            admits=_compliance_admits,
            counts=_compliance_count,
        ),
        Listing(_compliance("/products/compliance/?reason=assessment"), admits=_compliance_admits),
    ),
    # Investor-class applications: submitted from the 360 page by whoever serves the
    # customer; reviewed by head office company-wide.
    "products:customer-apply": Probe(_class_apply, answers_get=False, writes=True),
    "products:applications": HeadOfficeOnly(_class_applications),
    "products:application": HeadOfficeOnly(_class_application_page),
    "analytics:dashboard": Figures(urls=("/dashboards/",), admits=dashboard_admits),
    "analytics:broker-export": Figures(urls=("/dashboards/brokers.csv",), admits=dashboard_admits),
    "analytics:drilldown": (
        Listing(_drilldown("month={month}&top=100"), admits=dashboard_admits),
        Listing(_drilldown("month={month}&channel=mobile"), admits=dashboard_admits),
        Listing(_drilldown("day={day}&figure=inflow"), admits=dashboard_admits),
        Listing(_drilldown("day={day}&figure=revenue"), admits=dashboard_admits),
    ),
    # Open to every role: each sees the customers of the cell in their own scope.
    "marketing:tier-customers": (Listing(_tier_cell()), Listing(_tier_cell("&from=new"))),
    "customers:imports": HeadOfficeOnly(_import_page()),
    "customers:import-start": HeadOfficeOnly(_import_page("start/"), answers_get=False),
    "customers:import-run": HeadOfficeOnly(_import_page("{run}/")),
    "customers:import-progress": HeadOfficeOnly(_import_page("{run}/progress/")),
    "customers:import-rejects-csv": HeadOfficeOnly(_import_page("{run}/rejects/customers.csv")),
    "customers:import-corrections": HeadOfficeOnly(
        _import_page("{run}/corrections/"), answers_get=False
    ),
}


# The campaigns' pages, declared part by part (tests/campaignprobes/).
from tests.campaignprobes import declarations as campaign_declarations  # noqa: E402

DECLARATIONS.update(campaign_declarations())


def declared(kind) -> list[str]:
    """The URL names declared with `kind` (a listing's name once, however many probes)."""
    return sorted(
        name
        for name, declaration in DECLARATIONS.items()
        if isinstance(declaration[0] if isinstance(declaration, tuple) else declaration, kind)
    )


def listings() -> list[tuple[str, int]]:
    """(URL name, index of its probe) for every listing probe."""
    return [(name, index) for name in declared(Listing) for index in range(len(DECLARATIONS[name]))]
