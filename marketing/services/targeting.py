"""Who a campaign targets: the union of its sources (segments, a product's target list,
uploaded lists of customer numbers) within its owner's scope and branches, the funnel of
its exclusions (how many are left after each, counted in one statement) and the eligible
customers the approval makes recipients of; and the upload of a list of customer numbers.

Everything here is internal (unscoped for the viewer): the campaign's owner defines the
reach. The exclusions' sets are marketing/selectors/exclusions.py's; whether a product suits
a customer is products.suitability.offerable_customers's alone, and that exclusion has no
switch. The campaign's lifecycle (approval, recipients, holdout) is campaigns.py's.
"""

from __future__ import annotations

import csv
import datetime
import functools
import io
import operator
import zipfile
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connection, transaction
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from crm.scoping import scope_for_user
from crm.services import audit_record
from customers.models import Customer, CustomerStatus
from marketing.models import (
    Campaign,
    CampaignTarget,
    CampaignUpload,
    SegmentMember,
    TargetKind,
)
from marketing.selectors.exclusions import (
    contacted_since_sets,
    in_running_campaign_ids,
    opted_out_ids,
    over_cap_ids,
)
from marketing.services.segment_lists import (
    STAGE,
    UNMATCHED_KEPT,
    UploadRefused,
    _stage,
    upload_numbers_read,
)
from products.selectors.targets import product_target_customers
from products.suitability import offerable_customers

XLSX_MAGIC = b"PK\x03\x04"


# -- the targets ---------------------------------------------------------------------------------


def owner_reach(campaign: Campaign) -> QuerySet[Customer]:
    """The customers the campaign may reach at all: its owner's scope (nobody for an owner
    without a login), narrowed to its branches when it names any."""
    customers = scope_for_user(campaign.owner.user, Customer.objects.all())
    branches = list(campaign.branches.values_list("pk", flat=True))
    if branches:
        customers = customers.filter(branch_id__in=branches)
    return customers


def holds(ids: QuerySet, *, column: str = "customer_id") -> Q:
    """Customers in `ids` (a queryset of customer ids in `column`), as a correlated EXISTS:
    an index probe per row where it is one of several conditions, a semi- or anti-join
    where it stands alone; never `NOT IN` over a big set, which PostgreSQL re-reads per row
    once the set outgrows work_mem."""
    return Q(Exists(ids.filter(**{column: OuterRef("pk")})))


def _source_q(target: CampaignTarget, campaign: Campaign, today: datetime.date) -> Q:
    if target.kind == TargetKind.SEGMENT:
        return holds(SegmentMember.objects.filter(segment_id=target.segment_id))
    if target.kind == TargetKind.UPLOAD:
        through = CampaignUpload.customers.through
        return holds(through.objects.filter(campaignupload_id=target.upload_id))
    product = target.product or campaign.product
    if product is None or campaign.owner.user is None:
        return Q(pk__in=[])
    listed = product_target_customers(product, campaign.owner.user, today=today)
    return holds(listed.order_by(), column="pk")


def campaign_targets(
    campaign: Campaign, *, today: datetime.date | None = None
) -> QuerySet[Customer]:
    """The union of the campaign's sources, within its owner's scope and branches (one
    statement; no source: nobody). Internal: not scoped for whoever looks."""
    today = today or timezone.localdate()
    sources = list(campaign.targets.select_related("product"))
    if not sources:
        return Customer.objects.none()
    union = functools.reduce(operator.or_, (_source_q(s, campaign, today) for s in sources))
    return owner_reach(campaign).filter(union)


# -- the exclusions and the funnel -----------------------------------------------------------------


@dataclass(frozen=True)
class Exclusion:
    """One rule that leaves customers out: `excluded` selects those it leaves out."""

    code: str
    label: str
    switchable: bool
    on: bool
    excluded: Q


@dataclass(frozen=True)
class FunnelStep:
    """The customers left after one step (the first: all targets), and what it left out."""

    code: str
    label: str
    count: int
    switchable: bool
    on: bool
    excluded: int = 0


TARGETS = "targets"
INACTIVE, NO_CONSENT, OPTED_OUT = "inactive", "no_consent", "opted_out"
CONTACTED, OTHER_CAMPAIGN, OVER_CAP, UNSUITABLE = (
    "contacted",
    "other_campaign",
    "over_cap",
    "unsuitable",
)
STEP_LABELS = {
    TARGETS: gettext_lazy("Targets (every source, in the owner's scope)"),
    INACTIVE: gettext_lazy("Inactive accounts (status not normal)"),
    NO_CONSENT: gettext_lazy("No marketing consent"),
    OPTED_OUT: gettext_lazy("Opted out of marketing"),
    CONTACTED: gettext_lazy("Contacted recently"),
    OTHER_CAMPAIGN: gettext_lazy("In another running campaign"),
    OVER_CAP: gettext_lazy("Over the weekly message limit"),
    UNSUITABLE: gettext_lazy("Not suitable for the product"),
}


