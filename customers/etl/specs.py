"""What each counter file holds and where it goes: the import contract of
shared/COUNTER_EXPORTS.md as data. The SQL that checks and loads a file is built from these
specs by the customers/etl/sql/ package; nothing here touches the database.

A spec names its target's values in a small template language (Python's str.format over
SQL text, filled in by customers/etl/sql/target.py):

- `{c[<column>]}`: the file's value of a column, normalised, checked and typed for the target
  (in `FileSpec.checks`: normalised but not typed);
- `{r[<alias>]}`: what the reference of that alias looked up (its `value`, the id unless said);
- `{day}`: the business day, a date constant; `{now}`: the time of the load;
- `{checked}`: the checked rows as the table `k` (in `FileSpec.before_load`);
- `{target}`: the target table (in `FileSpec.update_sql`, where `excluded` is the new row).

A reference's `on` pairs compare a column of the referenced table with a file column, with
`ref:<alias>` (what an earlier reference found) or with `day` (see `Reference`).
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_noop

from customers.models import COUNTER_FILES, Channel, CustomerStatus

STATUS_CODES = tuple(CustomerStatus.values)
MARKETS = ("SH", "SZ", "BJ")

# Reasons are stored in English and translated when shown (hence gettext_noop).
REQUIRED = gettext_noop("required value missing")
NOT_A_NUMBER = gettext_noop("not a number")
NUMBER_TOO_LARGE = gettext_noop("number too large for its column")
NOT_A_DATE = gettext_noop("not a valid date in the profile's date format")
DATE_OUT_OF_RANGE = gettext_noop(
    "date out of range: before 1900 or later than the business day allows"
)
UNKNOWN_CODE = gettext_noop("unknown code")
TOO_LONG = gettext_noop("value too long")
BAD_FORMAT = gettext_noop("value in the wrong format")
DUPLICATE = gettext_noop("duplicate key: an earlier line of the file has the same key")
WRONG_FIELD_COUNT = gettext_noop("wrong number of fields on the line")
NUL_CHARACTER = gettext_noop("a NUL character on the line (kept here as U+FFFD)")
UNKNOWN_BRANCH = gettext_noop("unknown branch")
UNKNOWN_STAFF = gettext_noop("unknown staff code")
UNKNOWN_SECURITY = gettext_noop("unknown security")
UNKNOWN_CUSTOMER = gettext_noop("unknown customer")
UNKNOWN_ACCOUNT = gettext_noop("unknown fund account")
NO_MARKET_VALUE = gettext_noop("no market value and no close price for the day")

# A rejected line is kept cut to RAW_KEPT characters and marked with its whole length (a
# counter once wrote a 5 MB line): the same cut on both paths (sql.EtlDialect.kept_raw says it
# in SQL), so that no page and no reject row holds megabytes.
RAW_KEPT = 4096
RAW_CUT_MARK = " …[cut: {length} characters in all]"


def kept_raw(raw: str) -> str:
    """A rejected line's text as kept: whole up to RAW_KEPT characters, else cut and marked."""
    if len(raw) <= RAW_KEPT:
        return raw
    return raw[:RAW_KEPT] + RAW_CUT_MARK.format(length=len(raw))


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"  # text | code | decimal | date | flag
    required: bool = False
    max_length: int | None = None
    codes: tuple[str, ...] = ()
    pattern: str | None = None  # an extra regular expression the value must match
    blank: str | None = ""  # what an empty optional text becomes ("" for NOT NULL columns)
    # Dates: how many days after the business day the value may be (from 1900 on).
    days_ahead: int = 0


@dataclass(frozen=True)
class Reference:
    """A lookup of a row's natural key in an already loaded table, giving its id.

    `on` pairs a column of the table with a column of the file, or with `ref:<alias>` (an
    earlier reference's result) or `day` (the business day). A row whose file columns are
    all present but finds nothing is rejected with `reason`, unless `reason` is empty.
    """

    alias: str
    table: str
    on: tuple[tuple[str, str], ...]
    reason: str
    value: str = "id"

    @property
    def column(self) -> str:
        """The file column a failed lookup is reported against."""
        return self.on[-1][1]

    @property
    def file_columns(self) -> tuple[str, ...]:
        return tuple(src for _, src in self.on if src != "day" and not src.startswith("ref:"))


