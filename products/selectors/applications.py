"""Reads of investor-class applications (投资者类别转化): who may review them, the thresholds
an ordinary investor's evidence must meet to become a professional one, the direction open
to a customer, the review queue and one application with its steps.

Functions that take a `user` scope through crm.scoping; those that take only a customer are
internal: their caller got the customer through customer_get_for_user. The writes are
products/services/applications.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import django_filters
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.roles import COMPANY_WIDE_ROLES
from crm.scoping import scope_for_user
from crm.selectors import role_of
from products.models import (
    ApplicationDirection,
    ApplicationStatus,
    ApplicationStep,
    ProfessionalApplication,
    ProfessionalClass,
)
from products.models.suitability import OPEN_APPLICATION_STATUSES
from products.suitability import Profile

# The review's workflow: what each status may move to next. Only an application in review is
# decided; a decided one moves no more.
APPLICATION_FLOW: dict[str, tuple[str, ...]] = {
    ApplicationStatus.SUBMITTED: (ApplicationStatus.IN_REVIEW,),
    ApplicationStatus.IN_REVIEW: (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED),
}
DECISIONS = (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED)
# A step is named by the status it moved the application to (ApplicationStep.action).
STEP_LABELS: dict[str, object] = {
    ApplicationStatus.SUBMITTED: pgettext_lazy("application step", "Submitted"),
    ApplicationStatus.IN_REVIEW: pgettext_lazy("application step", "Review started"),
    ApplicationStatus.APPROVED: pgettext_lazy("application step", "Approved"),
    ApplicationStatus.REJECTED: pgettext_lazy("application step", "Rejected"),
    ApplicationStatus.WITHDRAWN: pgettext_lazy("application step", "Withdrawn"),
}
MOVE_LABELS: dict[str, object] = {
    ApplicationStatus.IN_REVIEW: _("Start the review"),
    ApplicationStatus.APPROVED: _("Approve"),
    ApplicationStatus.REJECTED: _("Reject"),
}
# Professional classes that stay professional when they elect to be treated as ordinary
# (financial institutions, and those meeting the thresholds by themselves); a class C
# professional was converted on application and goes back to being an ordinary investor.
KEEP_CLASS_WHEN_ORDINARY = (ProfessionalClass.A, ProfessionalClass.B)
CUSTOMER_PANEL_APPLICATIONS = 5


def may_review_applications(user) -> bool:
    """Head office (compliance) and administrators review applications company-wide."""
    return role_of(user) in COMPANY_WIDE_ROLES


# -- the thresholds of converting an ordinary investor (证券期货投资者适当性管理办法, art. 8) ----


@dataclass(frozen=True)
class Thresholds:
    """Financial assets of at least `financial_assets`, or an average annual income over the
    last three years of at least `annual_income`; and at least `experience_years` of
    investment experience."""

    financial_assets: Decimal
    annual_income: Decimal
    experience_years: int


THRESHOLD_DEFAULTS = {
    "PROFESSIONAL_MIN_FINANCIAL_ASSETS": "3000000",
    "PROFESSIONAL_MIN_ANNUAL_INCOME": "300000",
    "PROFESSIONAL_MIN_EXPERIENCE_YEARS": "1",
}


def _threshold(name: str) -> Decimal:
    raw = getattr(settings, name, THRESHOLD_DEFAULTS[name])
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}.") from None
    if not value.is_finite() or value < 0:
        raise ImproperlyConfigured(f"{name} must be a number of at least 0, not {raw!r}.")
    return value


def professional_thresholds() -> Thresholds:
    """The thresholds from the settings (the regulation's by default); a bad value is refused
    loudly, never read as zero."""
    return Thresholds(
        financial_assets=_threshold("PROFESSIONAL_MIN_FINANCIAL_ASSETS"),
        annual_income=_threshold("PROFESSIONAL_MIN_ANNUAL_INCOME"),
        experience_years=int(_threshold("PROFESSIONAL_MIN_EXPERIENCE_YEARS")),
    )


@dataclass(frozen=True)
class EvidenceVerdict:
    """Whether each figure of the evidence meets its threshold (None: not given)."""

    assets_met: bool | None
    income_met: bool | None
    experience_met: bool | None

    @property
    def met(self) -> bool:
        """Assets or income, and experience."""
        return bool((self.assets_met or self.income_met) and self.experience_met)


def evidence_verdict(
    *,
    financial_assets: Decimal | None,
    annual_income: Decimal | None,
    experience_years: int | None,
    thresholds: Thresholds,
) -> EvidenceVerdict:
    def at_least(value, threshold) -> bool | None:
        return None if value is None else value >= threshold

    return EvidenceVerdict(
        assets_met=at_least(financial_assets, thresholds.financial_assets),
        income_met=at_least(annual_income, thresholds.annual_income),
        experience_met=at_least(experience_years, thresholds.experience_years),
    )


def application_evidence_verdict(
    application: ProfessionalApplication, thresholds: Thresholds | None = None
) -> EvidenceVerdict:
    return evidence_verdict(
        financial_assets=application.financial_assets,
        annual_income=application.annual_income,
        experience_years=application.experience_years,
        thresholds=thresholds or professional_thresholds(),
    )


# -- a customer's standing --------------------------------------------------------------------


def is_professional(customer) -> bool:
    """A professional investor who has not elected to be treated as an ordinary one (as the
    suitability check reads them)."""
    return Profile.of(customer).professional


def direction_open_to(customer) -> str:
    """The one application a customer may make: an ordinary investor (or a professional
    treated as one) to professional, a professional to ordinary."""
    if is_professional(customer):
        return ApplicationDirection.TO_ORDINARY
    return ApplicationDirection.TO_PROFESSIONAL


def class_after_approval(customer, direction: str) -> dict[str, object]:
    """The customer's fields once an application of `direction` is approved:
    - to professional: a class A/B professional who had elected to be treated as ordinary is a
      professional of their class again; anybody else becomes a class C professional;
    - to ordinary: a class A/B professional is treated as ordinary (and stays professional);
      a class C one (or one whose class is not recorded, which suitability reads as C) is an
      ordinary investor again."""
    keeps_class = customer.investor_class == "professional" and (
        customer.professional_class in KEEP_CLASS_WHEN_ORDINARY
    )
    if direction == ApplicationDirection.TO_PROFESSIONAL:
        if keeps_class:
            return {"treated_as_ordinary": False}
        return {
            "investor_class": "professional",
            "professional_class": ProfessionalClass.C,
            "treated_as_ordinary": False,
        }
    if keeps_class:
        return {"treated_as_ordinary": True}
    return {"investor_class": "ordinary", "professional_class": "", "treated_as_ordinary": False}


def needs_evidence(customer, direction: str) -> bool:
    """Whether approving takes evidence meeting the thresholds: a conversion to class C."""
    changes = class_after_approval(customer, direction)
    return changes.get("professional_class") == ProfessionalClass.C


# -- the applications -------------------------------------------------------------------------


def _with_steps(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("submitted_by__staff", "decided_by__staff").prefetch_related(
        Prefetch("steps", queryset=ApplicationStep.objects.select_related("actor__staff"))
    )


def applications_for_user(user) -> QuerySet:
    """The applications of the customers in the user's scope, newest first, with their
    customer and branch (the review queue's rows)."""
    queryset = ProfessionalApplication.objects.select_related(
        "customer", "customer__branch", "submitted_by__staff"
    )
    return scope_for_user(user, queryset).order_by("-submitted_at", "-id")


def application_get_for_user(user, *, pk: int) -> ProfessionalApplication:
    """The one road to a single application, with its customer and steps: out of scope and
    missing are the same 404."""
    application = _with_steps(applications_for_user(user)).filter(pk=pk).first()
    if application is None:
        raise Http404(_("No such application."))
    return application


def applications_of_customer(customer) -> list[ProfessionalApplication]:
    """The customer's latest applications, open first, with their steps (two queries).
    Internal: the customer came through customer_get_for_user."""
    rows = list(
        _with_steps(ProfessionalApplication.objects.filter(customer=customer)).order_by(
            "-submitted_at", "-id"
        )[:CUSTOMER_PANEL_APPLICATIONS]
    )
    return sorted(rows, key=lambda row: row.status not in OPEN_APPLICATION_STATUSES)


def application_moves(application: ProfessionalApplication, *, user) -> list[dict]:
    """The moves open to the application and to `user`, [{status, label, decision}]: none for
    a user who does not review applications."""
    if not may_review_applications(user):
        return []
    return [
        {"status": status, "label": MOVE_LABELS[status], "decision": status in DECISIONS}
        for status in APPLICATION_FLOW.get(application.status, ())
    ]


class ApplicationFilter(django_filters.FilterSet):
    """The review queue's filters: open applications unless another status is asked for."""

    OPEN = "open"

    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[(OPEN, _("Open (submitted or in review)")), *ApplicationStatus.choices],
        method="filter_status",
        empty_label=_("Any status"),
    )
    direction = django_filters.ChoiceFilter(
        label=_("Direction"), choices=ApplicationDirection.choices, empty_label=_("Both")
    )

    class Meta:
        model = ProfessionalApplication
        fields = ("status", "direction")

    def filter_status(self, queryset, name, value):
        if value == self.OPEN:
            return queryset.filter(status__in=OPEN_APPLICATION_STATUSES)
        return queryset.filter(status=value)
