"""Reads of segments for their pages: the list with the members each user may see, one
segment's members, who joined and left this week, its size over time, its evaluation log,
and why one customer is in or out.

Everybody may open a segment; its members are narrowed to the user's scope on every road
(customers_for_user, or crm.scoping on the membership rows, which reach the customer the
same way): a broker sees, counts and exports only their own members. Company-wide figures
(the members kept on the segment, the evaluation log's counts) go to company-wide users only.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from crm.scoping import reach_of, scope_for_user
from customers.models import Customer
from customers.selectors.customers import customer_get_for_user, customers_for_user
from marketing.models import Segment, SegmentChange, SegmentEvaluation, SegmentMember
from marketing.segments.compiler import RuleError, Verdict, explain, rule_in_words, validate
from marketing.segments.context import rule_context

CHANGES_SHOWN = 10  # of who joined and left this week, on the page (the count says how many)
LOG_SHOWN = 20  # evaluations in the log on the page


@dataclass(frozen=True)
class SegmentRow:
    segment: Segment
    members: int  # in the user's scope

    @property
    def state(self) -> str:
        """ "failed" (kept the last members), "inactive" (not evaluated nightly), "never"
        (not evaluated yet), "ok"; "" for a static list."""
        segment = self.segment
        if segment.failed_at:
            return "failed"
        if not segment.is_dynamic:
            return ""
        if not segment.active:
            return "inactive"
        return "ok" if segment.evaluated_at else "never"


def segments_for_user(user) -> list[SegmentRow]:
    """Every segment with its members in the user's scope: for company-wide users the count
    the last evaluation kept, for anybody else one grouped count of their own members."""
    segments = list(Segment.objects.order_by("name"))
    if reach_of(user).everything:
        return [SegmentRow(segment, segment.members_count) for segment in segments]
    counts = dict(
        scope_for_user(user, SegmentMember.objects.all())
        .values("segment_id")
        .annotate(members=Count("*"))
        .values_list("segment_id", "members")
    )
    return [SegmentRow(segment, counts.get(segment.pk, 0)) for segment in segments]


def segment_get(*, pk: int) -> Segment:
    """One segment (anybody may open it; what it shows of its members is scoped), or 404."""
    segment = Segment.objects.select_related("frozen_from").filter(pk=pk).first()
    if segment is None:
        raise Http404(_("No such segment."))
    return segment


def segment_members_for_user(user, segment: Segment) -> QuerySet[Customer]:
    """The segment's members the user may see, as the customer list's rows (figures
    flattened on), each with the day they joined (`joined_on`)."""
    members = SegmentMember.objects.filter(segment=segment)
    joined_on = members.filter(customer_id=OuterRef("pk")).values("joined_on")[:1]
    return (
        customers_for_user(user)
        .filter(pk__in=members.values("customer_id"))
        .annotate(joined_on=Subquery(joined_on))
    )


def segment_members_count(user, segment: Segment) -> int:
    """How many members the user sees: the kept count for company-wide users."""
    if reach_of(user).everything:
        return segment.members_count
    return scope_for_user(user, SegmentMember.objects.filter(segment=segment)).count()


def week_start(today: datetime.date) -> datetime.date:
    """The Monday of `today`'s week."""
    return today - datetime.timedelta(days=today.weekday())


def segment_changed_for_user(
    user, segment: Segment, *, joined: bool, since: datetime.date
) -> QuerySet[Customer]:
    """The customers in the user's scope who joined (or left) the segment on `since` or
    later: "who entered this segment this week" is `since=week_start(today)`. A customer
    who joined and left again within the days counts in both."""
    changes = SegmentChange.objects.filter(segment=segment, joined=joined, day__gte=since)
    return customers_for_user(user).filter(pk__in=changes.values("customer_id"))


@dataclass(frozen=True)
class Changes:
    count: int
    customers: list[Customer]  # the first CHANGES_SHOWN, by customer number

    @property
    def more(self) -> int:
        return self.count - len(self.customers)


@dataclass(frozen=True)
class WeekChanges:
    since: datetime.date
    joined: Changes
    left: Changes