@dataclass(frozen=True)
class FileSpec:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # file columns that must be unique within the file
    table: str
    conflict: tuple[str, ...]  # target columns of the unique key
    # target column -> SQL template (the module docstring says what it may name)
    values: dict[str, str]
    references: tuple[Reference, ...] = ()
    # Master data: only changed rows are rewritten, and a late day (later days already
    # loaded) adds new rows but never overwrites what a later day said.
    master: bool = False
    # Snapshot of the day: a day run first deletes the day's rows, so that a re-delivery
    # replaces them (a position absent from the snapshot is zero).
    snapshot_column: str | None = None
    # Flows: the date column that leads the key (a day with no rows yet needs no upsert).
    day_column: str | None = None
    update_sql: dict[str, str] = field(default_factory=dict)  # special ON CONFLICT updates
    # (condition over the checked row, column, reason): further row rules
    checks: tuple[tuple[str, str, str], ...] = ()
    # SQL run over the checked rows before they load (e.g. create the teams staff name)
    before_load: str = ""

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def integer_digits(self, name: str) -> int | None:
        """How many digits before the point the target column of a decimal file column
        holds (max_digits - decimal_places of the model field it is loaded into)."""
        from django.apps import apps

        placeholder = "{c[" + name + "]}"
        targets = [t for t, template in self.values.items() if placeholder in template]
        if not targets:
            return None
        target = name if name in targets else targets[0]
        model = next(m for m in apps.get_models() if m._meta.db_table == self.table)
        field = next(f for f in model._meta.concrete_fields if f.column == target)
        return field.max_digits - field.decimal_places


def money(name: str, required: bool = False) -> Column:
    return Column(name, "decimal", required)


def text(name: str, max_length: int, required: bool = False, **kw) -> Column:
    return Column(name, "text", required, max_length, **kw)


BRANCH = Reference("branch", "crm_branch", (("code", "branch_code"),), UNKNOWN_BRANCH)
SECURITY = Reference(
    "security",
    "products_security",
    (("market", "market"), ("sec_code", "sec_code")),
    UNKNOWN_SECURITY,
)
ACCOUNT = Reference(
    "account", "customers_capitalaccount", (("fund_account", "fund_account"),), UNKNOWN_ACCOUNT
)
MARKET = Column("market", "code", True, codes=MARKETS)
SEC_CODE = text("sec_code", 6, True, pattern="^[0-9]{6}$")
# A personal field holding "*" is one the CRM masked (crm/pii.py), sent back in a correction
# made from a masked rejects download: it is rejected, never written over the real value.
UNMASKED = r"^[^*]*$"
FUND_ACCOUNT = text("fund_account", 32, True)
SERIAL_NO = text("serial_no", 32, True)

SPECS: dict[str, FileSpec] = {}


def _spec(spec: FileSpec) -> None:
    SPECS[spec.name] = spec


_spec(
    FileSpec(
        name="branches",
        columns=(text("branch_code", 16, True), text("name", 100, True), text("region", 100)),
        key=("branch_code",),
        table="crm_branch",
        conflict=("code",),
        values={
            "code": "{c[branch_code]}",
            "name": "{c[name]}",
            "region": "{c[region]}",
            "as_of": "{day}",
        },
        master=True,
    )
)

