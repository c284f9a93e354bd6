"""The generator of trading-counter exports: contract layout, realism and determinism.

Plain pytest on files in tmp_path; no database.
"""

import csv
import hashlib
import re
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

import pytest

from customers.demo.days import ANCHOR_LAST_DAY, business_days
from customers.demo.exports import generate_exports
from customers.demo.files import DATA_FILES, HEADERS
from customers.demo.people import credit_code_check_char, resident_id_check_digit

START = date(2026, 3, 18)  # Wed: the run crosses a weekend and the quarter's interest day
DAYS = 5
TRADES_PER_DAY = 600
CENT = Decimal("0.01")
FEE_COLUMNS = ("commission", "stamp_tax", "transfer_fee", "handling_fee", "regulatory_fee")


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _read(folder, name):
    with (folder / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    out = tmp_path_factory.mktemp("exports")
    return generate_exports(
        out_dir=out,
        customers=200,
        days=DAYS,
        seed=7,
        start_date=START,
        trades_per_day=TRADES_PER_DAY,
    )


@pytest.fixture(scope="module")
def days(folders):
    """Every file of every day, as lists of dict rows."""
    return [{name: _read(folder, name) for name in DATA_FILES} for folder in folders]


@pytest.fixture(scope="module")
def sec_types(days):
    return {(s["market"], s["sec_code"]): s["sec_type"] for s in days[0]["securities.csv"]}


def test_it_writes_one_folder_per_business_day_with_every_file(folders):
    assert [f.name for f in folders] == ["20260318", "20260319", "20260320", "20260323", "20260324"]
    for folder in folders:
        assert sorted(p.name for p in folder.iterdir()) == sorted([*DATA_FILES, "manifest.csv"])
        for name in DATA_FILES:
            header = (folder / name).read_bytes().split(b"\n", 1)[0].decode()
            assert header == ",".join(HEADERS[name])


def test_it_writes_a_manifest_matching_every_file(folders):
    for folder in folders:
        manifest = _read(folder, "manifest.csv")
        assert [m["file"] for m in manifest] == list(DATA_FILES)
        for entry in manifest:
            data = (folder / entry["file"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
            assert int(entry["rows"]) == data.count(b"\n") - 1  # no field spans lines
            assert not data.startswith(b"\xef\xbb\xbf") and b"\r\n" not in data


def test_it_is_byte_identical_for_the_same_seed(tmp_path):
    def run(where, seed):
        folders = generate_exports(out_dir=tmp_path / where, customers=60, days=3, seed=seed)
        return {(f.name, p.name): p.read_bytes() for f in folders for p in f.iterdir()}

    first = run("a", seed=11)
    assert first == run("b", seed=11)
    assert first != run("c", seed=12)


def test_it_ends_on_the_fixed_anchor_by_default(tmp_path):
    lines = []
    folders = generate_exports(
        out_dir=tmp_path, customers=10, days=6, seed=1, progress=lines.append
    )
    expected = business_days(ANCHOR_LAST_DAY - timedelta(days=7), 6)
    assert [f.name for f in folders] == [f"{d:%Y%m%d}" for d in expected]
    assert folders[-1].name == f"{ANCHOR_LAST_DAY:%Y%m%d}"
    assert len(lines) == 6


def test_it_skips_weekends():
    days = business_days(date(2026, 3, 20), 3)  # a Friday
    assert days == [date(2026, 3, 20), date(2026, 3, 23), date(2026, 3, 24)]


def test_it_computes_id_check_characters_of_published_examples():
    assert resident_id_check_digit("11010519491231002") == "X"
    assert resident_id_check_digit("44052418800101001") == "4"
    assert credit_code_check_char("91350100M000100Y4") == "3"


def test_it_writes_valid_resident_ids_consistent_with_birth_date_and_gender(days):
    people = [c for c in days[0]["customers.csv"] if c["cust_type"] == "0"]
    assert people
    for c in people:
        id_no = c["id_no"]
        assert c["id_type"] == "0"
        assert re.fullmatch(r"\d{17}[\dX]", id_no), id_no
        assert id_no[17] == resident_id_check_digit(id_no[:17])
        assert id_no[6:14] == c["birth_date"].replace("-", "")
        assert c["gender"] == ("M" if int(id_no[16]) % 2 else "F")
        birth, opened = date.fromisoformat(c["birth_date"]), date.fromisoformat(c["open_date"])
        assert (birth.year + 18, birth.month, birth.day) <= (opened.year, opened.month, opened.day)
        assert 2 <= len(c["name"]) <= 3


def test_it_writes_institutions_with_a_credit_code_and_no_person_fields(days):
    institutions = [c for c in days[0]["customers.csv"] if c["cust_type"] == "1"]
    assert institutions
    for c in institutions:
        assert c["id_type"] == "2" and len(c["id_no"]) == 18
        assert c["id_no"][17] == credit_code_check_char(c["id_no"][:17])
        assert c["gender"] == "" and c["birth_date"] == ""


def test_it_writes_eleven_digit_mobiles_with_real_prefixes(days):
    for c in days[0]["customers.csv"]:
        assert re.fullmatch(r"1(3|5|7|8|9)\d{9}", c["mobile"]), c["mobile"]


def test_it_covers_every_status_risk_level_and_an_expired_assessment(days):
    customers = days[-1]["customers.csv"]
    assert {c["status"] for c in customers} == {"0", "1", "2", "3", "4"}
    assert {c["risk_level"] for c in customers} == {"C1", "C2", "C3", "C4", "C5"}
    assert {c["marketing_consent"] for c in customers} == {"Y", "N"}
    assert {c["investor_class"] for c in customers} == {"ordinary", "professional"}
    two_years_before = START.replace(year=START.year - 2).isoformat()
    expired = [c for c in customers if c["risk_assessed_on"] < two_years_before]
    assert 0.1 < len(expired) / len(customers) < 0.6
    opened = sorted(c["open_date"] for c in customers)
    assert opened[0] < "2014-01-01" and opened[-1] > "2025-01-01"  # spread over years


def test_it_points_every_manager_at_staff_of_the_same_branch(days):
    staff = {s["staff_code"]: s for s in days[0]["staff.csv"]}
    assert {s["role"] for s in staff.values()} == {"manager", "broker", "advisor", "branch_head"}
    assert "left" in {s["status"] for s in staff.values()}
    branches = {b["branch_code"] for b in days[0]["branches.csv"]}
    assert len(branches) >= 3 and all(re.fullmatch(r"\d{4}", b) for b in branches)
    for c in days[0]["customers.csv"]:
        assert c["branch_code"] in branches
        if c["manager_code"]:
            assert staff[c["manager_code"]]["branch_code"] == c["branch_code"]


def test_it_lists_real_looking_securities_with_leading_zeros(days, folders):
    secs = {(s["market"], s["sec_code"]): s for s in days[0]["securities.csv"]}
    assert 200 <= len(secs) <= 500
    assert secs["SH", "600519"]["name"] == "贵州茅台"
    assert secs["SH", "600519"]["industry"] == "食品饮料"
    assert secs["SZ", "000001"]["name"] == "平安银行"
    assert b"\nSZ,000001," in (folders[0] / "securities.csv").read_bytes()
    prefixes = {
        ("SH", "stock"): ("600", "601", "603", "605", "688"),
        ("SZ", "stock"): ("000", "001", "002", "300", "301"),
        ("BJ", "stock"): ("83", "87", "92"),
        ("SH", "fund"): ("51",),
        ("SZ", "fund"): ("15", "16"),
        ("SH", "bond"): ("11", "019"),
        ("SZ", "bond"): ("12",),
    }
    for (market, code), s in secs.items():
        assert re.fullmatch(r"\d{6}", code)
        assert code.startswith(prefixes[market, s["sec_type"]]), (market, code)


def test_it_moves_quotes_mostly_within_the_daily_limit(days, sec_types):
    moves = []
    for yesterday, today in pairwise(days):
        before = {
            (q["market"], q["sec_code"]): Decimal(q["close_price"]) for q in yesterday["quotes.csv"]
        }
        for q in today["quotes.csv"]:
            key = (q["market"], q["sec_code"])
            moves.append(abs(Decimal(q["close_price"]) / before[key] - 1))
            decimals = 2 if sec_types[key] == "stock" else 3
            assert re.fullmatch(rf"\d+\.\d{{{decimals}}}", q["close_price"])
    assert max(moves) < Decimal("0.31")
    assert sum(m <= Decimal("0.1") for m in moves) / len(moves) > 0.97


def test_it_honours_the_trades_per_day_override(days):
    for day in days:
        assert abs(len(day["trades.csv"]) - TRADES_PER_DAY) < TRADES_PER_DAY * 0.1


def test_it_keeps_serial_numbers_unique_within_the_day(days):
    for day in days:
        for name in ("trades.csv", "cash_flows.csv"):
            serials = [row["serial_no"] for row in day[name]]
            assert len(serials) == len(set(serials))


def test_it_charges_fees_by_the_schedule(days, sec_types):
    sides = Counter()
    for day in days:
        for t in day["trades.csv"]:
            sides[t["side"]] += 1
            stock = sec_types[t["market"], t["sec_code"]] == "stock"
            amount, quantity = Decimal(t["amount"]), int(t["quantity"])
            fees = {column: Decimal(t[column]) for column in FEE_COLUMNS}
            for column in ("amount", "commission", "net_amount"):
                assert re.fullmatch(r"-?\d+\.\d{2}", t[column]), t[column]
            assert amount == _money(quantity * Decimal(t["price"]))
            if t["side"] in ("IPO", "DIV"):
                assert sum(fees.values()) == 0
            else:
                low, high = _money(amount * Decimal("0.00015")), _money(amount * Decimal("0.0003"))
                assert max(low, Decimal(5)) <= fees["commission"] <= max(high, Decimal(5))
                stamp = _money(amount * Decimal("0.0005")) if t["side"] == "S" and stock else 0
                assert fees["stamp_tax"] == stamp
                assert fees["transfer_fee"] == (_money(amount * Decimal("0.00001")) if stock else 0)
                assert fees["handling_fee"] == _money(amount * Decimal("0.0000341"))
                assert fees["regulatory_fee"] == _money(amount * Decimal("0.00002"))
            if t["side"] == "B":
                lot = 10 if sec_types[t["market"], t["sec_code"]] == "bond" else 100
                assert quantity % lot == 0
            signed = (
                amount - sum(fees.values()) if t["side"] == "S" else -(amount + sum(fees.values()))
            )
            assert Decimal(t["net_amount"]) == signed
    assert sides["B"] > 100 and sides["S"] > 100
    assert set(sides) <= {"B", "S", "RS", "IPO", "DIV"}


def test_it_uses_mobile_as_the_most_common_channel(days):
    channels = Counter(t["channel"] for day in days for t in day["trades.csv"])
    assert set(channels) == {"mobile", "internet", "phone", "counter"}
    assert channels.most_common(1)[0][0] == "mobile"


def test_it_keeps_positions_consistent_with_yesterday_and_todays_trades(days):
    def holdings(day):
        return {
            (p["fund_account"], p["market"], p["sec_code"]): int(p["quantity"])
            for p in day["positions.csv"]
        }

    for yesterday, today in pairwise(days):
        expected = Counter(holdings(yesterday))
        for t in today["trades.csv"]:
            sign = -1 if t["side"] == "S" else 1
            expected[t["fund_account"], t["market"], t["sec_code"]] += sign * int(t["quantity"])
        assert {k: q for k, q in expected.items() if q} == holdings(today)


def test_it_values_positions_at_the_close(days):
    for day in days:
        closes = {
            (q["market"], q["sec_code"]): Decimal(q["close_price"]) for q in day["quotes.csv"]
        }
        for p in day["positions.csv"]:
            quantity = int(p["quantity"])
            assert quantity > 0 and 0 <= int(p["available_qty"]) <= quantity
            assert Decimal(p["market_value"]) == _money(
                quantity * closes[p["market"], p["sec_code"]]
            )
            assert Decimal(p["cost_price"]) >= 0


def test_it_keeps_balances_consistent_with_cash_flows(days):
    for yesterday, today in pairwise(days):
        balance = {b["fund_account"]: Decimal(b["balance"]) for b in yesterday["balances.csv"]}
        nets = defaultdict(Decimal)
        for t in today["trades.csv"]:
            nets[t["fund_account"]] += Decimal(t["net_amount"])
        traded = set()
        for f in sorted(today["cash_flows.csv"], key=lambda f: f["serial_no"]):
            balance[f["fund_account"]] += Decimal(f["amount"])
            assert Decimal(f["balance_after"]) == balance[f["fund_account"]] >= 0
            if f["biz_type"] == "TRADE":
                assert Decimal(f["amount"]) == nets[f["fund_account"]]
                traded.add(f["fund_account"])
        assert traded == set(nets)
        for b in today["balances.csv"]:
            assert Decimal(b["balance"]) == balance[b["fund_account"]] >= 0
            assert Decimal(b["available"]) + Decimal(b["frozen"]) == Decimal(b["balance"])


def test_it_writes_every_kind_of_cash_flow(days):
    kinds = {f["biz_type"] for day in days for f in day["cash_flows.csv"]}
    assert {"BANK_IN", "BANK_OUT", "TRADE", "INTEREST"} <= kinds
    interest_days = {
        f["flow_date"] for day in days for f in day["cash_flows.csv"] if f["biz_type"] == "INTEREST"
    }
    assert interest_days == {"2026-03-23"}  # first business day after the 20th


def test_it_opens_accounts_for_every_customer_and_some_margin_accounts(days):
    accounts = days[0]["capital_accounts.csv"]
    customers = {c["cust_no"] for c in days[0]["customers.csv"]}
    normal = [a for a in accounts if a["account_kind"] == "normal"]
    credit = [a for a in accounts if a["account_kind"] == "credit"]
    assert {a["cust_no"] for a in normal} == customers and len(normal) == len(customers)
    assert 0.01 < len(credit) / len(customers) < 0.1
    assert all(re.fullmatch(r"\d{10,12}", a["fund_account"]) for a in accounts)
    holders = days[0]["shareholder_accounts.csv"]
    assert len({h["holder_account"] for h in holders}) == len(holders)
    for h in holders:
        pattern = r"[ABE]\d{9}" if h["market"] == "SH" else r"0\d{9}"
        assert re.fullmatch(pattern, h["holder_account"]), h


def test_it_reports_margin_accounts_near_and_below_the_warning_lines(days):
    first = {c["fund_account"]: c for c in days[0]["credit_accounts.csv"]}
    credit = {
        a["fund_account"] for a in days[0]["capital_accounts.csv"] if a["account_kind"] == "credit"
    }
    assert set(first) == credit
    ratios = [Decimal(c["maintenance_ratio"]) for c in first.values() if c["maintenance_ratio"]]
    assert min(ratios) < Decimal("1.3") and sum(r < Decimal("1.4") for r in ratios) >= 2
    for c in days[-1]["credit_accounts.csv"]:
        before = first[c["fund_account"]]
        if Decimal(c["financing_debt"]) > 10_000:
            assert Decimal(c["accrued_interest"]) > Decimal(before["accrued_interest"])
        owed = sum(Decimal(c[k]) for k in ("financing_debt", "lending_debt", "accrued_interest"))
        ratio = Decimal(c["collateral_value"]) / owed
        assert abs(Decimal(c["maintenance_ratio"]) - ratio) <= Decimal("0.0001")


def test_it_concentrates_commission_in_the_largest_accounts(days):
    commission = Counter()
    for day in days:
        for t in day["trades.csv"]:
            commission[t["fund_account"]] += Decimal(t["commission"])
    customers = len(days[0]["customers.csv"])
    ranked = sorted(commission.values(), reverse=True)
    assert sum(ranked[: customers // 5]) / sum(ranked) > Decimal("0.6")
