"""A correction made from a masked rejects download carries masked personal fields
(3***@qq.com): those rows are rejected with their reason, and the customer keeps the
values the counter sent."""

import pytest

from customers.models import Customer, ImportReject
from customers.services import counter_corrections_import
from tests.customers import test_reject_privacy as privacy

pytestmark = pytest.mark.django_db

run = privacy.run  # the day with a rejected customers row
HEADER, ID_NO, MOBILE = privacy.HEADER, privacy.ID_NO, privacy.MOBILE
EMAIL, ADDRESS = privacy.EMAIL, privacy.ADDRESS

GOOD = f"C9002,赵敏,0,{ID_NO},{MOBILE},{EMAIL},{ADDRESS},0909,S9001,2020-03-04,0"


@pytest.mark.parametrize(
    ("field", "masked"),
    [
        ("id_no", "1101**********5932"),
        ("email", "3***@qq.com"),
        ("address", "北京市东城区********"),
    ],
)
def test_a_masked_personal_field_in_a_correction_is_rejected_and_nothing_is_overwritten(
    tmp_path,
    run,
    field,
    masked,
):
    first = tmp_path / "first.csv"
    first.write_text(f"{HEADER}\n{GOOD}\n", encoding="utf-8")
    counter_corrections_import(run=run, file="customers", upload=first)
    assert getattr(Customer.objects.get(cust_no="C9002"), field) != masked

    original = {"id_no": ID_NO, "email": EMAIL, "address": ADDRESS}[field]
    upload = tmp_path / "masked.csv"
    upload.write_text(f"{HEADER}\n{GOOD.replace(original, masked)}\n", encoding="utf-8")
    correction = counter_corrections_import(run=run, file="customers", upload=upload)

    assert getattr(Customer.objects.get(cust_no="C9002"), field) == original
    reject = ImportReject.objects.get(run=correction)
    assert reject.column == field
    assert masked in reject.raw