_spec(
    FileSpec(
        name="staff",
        columns=(
            text("staff_code", 32, True),
            text("name", 100, True),
            text("branch_code", 16, True),
            Column("role", "code", True, codes=("manager", "broker", "advisor", "branch_head")),
            text("team", 100, blank=None),
            Column("status", "code", codes=("active", "left"), blank=None),
        ),
        key=("staff_code",),
        table="crm_staff",
        conflict=("staff_code",),
        references=(BRANCH,),
        before_load="INSERT INTO crm_team (branch_id, name) SELECT DISTINCT {r[branch]}, {c[team]}"
        " FROM {checked} WHERE problem IS NULL AND {c[team]} IS NOT NULL"
        " ON CONFLICT (branch_id, name) DO NOTHING",
        values={
            "staff_code": "{c[staff_code]}",
            "name": "{c[name]}",
            "branch_id": "{r[branch]}",
            # The team is created from the file before staff load (see before_load above).
            "team_id": "(SELECT t.id FROM crm_team t WHERE t.branch_id = {r[branch]}"
            " AND t.name = {c[team]})",
            "counter_role": "{c[role]}",
            "role": "CASE {c[role]} WHEN 'branch_head' THEN 'branch_manager'"
            " WHEN 'broker' THEN 'broker' ELSE 'customer_manager' END",
            "is_active": "CASE WHEN {c[status]} = 'left' THEN FALSE ELSE TRUE END",
            "as_of": "{day}",
        },
        master=True,
        # The CRM may refine a counter role (a broker made team lead): it follows the
        # counter only when the counter's own role code changes.
        update_sql={
            "role": "CASE WHEN {target}.counter_role = excluded.counter_role"
            " THEN {target}.role ELSE excluded.role END",
        },
    )
)

_spec(
    FileSpec(
        name="securities",
        columns=(
            MARKET,
            SEC_CODE,
            text("name", 100, True),
            Column("sec_type", "code", True, codes=("stock", "fund", "bond", "repo", "other")),
            text("industry", 100),
        ),
        key=("market", "sec_code"),
        table="products_security",
        conflict=("market", "sec_code"),
        values={
            "market": "{c[market]}",
            "sec_code": "{c[sec_code]}",
            "name": "{c[name]}",
            "sec_type": "{c[sec_type]}",
            "industry": "{c[industry]}",
            "as_of": "{day}",
        },
        master=True,
    )
)

_spec(
    FileSpec(
        name="quotes",
        columns=(MARKET, SEC_CODE, money("close_price", True)),
        key=("market", "sec_code"),
        table="products_quote",
        conflict=("trade_date", "security_id"),
        references=(SECURITY,),
        values={
            "trade_date": "{day}",
            "security_id": "{r[security]}",
            "close_price": "{c[close_price]}",
        },
        snapshot_column="trade_date",
    )
)

_spec(
    FileSpec(
        name="customers",
        columns=(
            text("cust_no", 32, True),
            text("name", 100, True),
            Column("cust_type", "code", True, codes=("0", "1")),
            text("id_type", 4),
            text("id_no", 32, pattern=UNMASKED),
            Column("gender", "code", codes=("M", "F")),
            Column("birth_date", "date"),
            text("mobile", 20, pattern="^[0-9]{11}$"),
            text("email", 254, pattern=UNMASKED),
            text("address", 255, pattern=UNMASKED),
            text("occupation", 100),
            text("branch_code", 16, True),
            text("manager_code", 32, blank=None),
            Column("open_date", "date", True),
            Column("status", "code", True, codes=STATUS_CODES),
            Column("risk_level", "code", codes=("C1", "C2", "C3", "C4", "C5")),
            Column("risk_assessed_on", "date"),
            Column("investor_class", "code", codes=("ordinary", "professional")),
            Column("invest_horizon", "code", codes=("short", "medium", "long")),
            text("invest_varieties", 200),
            Column("marketing_consent", "flag"),
        ),
        key=("cust_no",),
        table="customers_customer",
        conflict=("cust_no",),
        references=(
            BRANCH,
            Reference("manager", "crm_staff", (("staff_code", "manager_code"),), UNKNOWN_STAFF),
        ),
        values={
            "cust_no": "{c[cust_no]}",
            "name": "{c[name]}",
            "cust_type": "{c[cust_type]}",
            "id_type": "{c[id_type]}",
            "id_no": "{c[id_no]}",
            "gender": "{c[gender]}",
            "birth_date": "{c[birth_date]}",
            "mobile": "{c[mobile]}",
            "email": "{c[email]}",
            "address": "{c[address]}",
            "occupation": "{c[occupation]}",
            "branch_id": "{r[branch]}",
            "manager_id": "{r[manager]}",
            "open_date": "{c[open_date]}",
            "status": "{c[status]}",
            "risk_level": "{c[risk_level]}",
            "risk_assessed_on": "{c[risk_assessed_on]}",
            "investor_class": "{c[investor_class]}",
            "invest_horizon": "{c[invest_horizon]}",
            "invest_varieties": "{c[invest_varieties]}",
            "marketing_consent": "{c[marketing_consent]}",
            "as_of": "{day}",
            "updated_at": "{now}",
        },
        master=True,
    )
)

