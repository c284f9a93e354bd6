"""A counter with its own layout (GBK, Chinese headers, its own codes, compact dates,
thousands separators) imports through an import profile alone, with no code change."""

from pathlib import Path

import pytest

from crm.models import Branch, Staff, Team
from customers.demo.exports import generate_exports
from customers.models import (
    CapitalAccount,
    CashFlow,
    ColumnAlias,
    Customer,
    DailyBalance,
    DailyCredit,
    DailyPosition,
    ImportProfile,
    ImportRun,
    RunStatus,
    ShareholderAccount,
    Trade,
)
from customers.services import counter_day_import
from products.models import Quote, Security

from .counter_files import base_day, write_day
from .profile_layout import rewrite_for_profile
from .test_import import snapshot_of_business_data

pytestmark = pytest.mark.django_db
FIXTURE_DAY = Path(__file__).parent / "fixtures" / "gbk_day" / "20260302"


def forget_business_data() -> None:
    for model in (
        Trade,
        CashFlow,
        DailyCredit,
        DailyPosition,
        DailyBalance,
        Quote,
        ShareholderAccount,
        CapitalAccount,
        Customer,
        Staff,
        Team,
        Security,
        Branch,
    ):
        model.objects.all().delete()
    ImportRun.objects.all().delete()


def gbk_profile() -> ImportProfile:
    return ImportProfile.objects.get(name="jz-gbk-example")


def test_it_ships_the_example_profile_beside_the_canonical_default():
    assert ImportProfile.objects.get(is_default=True).name == "canonical"
    profile = gbk_profile()
    assert profile.encoding == "gbk"
    assert ColumnAlias.objects.get(profile=profile, header="客户号").column == "cust_no"
    assert profile.codes.get(column="side", source="证券买入").target == "B"


def test_the_shipped_gbk_fixture_is_really_gbk_with_chinese_headers():
    data = (FIXTURE_DAY / "trades.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert data.decode("gbk").startswith("流水号,成交日期")


def test_it_imports_the_gbk_fixture_exactly_like_the_canonical_day(tmp_path):
    run = counter_day_import(folder=FIXTURE_DAY, profile=gbk_profile())
    assert run.status == RunStatus.LOADED, run.error
    assert Trade.objects.get(serial_no="T0001").side == "B"
    assert Customer.objects.get(cust_no="C001").status == "0"
    through_profile = snapshot_of_business_data()
    forget_business_data()
    counter_day_import(folder=write_day(tmp_path, "20260302", base_day()))
    assert snapshot_of_business_data() == through_profile


def test_it_refuses_the_gbk_day_under_the_canonical_profile(tmp_path):
    run = counter_day_import(folder=FIXTURE_DAY)
    assert run.status == RunStatus.REFUSED
    assert run.error.startswith("branches.csv:")


def test_it_imports_generated_days_rewritten_for_the_profile_identically(tmp_path):
    folders = generate_exports(out_dir=tmp_path / "canonical", customers=60, days=2, seed=5)
    for folder in folders:
        rewritten = rewrite_for_profile(folder, tmp_path / "gbk" / folder.name, gbk_profile())
        run = counter_day_import(folder=rewritten, profile=gbk_profile())
        assert run.status == RunStatus.LOADED, run.error
    through_profile = snapshot_of_business_data()
    assert len(through_profile["Trade"]) > 0
    forget_business_data()
    for folder in folders:
        assert counter_day_import(folder=folder).status == RunStatus.LOADED
    assert snapshot_of_business_data() == through_profile
