"""Writes of investor-class applications (投资者类别转化): a customer's application submitted
from the 360 page, and its review by head office (started, then approved or rejected). Each
move is an ApplicationStep and an audit entry; an approval changes the customer's class in
the same transaction. The rules they follow are products/selectors/applications.py's.

Refused business moves raise ValidationError with a translated message for the form to show;
a user who may not make the move gets PermissionDenied, before anything is written.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.services import audit_record
from customers.models import Customer
from customers.permissions import may_act_for_customer
from products.models import (
    ApplicationStatus,
    ApplicationStep,
    ProfessionalApplication,
)
from products.models.suitability import OPEN_APPLICATION_STATUSES
from products.selectors.applications import (
    APPLICATION_FLOW,
    DECISIONS,
    application_evidence_verdict,
    class_after_approval,
    direction_open_to,
    may_review_applications,
    needs_evidence,
)


def _open_refusal() -> ValidationError:
    return ValidationError(
        _("The customer already has an open application: it must be decided first.")
    )


@transaction.atomic
def application_submit(
    *,
    customer: Customer,
    direction: str,
    by,
    financial_assets: Decimal | None = None,
    annual_income: Decimal | None = None,
    experience_years: int | None = None,
    evidence: str = "",
) -> ProfessionalApplication:
    """Submit an application for `customer` (who came through customer_get_for_user) on
    behalf of the customer, by staff who may act for them. To professional takes the
    evidence (experience, and financial assets or income); to ordinary is the customer's
    election and takes only what they stated."""
    if not may_act_for_customer(by, customer):
        raise PermissionDenied(
            _("Only the customer's serving staff, their leads and head office may apply.")
        )
    # The customer as the database has it now, locked: their class decides the direction.
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if direction != direction_open_to(customer):
        raise ValidationError(
            _("This customer cannot apply for that: their investor class has changed.")
        )
    incomplete = experience_years is None or (financial_assets is None and annual_income is None)
    if needs_evidence(customer, direction) and incomplete:
        raise ValidationError(
            _(
                "Give the years of investment experience and the financial assets or the "
                "average annual income."
            )
        )
    evidence = evidence.strip()
    if not evidence:
        raise ValidationError(_("Describe the evidence the customer gave."))
    if ProfessionalApplication.objects.filter(
        customer=customer, status__in=OPEN_APPLICATION_STATUSES
    ).exists():
        raise _open_refusal()
    try:
        with transaction.atomic():  # a concurrent submission meets the database's constraint
            application = ProfessionalApplication.objects.create(
                customer=customer,
                direction=direction,
                financial_assets=financial_assets,
                annual_income=annual_income,
                experience_years=experience_years,
                evidence=evidence,
                submitted_by=by,
            )
    except IntegrityError:
        raise _open_refusal() from None
    ApplicationStep.objects.create(
        application=application, actor=by, action=ApplicationStatus.SUBMITTED
    )
    audit_record(
        actor=by,
        action="class_application.submit",
        target=application,
        details={"direction": direction},
    )
    return application


@transaction.atomic
def application_move(
    *, application: ProfessionalApplication, to_status: str, by, note: str = ""
) -> ProfessionalApplication:
    """Move an application one step (APPLICATION_FLOW): start its review, then approve or
    reject it with a note. Approving changes the customer's class (class_after_approval);
    a conversion to class C needs evidence meeting the thresholds."""
    if not may_review_applications(by):
        raise PermissionDenied(_("Only head office reviews investor-class applications."))
    # The status as the database has it now, locked: a double click must not decide twice.
    current = (
        ProfessionalApplication.objects.select_for_update()
        .values_list("status", flat=True)
        .get(pk=application.pk)
    )
    application.status = current
    if to_status not in APPLICATION_FLOW.get(current, ()):
        if to_status in DECISIONS:
            raise ValidationError(_("Only an application in review can be approved or rejected."))
        labels = dict(ApplicationStatus.choices)
        raise ValidationError(
            _('An application that is "%(current)s" cannot be moved to "%(target)s".')
            % {"current": labels.get(current, current), "target": labels.get(to_status, to_status)}
        )
    note = note.strip()
    if to_status in DECISIONS and not note:
        raise ValidationError(_("Give the reason for the decision."))
    if to_status == ApplicationStatus.APPROVED:
        _customer_class_change(application=application, by=by)
    fields = ["status"]
    application.status = to_status
    if to_status in DECISIONS:
        application.decided_by, application.decided_at = by, timezone.now()
        application.decision_note = note
        fields += ["decided_by", "decided_at", "decision_note"]
    application.save(update_fields=fields)
    ApplicationStep.objects.create(application=application, actor=by, action=to_status, note=note)
    audit_record(
        actor=by, action="class_application.move", target=application, details={"to": to_status}
    )
    return application


def _customer_class_change(*, application: ProfessionalApplication, by) -> None:
    """The approval's change of the customer, locked and audited with what it was before."""
    customer = Customer.objects.select_for_update().get(pk=application.customer_id)
    if direction_open_to(customer) != application.direction:
        raise ValidationError(
            _("The customer's investor class changed since the application: reject it.")
        )
    if needs_evidence(customer, application.direction) and not (
        application_evidence_verdict(application).met
    ):
        raise ValidationError(
            _("The evidence does not meet the thresholds of a professional investor.")
        )
    changes = class_after_approval(customer, application.direction)
    before = {name: getattr(customer, name) for name in changes}
    for name, value in changes.items():
        setattr(customer, name, value)
    customer.save(update_fields=[*changes, "updated_at"])
    application.customer = customer
    audit_record(
        actor=by,
        action="customer.investor_class",
        target=customer,
        details={"application": application.pk, "before": before, "after": changes},
    )