_spec(
    FileSpec(
        name="capital_accounts",
        columns=(
            FUND_ACCOUNT,
            text("cust_no", 32, True),
            Column("account_kind", "code", True, codes=("normal", "credit")),
            Column("currency", "code", codes=("CNY", "USD", "HKD"), blank="CNY"),
            Column("open_date", "date", True),
            Column("status", "code", True, codes=STATUS_CODES),
        ),
        key=("fund_account",),
        table="customers_capitalaccount",
        conflict=("fund_account",),
        references=(
            Reference(
                "customer", "customers_customer", (("cust_no", "cust_no"),), UNKNOWN_CUSTOMER
            ),
        ),
        values={
            "fund_account": "{c[fund_account]}",
            "customer_id": "{r[customer]}",
            "account_kind": "{c[account_kind]}",
            "currency": "{c[currency]}",
            "open_date": "{c[open_date]}",
            "status": "{c[status]}",
            "as_of": "{day}",
        },
        master=True,
    )
)

_spec(
    FileSpec(
        name="shareholder_accounts",
        columns=(
            text("holder_account", 20, True),
            FUND_ACCOUNT,
            MARKET,
            Column("open_date", "date"),
        ),
        key=("holder_account",),
        table="customers_shareholderaccount",
        conflict=("holder_account",),
        references=(ACCOUNT,),
        values={
            "holder_account": "{c[holder_account]}",
            "account_id": "{r[account]}",
            "market": "{c[market]}",
            "open_date": "{c[open_date]}",
            "as_of": "{day}",
        },
        master=True,
    )
)

_spec(
    FileSpec(
        name="balances",
        columns=(
            FUND_ACCOUNT,
            Column("currency", "code", codes=("CNY", "USD", "HKD"), blank="CNY"),
            money("balance", True),
            money("available"),
            money("frozen"),
        ),
        key=("fund_account", "currency"),
        table="customers_dailybalance",
        conflict=("business_date", "account_id", "currency"),
        references=(ACCOUNT,),
        values={
            "business_date": "{day}",
            "account_id": "{r[account]}",
            "currency": "{c[currency]}",
            "balance": "{c[balance]}",
            "available": "{c[available]}",
            "frozen": "{c[frozen]}",
        },
        snapshot_column="business_date",
    )
)

_spec(
    FileSpec(
        name="positions",
        columns=(
            FUND_ACCOUNT,
            MARKET,
            SEC_CODE,
            money("quantity", True),
            money("available_qty"),
            money("cost_price"),
            money("market_value"),
        ),
        key=("fund_account", "market", "sec_code"),
        table="customers_dailyposition",
        conflict=("business_date", "account_id", "security_id"),
        references=(
            ACCOUNT,
            SECURITY,
            Reference(
                "close",
                "products_quote",
                (("security_id", "ref:security"), ("trade_date", "day")),
                reason="",
                value="close_price",
            ),
        ),
        checks=(
            ("{c[market_value]} IS NULL AND {r[close]} IS NULL", "market_value", NO_MARKET_VALUE),
        ),
        values={
            "business_date": "{day}",
            "account_id": "{r[account]}",
            "security_id": "{r[security]}",
            "quantity": "{c[quantity]}",
            "available_qty": "{c[available_qty]}",
            "cost_price": "{c[cost_price]}",
            "market_value": "COALESCE({c[market_value]}, ROUND({c[quantity]} * {r[close]}, 2))",
        },
        snapshot_column="business_date",
    )
)