def segment_week_changes(user, segment: Segment, *, today: datetime.date) -> WeekChanges:
    since = week_start(today)

    def changes(joined: bool) -> Changes:
        customers = segment_changed_for_user(user, segment, joined=joined, since=since)
        shown = list(customers.order_by("cust_no")[:CHANGES_SHOWN])
        count = len(shown) if len(shown) < CHANGES_SHOWN else customers.count()
        return Changes(count=count, customers=shown)

    return WeekChanges(since=since, joined=changes(True), left=changes(False))


def segment_size_history(user, segment: Segment) -> list[tuple[datetime.date, int]]:
    """The members the user sees at the end of each day the segment changed, oldest first.
    Company-wide users read the evaluation log (the members after the day's last successful
    evaluation); anybody else the joined and left changes of their own customers, summed day
    by day (one grouped query)."""
    if reach_of(user).everything:
        log = SegmentEvaluation.objects.filter(segment=segment, error="").order_by("started_at")
        # The day's last evaluation wins.
        sizes = dict(log.values_list("day", "members"))
        return sorted(sizes.items())
    changes = (
        scope_for_user(user, SegmentChange.objects.filter(segment=segment))
        .values("day")
        .annotate(came=Count("pk", filter=Q(joined=True)), went=Count("pk", filter=Q(joined=False)))
        .order_by("day")
    )
    size, points = 0, []
    for row in changes:
        size += row["came"] - row["went"]
        points.append((row["day"], size))
    return points


@dataclass(frozen=True)
class LogRow:
    evaluation: SegmentEvaluation
    counts_shown: bool  # the members, joined and left company-wide: for company-wide users


def segment_log(user, segment: Segment) -> list[LogRow]:
    """The latest evaluations; their counts are company-wide, so only company-wide users
    see them (the others see when, how long and whether it failed)."""
    shown = reach_of(user).everything
    evaluations = SegmentEvaluation.objects.filter(segment=segment)[:LOG_SHOWN]
    return [LogRow(evaluation, shown) for evaluation in evaluations]


@dataclass(frozen=True)
class RuleText:
    words: str  # the rule in the reader's language, or what is wrong with it
    valid: bool


def segment_rule_text(segment: Segment) -> RuleText:
    """The rule in the reader's language; a rule that no longer validates says why (its
    evaluations fail until it is corrected)."""
    if not segment.is_dynamic:
        return RuleText("", True)
    try:
        return RuleText(rule_in_words(validate(segment.rule, segment=segment)), True)
    except RuleError as error:
        return RuleText(str(error), False)


@dataclass(frozen=True)
class Why:
    customer: Customer
    member_since: datetime.date | None  # None: not a member now
    verdict: Verdict | None  # the rule read for the customer now (dynamic segments)
    problem: str  # the rule does not validate

    @property
    def differs(self) -> bool:
        """The rule read now and the membership the last evaluation left disagree (the
        customer's data changed since; the next evaluation follows the rule)."""
        return self.verdict is not None and self.verdict.passed != (self.member_since is not None)


def segment_why_for_user(user, segment: Segment, *, cust_no: str) -> Why:
    """Why a customer the user may see is in the segment or not: their membership as the
    last evaluation left it and, for a dynamic segment, the rule read for them now. A
    customer out of scope is the same 404 as one that does not exist."""
    customer = customer_get_for_user(user, cust_no=cust_no)
    member_since = (
        SegmentMember.objects.filter(segment=segment, customer_id=customer.pk)
        .values_list("joined_on", flat=True)
        .first()
    )
    if not segment.is_dynamic:
        return Why(customer, member_since, None, "")
    try:
        tree = validate(segment.rule, segment=segment)
    except RuleError as error:
        return Why(customer, member_since, None, str(error))
    verdict = explain(tree, customer, rule_context(), segment_id=segment.pk)
    return Why(customer, member_since, verdict, "")


def segments_of_customer(customer: Customer) -> QuerySet[SegmentMember]:
    """The segments a customer (already in the user's scope) is a member of, by name."""
    return (
        SegmentMember.objects.filter(customer_id=customer.pk)
        .select_related("segment")
        .order_by("segment__name")
    )
