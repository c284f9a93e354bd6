"""The suitability record (适当性匹配的留痕): a check of a customer and a product written with
what both were at that moment, the special risk warning (风险警示) a mismatch is sold under,
and the customer's confirmation of it. The checking itself is products/suitability.py."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from products.models import (
    CheckPurpose,
    CheckResult,
    Product,
    SuitabilityCheck,
    SuitabilityConfirmation,
)
from products.suitability import Reason, Verdict, verdict_for


def user_or_none(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def suitability_check_record(
    *,
    customer,
    product: Product,
    actor,
    purpose: str,
    amount: Decimal | None = None,
    today: datetime.date | None = None,
) -> tuple[SuitabilityCheck, Verdict]:
    """Check `product` for `customer` (with `amount` for a sale) and append the check to the
    log with its result, every reason and the snapshot the verdict was made on."""
    if purpose not in CheckPurpose.values:
        raise ValueError(f"Unknown check purpose {purpose!r}")
    verdict = verdict_for(customer, product, today=today, amount=amount)
    record = SuitabilityCheck.objects.create(
        actor=user_or_none(actor),
        customer=customer,
        product=product,
        purpose=purpose,
        result=verdict.result,
        reasons=[str(reason) for reason in verdict.reasons],
        category=verdict.category,
        customer_risk_level=customer.risk_level or "",
        assessed_on=customer.risk_assessed_on,
        product_risk=product.risk_level,
        amount=amount,
    )
    return record, verdict


def risk_warning_text(verdict: Verdict, product: Product, customer) -> str:
    """The special risk warning shown to the customer before a mismatch sale, in the active
    language, naming every reason of `verdict`; empty for a suitable verdict."""
    if verdict.suitable:
        return ""
    lines = [
        _("Special risk warning"),
        _(
            "Customer %(customer)s (%(number)s): the product %(code)s %(product)s, risk level "
            "%(risk)s, does not suit you, for these reasons:"
        )
        % {
            "customer": customer.name,
            "number": customer.cust_no,
            "code": product.code,
            "product": product.name,
            "risk": product.risk_level,
        },
    ]
    lines += [f"- {Reason(code).label}" for code in verdict.reasons]
    if verdict.result == CheckResult.PROHIBITED:
        lines.append(_("It cannot be sold to you, whatever you confirm."))
    else:
        lines.append(
            _(
                "You are buying it at your own request. By confirming you state that you have "
                "read this warning, understand the product's risks and bear the losses it may "
                "bring."
            )
        )
    return "\n".join(lines)


# The checks a customer's confirmation may follow: made at their own request here, or by the
# selling system that an imported sale comes from.
CONFIRMABLE_PURPOSES = (CheckPurpose.CUSTOMER_REQUEST, CheckPurpose.SALE_IMPORT)


@transaction.atomic
def confirmation_record(
    *, check: SuitabilityCheck, actor, warning_text: str, recording_ref: str = ""
) -> SuitabilityConfirmation:
    """Record the customer's confirmation of the special risk warning shown after a mismatch
    check made at their own request, or brought with an imported sale (the selling system
    took it at the customer's request; the import names its recording). A prohibited or
    suitable check, one made for another purpose, and one already confirmed are refused."""
    if check.result == CheckResult.PROHIBITED:
        raise ValidationError(
            _("This product is prohibited for the customer: no confirmation can allow the sale."),
            code="prohibited",
        )
    if check.result == CheckResult.SUITABLE:
        raise ValidationError(
            _("The product suits the customer: there is no risk warning to confirm."),
            code="suitable",
        )
    if check.purpose not in CONFIRMABLE_PURPOSES:
        raise ValidationError(
            _(
                "A mismatch sale can only start from the customer's own request: check the "
                "product again as the customer's request."
            ),
            code="not_requested",
        )
    if not warning_text.strip():
        raise ValidationError(
            _("Record the text of the risk warning shown to the customer."), code="no_warning"
        )
    already = ValidationError(_("This check has already been confirmed."), code="already_confirmed")
    if SuitabilityConfirmation.objects.filter(suitability_check=check).exists():
        raise already
    try:
        with transaction.atomic():
            return SuitabilityConfirmation.objects.create(
                suitability_check=check,
                actor=user_or_none(actor),
                warning_text=warning_text,
                recording_ref=recording_ref.strip(),
            )
    except IntegrityError:  # confirmed at the same moment by another request
        raise already from None


def sale_allowed(check: SuitabilityCheck) -> bool:
    """Whether a sale may go ahead on `check`: it found the product suitable, or it found a
    mismatch that the customer confirmed."""
    if check.result == CheckResult.SUITABLE:
        return True
    return (
        check.result == CheckResult.MISMATCH
        and SuitabilityConfirmation.objects.filter(suitability_check=check).exists()
    )