def campaign_exclusions(campaign: Campaign, *, now: datetime.datetime) -> list[Exclusion]:
    """The exclusions in the order the funnel applies them, with whether each is on. Being
    inactive or opted out always excludes; a product campaign always leaves out whom the
    product does not suit (the rule has no field, so no form can switch it off)."""
    today = timezone.localdate(now)
    days = campaign.contact_window_days
    contacted_label = (
        ngettext("Contacted within %(days)s day", "Contacted within %(days)s days", days)
        % {"days": days}
        if days
        else STEP_LABELS[CONTACTED]
    )
    contacted = Q(pk__in=[])
    if days:
        interactions, sends = contacted_since_sets(
            since=now - datetime.timedelta(days=days), other_than=campaign
        )
        contacted = holds(interactions) | holds(sends)
    exclusions = [
        Exclusion(
            INACTIVE, str(STEP_LABELS[INACTIVE]), False, True, ~Q(status=CustomerStatus.NORMAL)
        ),
        Exclusion(
            NO_CONSENT,
            str(STEP_LABELS[NO_CONSENT]),
            True,
            campaign.require_consent,
            Q(marketing_consent=False),
        ),
        Exclusion(OPTED_OUT, str(STEP_LABELS[OPTED_OUT]), False, True, holds(opted_out_ids())),
        Exclusion(CONTACTED, contacted_label, True, bool(days), contacted),
        Exclusion(
            OTHER_CAMPAIGN,
            str(STEP_LABELS[OTHER_CAMPAIGN]),
            True,
            campaign.exclude_other_campaigns,
            holds(in_running_campaign_ids(other_than=campaign, today=today)),
        ),
        Exclusion(
            OVER_CAP,
            str(STEP_LABELS[OVER_CAP]),
            True,
            campaign.apply_frequency_cap,
            holds(over_cap_ids(now=now, other_than=campaign)),
        ),
    ]
    if campaign.product is not None:
        suitable = offerable_customers(campaign.product, Customer.objects.all(), today=today)
        exclusions.append(
            Exclusion(
                UNSUITABLE,
                str(STEP_LABELS[UNSUITABLE]),
                False,
                True,
                ~holds(suitable.order_by(), column="pk"),
            )
        )
    return exclusions


def campaign_funnel(campaign: Campaign, *, now: datetime.datetime) -> list[FunnelStep]:
    """The targets, then the customers left after each exclusion in order (an exclusion that
    is off leaves the count as it was), all counted in one aggregate statement over the
    target set: each target flagged once per exclusion, the flags summed cumulatively."""
    exclusions = campaign_exclusions(campaign, now=now)
    applied = [e for e in exclusions if e.on]
    counts = _funnel_counts(campaign_targets(campaign, today=timezone.localdate(now)), applied)
    steps = [FunnelStep(TARGETS, str(STEP_LABELS[TARGETS]), counts[0], False, True)]
    left = iter(counts[1:])
    for exclusion in exclusions:
        count = next(left) if exclusion.on else steps[-1].count
        steps.append(
            FunnelStep(
                exclusion.code,
                exclusion.label,
                count,
                exclusion.switchable,
                exclusion.on,
                excluded=steps[-1].count - count,
            )
        )
    return steps


def _funnel_counts(targets: QuerySet[Customer], applied: list[Exclusion]) -> list[int]:
    """[targets, left after the first applied exclusion, after the second, …]."""
    flags = {
        f"x{index}": Case(
            When(exclusion.excluded, then=Value(1)), default=Value(0), output_field=IntegerField()
        )
        for index, exclusion in enumerate(applied)
    }
    try:
        sql, params = (
            targets.order_by().annotate(**flags).values("pk", *flags).query.sql_with_params()
        )
    except EmptyResultSet:
        return [0] * (len(applied) + 1)
    quote = connection.ops.quote_name
    names = [quote(name) for name in flags]
    columns = ["COUNT(*)"] + [
        f"COALESCE(SUM(CASE WHEN {' + '.join(names[: index + 1])} = 0 THEN 1 ELSE 0 END), 0)"
        for index in range(len(names))
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM ({sql}) flags", params)
        return [int(value) for value in cursor.fetchone()]


def campaign_eligible(campaign: Campaign, *, now: datetime.datetime) -> QuerySet[Customer]:
    """The customers the funnel's last step leaves: targets that no applied exclusion leaves
    out. Internal."""
    customers = campaign_targets(campaign, today=timezone.localdate(now))
    for exclusion in campaign_exclusions(campaign, now=now):
        if exclusion.on:
            customers = customers.exclude(exclusion.excluded)
    return customers


def frozen_funnel(steps: list[FunnelStep]) -> list[list]:
    """The funnel as Campaign.funnel keeps it: [[step code, customers left], …]."""
    return [[step.code, step.count] for step in steps]


# -- set-based inserts ---------------------------------------------------------------------------


def insert_select(*, table: str, columns: list[str], queryset: QuerySet, values: list) -> int:
    """INSERT INTO table (columns) SELECT values…, pk FROM queryset: one statement, the
    constants `values` first, the queryset's primary key last. Returns the rows written."""
    try:
        sql, params = queryset.order_by().values(chosen_id=F("pk")).query.sql_with_params()
    except EmptyResultSet:
        return 0
    quote = connection.ops.quote_name
    constants = ", ".join(["%s"] * len(values))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "
            f"SELECT {constants}{', ' if values else ''}chosen.chosen_id FROM ({sql}) chosen",
            [*values, *params],
        )
        return cursor.rowcount


