"""Small hand-written counter day folders for the import tests.

`base_day()` is one consistent day in the canonical layout; a test changes a copy of it and
writes it with `write_day`, which writes the manifest last, as the counter does.
"""

import copy
import csv
import hashlib
import io
from pathlib import Path

HEADERS = {
    "branches": ["branch_code", "name", "region"],
    "staff": ["staff_code", "name", "branch_code", "role", "team", "status"],
    "securities": ["market", "sec_code", "name", "sec_type", "industry"],
    "quotes": ["market", "sec_code", "close_price"],
    "customers": [
        "cust_no",
        "name",
        "cust_type",
        "id_type",
        "id_no",
        "gender",
        "birth_date",
        "mobile",
        "email",
        "address",
        "occupation",
        "branch_code",
        "manager_code",
        "open_date",
        "status",
        "risk_level",
        "risk_assessed_on",
        "investor_class",
        "invest_horizon",
        "invest_varieties",
        "marketing_consent",
    ],
    "capital_accounts": [
        "fund_account",
        "cust_no",
        "account_kind",
        "currency",
        "open_date",
        "status",
    ],
    "shareholder_accounts": ["holder_account", "fund_account", "market", "open_date"],
    "balances": ["fund_account", "currency", "balance", "available", "frozen"],
    "positions": [
        "fund_account",
        "market",
        "sec_code",
        "quantity",
        "available_qty",
        "cost_price",
        "market_value",
    ],
    "trades": [
        "serial_no",
        "trade_date",
        "fund_account",
        "market",
        "sec_code",
        "side",
        "quantity",
        "price",
        "amount",
        "commission",
        "stamp_tax",
        "transfer_fee",
        "handling_fee",
        "regulatory_fee",
        "net_amount",
        "channel",
    ],
    "cash_flows": ["serial_no", "flow_date", "fund_account", "biz_type", "amount", "balance_after"],
    "credit_accounts": [
        "fund_account",
        "financing_debt",
        "lending_debt",
        "accrued_interest",
        "collateral_value",
        "maintenance_ratio",
    ],
}


def base_day(day: str = "2026-03-02") -> dict[str, list[list[str]]]:
    """One branch, two staff, two customers (one with a credit account), two securities."""
    rows = {
        "branches": [["0101", "杭州营业部", "浙江"]],
        "staff": [
            ["S01", "王经理", "0101", "manager", "财富一组", "active"],
            ["S02", "李经纪", "0101", "broker", "", "active"],
        ],
        "securities": [
            ["SH", "600519", "贵州茅台", "stock", "食品饮料"],
            ["SZ", "000001", "平安银行", "stock", "银行"],
        ],
        "quotes": [["SH", "600519", "1500.00"], ["SZ", "000001", "10.50"]],
        "customers": [
            [
                "C001",
                "张三",
                "0",
                "0",
                "110101199003071234",
                "M",
                "1990-03-07",
                "13800138000",
                "",
                "杭州市西湖区",
                "",
                "0101",
                "S01",
                "2015-06-01",
                "0",
                "C4",
                "2025-01-10",
                "ordinary",
                "long",
                "equity;fund",
                "Y",
            ],
            [
                "C002",
                "李四",
                "0",
                "0",
                "110101198512121236",
                "F",
                "1985-12-12",
                "13900139000",
                "",
                "",
                "",
                "0101",
                "S02",
                "2019-09-09",
                "0",
                "C3",
                "2024-05-01",
                "ordinary",
                "medium",
                "equity",
                "N",
            ],
        ],
        "capital_accounts": [
            ["F001", "C001", "normal", "CNY", "2015-06-01", "0"],
            ["F002", "C002", "normal", "CNY", "2019-09-09", "0"],
            ["F003", "C001", "credit", "CNY", "2020-01-02", "0"],
        ],
        "shareholder_accounts": [
            ["A000000001", "F001", "SH", "2015-06-01"],
            ["0000000002", "F002", "SZ", ""],
        ],
        "balances": [
            ["F001", "CNY", "100000.00", "100000.00", "0"],
            ["F002", "CNY", "5000.50", "", ""],
        ],
        "positions": [
            ["F001", "SH", "600519", "100", "100", "1400.0000", "150000.00"],
            ["F002", "SZ", "000001", "1000", "1000", "9.8000", ""],
        ],
        "trades": [
            [
                "T0001",
                day,
                "F001",
                "SH",
                "600519",
                "B",
                "100",
                "1500.00",
                "150000.00",
                "37.50",
                "0",
                "1.50",
                "5.12",
                "3.00",
                "-150047.12",
                "mobile",
            ],
            [
                "T0002",
                day,
                "F002",
                "SZ",
                "000001",
                "S",
                "500",
                "10.50",
                "5250.00",
                "5.00",
                "2.63",
                "0.05",
                "0.18",
                "0.11",
                "5241.03",
                "internet",
            ],
        ],
        "cash_flows": [
            ["CF001", day, "F001", "BANK_IN", "200000.00", "250047.12"],
            ["CF002", day, "F001", "TRADE", "-150047.12", "100000.00"],
            ["CF003", day, "F002", "TRADE", "5241.03", "5000.50"],
        ],
        "credit_accounts": [["F003", "50000.00", "0", "120.50", "200000.00", "4.0000"]],
    }
    return copy.deepcopy(rows)


def csv_text(header: list[str], rows: list[list[str]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_day(
    root: Path,
    folder_name: str,
    rows: dict[str, list[list[str]]],
    *,
    headers: dict[str, list[str]] | None = None,
    raw: dict[str, bytes] | None = None,
    encoding: str = "utf-8",
    manifest_overrides: dict[str, tuple[int, str]] | None = None,
) -> Path:
    """Write a day folder; `raw` replaces a file's bytes, `manifest_overrides` lies about one."""
    folder = root / folder_name
    folder.mkdir(parents=True, exist_ok=True)
    headers = {**HEADERS, **(headers or {})}
    manifest = []
    for name, file_rows in rows.items():
        data = (raw or {}).get(name)
        if data is None:
            data = csv_text(headers[name], file_rows).encode(encoding)
        (folder / f"{name}.csv").write_bytes(data)
        count, digest = len(file_rows), hashlib.sha256(data).hexdigest()
        if manifest_overrides and name in manifest_overrides:
            count, digest = manifest_overrides[name]
        manifest.append([f"{name}.csv", str(count), digest])
    (folder / "manifest.csv").write_text(csv_text(["file", "rows", "sha256"], manifest))
    return folder
