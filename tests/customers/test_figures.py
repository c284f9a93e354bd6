import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from customers.models import CustomerFigures
from customers.services import counter_day_import

from .counter_files import base_day, write_day

pytestmark = pytest.mark.django_db


def figures(cust_no: str) -> CustomerFigures:
    return CustomerFigures.objects.get(customer__cust_no=cust_no)


def test_it_computes_each_customers_figures_from_the_latest_day(tmp_path):
    counter_day_import(folder=write_day(tmp_path, "20260302", base_day()))
    first = figures("C001")
    assert first.as_of == datetime.date(2026, 3, 2)
    assert first.cash == Decimal("100000.00")
    assert first.market_value == Decimal("150000.00")
    assert first.liabilities == Decimal("50120.50")  # financing debt + accrued interest
    assert first.total_assets == Decimal("250000.00")
    assert first.net_assets == Decimal("199879.50")
    assert first.position_ratio == Decimal("0.6000")
    assert first.last_trade_date == datetime.date(2026, 3, 2)
    second = figures("C002")
    assert second.total_assets == Decimal("15500.50")
    assert second.position_ratio == Decimal("0.6774")


def test_it_keeps_the_last_trade_when_a_later_day_has_none(tmp_path):
    counter_day_import(folder=write_day(tmp_path, "20260302", base_day()))
    quiet = base_day("2026-03-03")
    quiet["trades"] = []
    quiet["balances"][0][2] = "90000.00"
    counter_day_import(folder=write_day(tmp_path, "20260303", quiet))
    assert figures("C001").as_of == datetime.date(2026, 3, 3)
    assert figures("C001").cash == Decimal("90000.00")
    assert figures("C001").last_trade_date == datetime.date(2026, 3, 2)


def test_a_late_day_leaves_the_current_figures_alone(tmp_path):
    counter_day_import(folder=write_day(tmp_path, "20260303", base_day("2026-03-03")))
    older = base_day()
    older["balances"][0][2] = "1.00"
    counter_day_import(folder=write_day(tmp_path, "20260302", older))
    assert figures("C001").as_of == datetime.date(2026, 3, 3)
    assert figures("C001").cash == Decimal("100000.00")


def test_the_command_rebuilds_figures_with_the_whole_trade_history(tmp_path):
    counter_day_import(folder=write_day(tmp_path, "20260302", base_day()))
    quiet = base_day("2026-03-03")
    quiet["trades"] = []
    counter_day_import(folder=write_day(tmp_path, "20260303", quiet))
    CustomerFigures.objects.all().delete()
    call_command("refresh_customer_figures")
    assert figures("C001").as_of == datetime.date(2026, 3, 3)
    assert figures("C001").last_trade_date == datetime.date(2026, 3, 2)