_spec(
    FileSpec(
        name="trades",
        columns=(
            SERIAL_NO,
            Column("trade_date", "date", True, days_ahead=7),
            FUND_ACCOUNT,
            MARKET,
            SEC_CODE,
            Column("side", "code", True, codes=("B", "S", "RS", "IPO", "DIV")),
            money("quantity", True),
            money("price", True),
            money("amount", True),
            money("commission", True),
            money("stamp_tax"),
            money("transfer_fee"),
            money("handling_fee"),
            money("regulatory_fee"),
            money("net_amount", True),
            Column("channel", "code", codes=tuple(Channel.values)),
        ),
        key=("trade_date", "serial_no"),
        table="customers_trade",
        conflict=("trade_date", "serial_no"),
        day_column="trade_date",
        references=(ACCOUNT, SECURITY),
        values={
            "trade_date": "{c[trade_date]}",
            "serial_no": "{c[serial_no]}",
            "account_id": "{r[account]}",
            "security_id": "{r[security]}",
            "side": "{c[side]}",
            "quantity": "{c[quantity]}",
            "price": "{c[price]}",
            "amount": "{c[amount]}",
            "commission": "{c[commission]}",
            "stamp_tax": "{c[stamp_tax]}",
            "transfer_fee": "{c[transfer_fee]}",
            "handling_fee": "{c[handling_fee]}",
            "regulatory_fee": "{c[regulatory_fee]}",
            "net_amount": "{c[net_amount]}",
            "channel": "{c[channel]}",
        },
    )
)

_spec(
    FileSpec(
        name="cash_flows",
        columns=(
            SERIAL_NO,
            Column("flow_date", "date", True, days_ahead=7),
            FUND_ACCOUNT,
            Column(
                "biz_type",
                "code",
                True,
                codes=("BANK_IN", "BANK_OUT", "DIVIDEND", "INTEREST", "FEE", "TRADE", "OTHER"),
            ),
            money("amount", True),
            money("balance_after"),
        ),
        key=("flow_date", "serial_no"),
        table="customers_cashflow",
        conflict=("flow_date", "serial_no"),
        day_column="flow_date",
        references=(ACCOUNT,),
        values={
            "flow_date": "{c[flow_date]}",
            "serial_no": "{c[serial_no]}",
            "account_id": "{r[account]}",
            "biz_type": "{c[biz_type]}",
            "amount": "{c[amount]}",
            "balance_after": "{c[balance_after]}",
        },
    )
)

_spec(
    FileSpec(
        name="credit_accounts",
        columns=(
            FUND_ACCOUNT,
            money("financing_debt", True),
            money("lending_debt", True),
            money("accrued_interest", True),
            money("collateral_value", True),
            money("maintenance_ratio"),
        ),
        key=("fund_account",),
        table="customers_dailycredit",
        conflict=("business_date", "account_id"),
        references=(ACCOUNT,),
        values={
            "business_date": "{day}",
            "account_id": "{r[account]}",
            "financing_debt": "{c[financing_debt]}",
            "lending_debt": "{c[lending_debt]}",
            "accrued_interest": "{c[accrued_interest]}",
            "collateral_value": "{c[collateral_value]}",
            "maintenance_ratio": "{c[maintenance_ratio]}",
        },
        snapshot_column="business_date",
    )
)

assert tuple(SPECS) == COUNTER_FILES, "specs must follow the load order of COUNTER_FILES"


# -- what an import profile may name (the admin's choices and checks ask here) ----------------

FLAG_CODES = ("Y", "N")


def column_codes(column: Column) -> tuple[str, ...]:
    """The canonical codes a coded column takes (a flag is Y or N); () for other columns."""
    if column.kind == "flag":
        return FLAG_CODES
    return column.codes if column.kind == "code" else ()


def specs_of(file: str) -> list[FileSpec]:
    """The one file's spec, or every spec for an alias or code that holds in every file."""
    return [SPECS[file]] if file else list(SPECS.values())


def canonical_columns(file: str = "", *, coded: bool = False) -> list[str]:
    """The canonical columns of the file (of every file when empty), coded ones only if asked."""
    names = {
        column.name
        for spec in specs_of(file)
        for column in spec.columns
        if not coded or column_codes(column)
    }
    return sorted(names)


def canonical_codes(column: str, file: str = "") -> tuple[str, ...]:
    """The codes the contract allows for a column of the file (of any file when empty)."""
    codes: list[str] = []
    for spec in specs_of(file):
        for candidate in spec.columns:
            if candidate.name == column:
                codes += [code for code in column_codes(candidate) if code not in codes]
    return tuple(codes)