# -- uploaded lists ------------------------------------------------------------------------------


def upload_numbers_of(*, file_name: str, content: bytes) -> list[str]:
    """The customer numbers of a CSV or text file (segment_lists.upload_numbers_read's rules)
    or of the first column of an .xlsx workbook's first sheet. ValidationError naming the
    file and the cause for anything else."""
    try:
        if content.startswith(XLSX_MAGIC):
            content = _workbook_as_csv(file_name, content)
        return upload_numbers_read(content, file_name=file_name)
    except UploadRefused as refused:
        raise ValidationError(str(refused)) from None


def _workbook_as_csv(file_name: str, content: bytes) -> bytes:
    import openpyxl  # only an upload of a workbook needs it

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise UploadRefused(
            _("%(file)s cannot be uploaded: %(cause)s")
            % {
                "file": file_name,
                "cause": _("it cannot be read as an .xlsx workbook (%(error)s).")
                % {"error": error or type(error).__name__},
            }
        ) from None
    out = io.StringIO()
    writer = csv.writer(out)
    try:
        for row in workbook.worksheets[0].iter_rows(max_col=1, values_only=True):
            value = row[0] if row else None
            if isinstance(value, float) and value.is_integer():
                value = int(value)  # a number typed into a cell
            writer.writerow(["" if value is None else str(value)])
    finally:
        workbook.close()
    return out.getvalue().encode("utf-8")


def campaign_upload(*, campaign: Campaign, file, user, request=None) -> CampaignUpload:
    """Add an uploaded list of customer numbers (CSV, text or .xlsx) to the campaign's
    targets. Its customers are those of the numbers that the uploader may see inside the
    campaign's reach (owner's scope and branches); the report keeps the numbers that matched
    nobody the uploader may see, and those the uploader sees outside the campaign's reach.
    A ValidationError naming the file and the cause for a bad file; nothing is written then."""
    from marketing.services.campaigns import campaign_changed, campaign_editable_check

    file_name = getattr(file, "name", "") or _("the file")
    numbers = upload_numbers_of(file_name=file_name, content=file.read())
    with transaction.atomic():
        campaign = (
            Campaign.objects.select_for_update(of=("self",))
            .select_related("owner__user")
            .get(pk=campaign.pk)
        )
        campaign_editable_check(campaign)
        _stage(numbers)
        staged = RawSQL(f"SELECT cust_no FROM {STAGE}", [])  # noqa: S611 (no user text)
        reach = owner_reach(campaign)
        found = (
            scope_for_user(user, Customer.objects.filter(cust_no__in=staged))
            .annotate(
                reached=Case(
                    When(pk__in=reach.values("pk"), then=Value(1)),
                    default=Value(0),
                    output_field=IntegerField(),
                )
            )
            .values_list("cust_no", "reached")
        )
        reached = {number: bool(flag) for number, flag in found}
        upload = CampaignUpload.objects.create(
            campaign=campaign,
            file_name=file_name[:255],
            uploaded_by=user,
            numbers=len(numbers),
            matched=sum(reached.values()),
            unmatched=[n for n in numbers if n not in reached][:UNMATCHED_KEPT],
            out_of_scope=[n for n in numbers if reached.get(n) is False][:UNMATCHED_KEPT],
        )
        chosen = scope_for_user(user, reach.filter(cust_no__in=staged))
        through = CampaignUpload.customers.through
        insert_select(
            table=through._meta.db_table,
            columns=["campaignupload_id", "customer_id"],
            queryset=chosen,
            values=[upload.pk],
        )
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {STAGE}")
        CampaignTarget.objects.create(campaign=campaign, kind=TargetKind.UPLOAD, upload=upload)
        audit_record(
            actor=user,
            action="campaign.upload",
            target=campaign,
            request=request,
            details={
                "file": upload.file_name,
                "numbers": upload.numbers,
                "matched": upload.matched,
                "unmatched": len(upload.unmatched),
                "out_of_scope": len(upload.out_of_scope),
            },
        )
        campaign_changed(campaign=campaign, user=user, what="targets")
    return upload
