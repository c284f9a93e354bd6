"""Recording product sales: one entered on the 360 page or one row of an imported file, each
behind a suitability check that allows it (products/services/checks.py says which do). The
import of a file of sales is `product_sales_import`, called by the command of that name."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.csvsafe import csv_safe
from crm.dates import EARLIEST
from crm.models import Staff
from crm.services import audit_record
from customers.models import Customer
from products.models import (
    CheckPurpose,
    CheckResult,
    Product,
    ProductSale,
    SaleChannel,
    SaleSource,
    SuitabilityCheck,
    SuitabilityConfirmation,
)
from products.services.checks import (
    CONFIRMABLE_PURPOSES,
    confirmation_record,
    risk_warning_text,
    sale_allowed,
    suitability_check_record,
    user_or_none,
)
from products.suitability import Reason, Verdict

CENT = Decimal("0.01")


def sale_fee(product: Product, amount: Decimal) -> Decimal:
    """The sales fee the brokerage earns on `amount` of `product`, to the cent."""
    return (amount * product.fee_rate).quantize(CENT, rounding=ROUND_HALF_UP)


def sale_refusal(check: SuitabilityCheck, *, amount: Decimal, sold_on: datetime.date) -> str:
    """Why `check` cannot back a sale of `amount` on `sold_on` ("" if it can): the check must
    allow a sale (suitable, or a confirmed mismatch of the customer's own request), back no
    other sale, and have covered the amount where it is below the minimum investment; the
    product must be on sale that day, which is not in the future."""
    product = check.product
    if not sale_allowed(check):
        if check.result == CheckResult.PROHIBITED:
            return _("The check prohibits this sale, whatever the customer confirms.")
        if check.purpose not in CONFIRMABLE_PURPOSES:
            return _(
                "The product does not suit the customer: a sale can only start from the "
                "customer's own request, with a special risk warning they confirm."
            )
        return _("The customer has not confirmed the special risk warning of this check.")
    if check.sales.exists():
        return _("This check already backs a sale: check the product again for another one.")
    if amount < 0:
        return _("The amount cannot be negative.")
    if amount < product.minimum_investment and check.amount != amount:
        return _(
            "The amount is below the product's minimum investment: check the product again "
            "with this amount."
        )
    if not EARLIEST <= sold_on <= timezone.localdate():
        return _("The sale date must be between %(earliest)s and today.") % {
            "earliest": EARLIEST.isoformat()
        }
    if not product.on_sale(sold_on):
        return _("The product is not on sale on %(day)s.") % {"day": sold_on.isoformat()}
    return ""


@transaction.atomic
def sale_record(
    *,
    check: SuitabilityCheck,
    amount: Decimal,
    sold_on: datetime.date,
    channel: str,
    actor,
    staff: Staff | None = None,
    fee: Decimal | None = None,
    source: str = SaleSource.ENTERED,
    external_ref: str = "",
) -> ProductSale:
    """Record a sale of the check's product to the check's customer, and audit it.
    ValidationError, saying why, unless the check allows it (sale_refusal); the fee is the
    amount times the product's fee rate unless given."""
    # The lock makes a second sale on the same check wait for the first and then see it.
    check = (
        SuitabilityCheck.objects.select_for_update(of=("self",))
        .select_related("product")
        .get(pk=check.pk)
    )
    if channel not in SaleChannel.values:
        raise ValidationError(_("Choose a channel of the list."), code="channel")
    refusal = sale_refusal(check, amount=amount, sold_on=sold_on)
    if refusal:
        raise ValidationError(refusal, code="refused")
    if fee is not None and fee < 0:
        raise ValidationError(_("The fee cannot be negative."), code="fee")
    sale = ProductSale.objects.create(
        customer_id=check.customer_id,
        product=check.product,
        amount=amount,
        fee=sale_fee(check.product, amount) if fee is None else fee,
        sold_on=sold_on,
        staff=staff,
        channel=channel,
        suitability_check=check,
        source=source,
        external_ref=external_ref,
        created_by=user_or_none(actor),
    )
    audit_record(
        actor=actor,
        action="product_sale.record",
        target=sale,
        details={
            "product": check.product.code,
            "amount": str(amount),
            "check": check.pk,
            "source": source,
        },
    )
    return sale


# -- the import of a file of sales ---------------------------------------------------------------

IMPORT_COLUMNS = (
    "external_ref",
    "cust_no",
    "product_code",
    "amount",
    "fee",
    "sold_on",
    "staff_code",
    "channel",
    "confirmation_recording_ref",
    "confirmation_warning",
)
REPORT_COLUMNS = ("line", *IMPORT_COLUMNS, "reasons")
REF_LENGTH = ProductSale._meta.get_field("external_ref").max_length or 0
RECORDING_REF_LENGTH = SuitabilityConfirmation._meta.get_field("recording_ref").max_length or 0


@dataclass
class SalesImport:
    """What an import did: the sales it created, the rows already imported (by reference,
    before or earlier in the file), and the rejected rows with their reasons."""

    created: int = 0
    duplicates: int = 0
    rejected: list[dict] = field(default_factory=list)
    report: Path | None = None


def sales_import_report_path(path: Path) -> Path:
    """The report of rejected rows, next to the file imported."""
    return path.with_name(f"{path.stem}.rejected.csv")


# What ProductSale's (and SuitabilityCheck's) amounts hold: 20 digits, two of them cents.
MONEY_LIMIT = Decimal(10) ** 18


def _money(text: str) -> Decimal | None:
    """An amount of at least 0 in cents that the columns hold, or None."""
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value >= MONEY_LIMIT or value != value.quantize(CENT):
        return None
    return value


def _reasons_of(verdict: Verdict) -> str:
    return "; ".join(str(Reason(code).label) for code in verdict.reasons)


def _import_row(row: dict, *, customers, products, staff, seen: set[str]) -> tuple[str, str]:
    """One row: ("created" | "duplicate" | "rejected", the reasons of a rejection)."""
    ref = row["external_ref"]
    if not ref:
        return "rejected", _("The reference (external_ref) is missing.")
    if len(ref) > REF_LENGTH or len(row["confirmation_recording_ref"]) > RECORDING_REF_LENGTH:
        return "rejected", _("The reference or the recording reference is too long.")
    if ref in seen:
        return "duplicate", ""
    problems = []
    customer = customers.get(row["cust_no"])
    if customer is None:
        problems.append(_("No customer %(number)s.") % {"number": row["cust_no"]})
    product = products.get(row["product_code"])
    if product is None:
        problems.append(_("No product %(code)s.") % {"code": row["product_code"]})
    amount = _money(row["amount"])
    if amount is None:
        problems.append(_("The amount is not a number of at least 0, in cents."))
    fee = _money(row["fee"]) if row["fee"] else None
    if row["fee"] and fee is None:
        problems.append(_("The fee is not a number of at least 0, in cents."))
    try:
        sold_on = datetime.date.fromisoformat(row["sold_on"])
    except ValueError:
        sold_on = None
        problems.append(_("The sale date is not a date (YYYY-MM-DD)."))
    seller = staff.get(row["staff_code"]) if row["staff_code"] else None
    if row["staff_code"] and seller is None:
        problems.append(_("No member of staff %(code)s.") % {"code": row["staff_code"]})
    if row["channel"] not in SaleChannel.values:
        problems.append(
            _("The channel is not one of %(codes)s.") % {"codes": ", ".join(SaleChannel.values)}
        )
    if problems:
        return "rejected", " ".join(problems)
    assert customer is not None and product is not None and amount is not None and sold_on
    check, verdict = suitability_check_record(
        customer=customer,
        product=product,
        actor=None,
        purpose=CheckPurpose.SALE_IMPORT,
        amount=amount,
        today=sold_on,
    )
    if verdict.result == CheckResult.PROHIBITED:
        return "rejected", _("Prohibited: %(reasons)s") % {"reasons": _reasons_of(verdict)}
    if verdict.result == CheckResult.MISMATCH and not row["confirmation_recording_ref"]:
        return "rejected", _(
            "Mismatch without a confirmation of the special risk warning: %(reasons)s"
        ) % {"reasons": _reasons_of(verdict)}
    try:
        if verdict.result == CheckResult.MISMATCH:
            confirmation_record(
                check=check,
                actor=None,
                warning_text=row["confirmation_warning"]
                or risk_warning_text(verdict, product, customer),
                recording_ref=row["confirmation_recording_ref"],
            )
        sale_record(
            check=check,
            amount=amount,
            sold_on=sold_on,
            channel=row["channel"],
            actor=None,
            staff=seller,
            fee=fee,
            source=SaleSource.IMPORTED,
            external_ref=ref,
        )
    except ValidationError as refusal:
        return "rejected", " ".join(refusal.messages)
    except IntegrityError:  # imported by another run at the same moment
        seen.add(ref)
        return "duplicate", ""
    seen.add(ref)
    return "created", ""


def product_sales_import(*, path: Path) -> SalesImport:
    """Import the sales of a CSV file (IMPORT_COLUMNS, with a header): each row gets a check
    (purpose SALE_IMPORT); prohibited rows, and mismatches without a confirmation's
    recording reference, are rejected; the others are recorded, with the confirmation where
    given. A reference already imported adds nothing. The accepted rows are written in one
    transaction; the rejected ones, with their reasons, go to a report next to the file
    (sales_import_report_path), written whole or not at all.
    ValidationError if the file is not such a CSV."""
    text = path.read_bytes().decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    missing = [name for name in IMPORT_COLUMNS if name not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError(
            _("The file lacks the columns %(columns)s.") % {"columns": ", ".join(missing)}
        )
    rows = [{name: (row.get(name) or "").strip() for name in IMPORT_COLUMNS} for row in reader]
    result = SalesImport()
    # Everything a row refers to, read once for the whole file.
    customers = Customer.objects.in_bulk([row["cust_no"] for row in rows], field_name="cust_no")
    products = Product.objects.in_bulk([row["product_code"] for row in rows], field_name="code")
    staff = Staff.objects.in_bulk(
        [row["staff_code"] for row in rows if row["staff_code"]], field_name="staff_code"
    )
    refs = [row["external_ref"] for row in rows if row["external_ref"]]
    seen = set(
        ProductSale.objects.filter(external_ref__in=refs).values_list("external_ref", flat=True)
    )
    with transaction.atomic():
        for line, row in enumerate(rows, start=2):
            outcome, reasons = _import_row(
                row, customers=customers, products=products, staff=staff, seen=seen
            )
            if outcome == "created":
                result.created += 1
            elif outcome == "duplicate":
                result.duplicates += 1
            else:
                result.rejected.append({"line": line, **row, "reasons": reasons})
    report = sales_import_report_path(path)
    if result.rejected:
        partial = report.with_name(report.name + ".part")
        with partial.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=REPORT_COLUMNS)
            writer.writeheader()
            writer.writerows(
                {name: csv_safe(str(value)) for name, value in row.items()}
                for row in result.rejected
            )
        partial.replace(report)
        result.report = report
    elif report.exists():
        report.unlink()  # the report of an earlier run is not this one's
    return result
