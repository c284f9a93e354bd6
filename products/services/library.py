"""Writes of the product library: the import of a product list from a spreadsheet (.xlsx or
.csv) and the link of products to the counter's securities by code.

The import reads the whole file first and writes only if every row is valid: a file with
one bad row is refused whole, with each problem (row, column, reason), and nothing is
written. The admin's import page (products/admin.py) is a thin caller.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Field, TextChoices
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from crm.dates import EARLIEST
from crm.services import audit_record
from crm.sql import Dialect
from products.models import (
    InvestHorizon,
    InvestVariety,
    Product,
    ProductKind,
    ProductRisk,
    ProductStatus,
)

MAX_ROWS = 10_000  # products in one file: ten times the library
PROBLEMS_SHOWN = 200  # of a refused file's problems, in its report
# A product code is in the address of its page (/products/<code>/) and in files: no spaces.
CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
LATEST_SALE_DAY = datetime.date(2199, 12, 31)
TRUE_WORDS = frozenset({"1", "y", "yes", "true", "t", "x", "✔", "是", "对", "√"})
FALSE_WORDS = frozenset({"", "0", "n", "no", "false", "f", "否", "不", "×"})


# -- the columns ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportColumn:
    """One column of a product list: the Product field it fills, whether a file must have
    it, what a header may call it besides the field's name and label (in English and
    Chinese), and the choices it takes (by code or by label in either language)."""

    field: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    choices: type[TextChoices] | None = None


COLUMNS = (
    ImportColumn("code", True, ("code", "product code", "产品代码", "代码")),
    ImportColumn("name", True, ("name", "product name", "产品名称", "名称")),
    ImportColumn("kind", True, ("kind", "type", "产品类型", "产品种类", "类型"), ProductKind),
    ImportColumn("issuer", False, ("issuer", "发行机构", "发行人", "管理人")),
    ImportColumn("risk_level", True, ("risk level", "risk", "风险等级"), ProductRisk),
    ImportColumn("horizon", True, ("horizon", "投资期限"), InvestHorizon),
    ImportColumn("variety", True, ("variety", "投资品种"), InvestVariety),
    ImportColumn("minimum_investment", False, ("minimum investment", "起购金额", "最低投资金额")),
    ImportColumn(
        "sale_starts_on",
        False,
        (
            "sale start",
            "sale starts",
            "sale start date",
            "销售开始日",
            "销售开始日期",
            "发售开始日",
        ),
    ),
    ImportColumn(
        "sale_ends_on",
        False,
        ("sale end", "sale ends", "sale end date", "销售结束日", "销售结束日期", "发售结束日"),
    ),
    ImportColumn("status", False, ("status", "产品状态", "状态"), ProductStatus),
    ImportColumn("fee_rate", False, ("fee rate", "sales fee rate", "销售费率", "费率")),
    ImportColumn(
        "professional_only",
        False,
        ("professional only", "仅限专业投资者", "专业投资者专属", "专业投资者"),
    ),
    ImportColumn("description", False, ("description", "产品说明", "产品描述", "说明")),
)


def _key(text: str) -> str:
    """A header or a choice as compared: case, spaces, underscores, hyphens and a trailing
    asterisk (a required-column mark) do not matter. `Risk level`, `risk_level` and
    `RISK-LEVEL` are the same column; `R3 中风险` and `r3中风险` the same label."""
    return re.sub(r"[\s_\-*＊]+", "", str(text)).casefold()


def _labels(label) -> set[str]:
    """A translatable label in English and in Chinese."""
    found = set()
    for language in ("en", "zh-hans"):
        with translation.override(language):
            found.add(str(label))
    return found


def header_names() -> dict[str, str]:
    """Every header the import knows (as compared by `_key`) → the field it fills: the
    field's name, its label in English and Chinese, and the column's aliases."""
    names: dict[str, str] = {}
    for column in COLUMNS:
        for name in (column.field, *column.aliases, *_labels(_verbose_name(column.field))):
            names[_key(name)] = column.field
    return names


def choice_names(choices: type[TextChoices]) -> dict[str, str]:
    """Every way a file may write a choice → its code: the code, the label in English and
    Chinese, and the label as people shorten it: without the code it starts with (`R3 中风险`
    as `中风险`) or the 类 it ends with (`固定收益类` as `固定收益`)."""
    names = {}
    for value, label in zip(choices.values, choices.labels, strict=True):
        for name in (value, *_labels(label)):
            key = _key(name)
            names[key] = value
            shorter = key.removeprefix(_key(value)).removesuffix("类")
            if shorter:
                names.setdefault(shorter, value)
    return names


# -- refusals and the report --------------------------------------------------------------------


class ProductFileRefused(Exception):
    """The file was not imported, and nothing of it written: it is not a spreadsheet the
    import reads, it has no usable header, or (`problems`) some of its rows are wrong."""

    def __init__(self, message: str, *, problems: list[RowProblem] | None = None):
        super().__init__(message)
        self.problems = problems or []


@dataclass(frozen=True)
class RowProblem:
    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str  # the header as the file wrote it
    reason: str  # in the reader's language


@dataclass(frozen=True)
class ProductImport:
    file_name: str
    created: int
    updated: int
    unchanged: int
    linked: int  # products newly linked to a security


# -- reading the file -------------------------------------------------------------------------


def spreadsheet_rows(*, file_name: str, content: bytes) -> list[list]:
    """The rows of the first sheet of an .xlsx workbook or of a .csv file (UTF-8, or GB18030
    as Chinese Excel saves it), header first; cells of a workbook as the workbook typed them
    (numbers, dates), of a CSV as text. Refuses anything else, naming the file and why."""
    lowered = file_name.lower()
    if lowered.endswith((".xlsx", ".xlsm")):
        return _workbook_rows(file_name, content)
    if lowered.endswith((".csv", ".txt")):
        return _csv_rows(file_name, content)
    if lowered.endswith(".xls"):
        raise ProductFileRefused(
            gettext(
                "%(file)s is an old Excel 97–2003 workbook, which the import does not read: "
                "save it as .xlsx or .csv."
            )
            % {"file": file_name}
        )
    raise ProductFileRefused(
        gettext("%(file)s is not a spreadsheet: upload an .xlsx workbook or a .csv file.")
        % {"file": file_name}
    )


def _workbook_rows(file_name: str, content: bytes) -> list[list]:
    import openpyxl  # only the import needs it; the pages load without it

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise ProductFileRefused(
            gettext("%(file)s cannot be read as an .xlsx workbook: %(cause)s")
            % {"file": file_name, "cause": error or type(error).__name__}
        ) from None
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(list(row))
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        workbook.close()


def _csv_rows(file_name: str, content: bytes) -> list[list]:
    if b"\x00" in content:
        raise ProductFileRefused(
            gettext("%(file)s holds binary data, not the text of a CSV file.") % {"file": file_name}
        )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ProductFileRefused(
            gettext("%(file)s is neither UTF-8 nor GB18030 text.") % {"file": file_name}
        )
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise ProductFileRefused(
            gettext("%(file)s cannot be read as CSV: %(cause)s")
            % {"file": file_name, "cause": error}
        ) from None


# -- the values -------------------------------------------------------------------------------


class BadValue(Exception):
    """A cell that cannot fill its field; the message says why."""


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _choice(names: dict[str, str]) -> Callable:
    def parse(value) -> str:
        found = names.get(_key(_text(value)))
        if found is None:
            raise BadValue(gettext("“%(value)s” is not one of the choices.") % {"value": value})
        return found

    return parse


def _decimal(value) -> Decimal:
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return Decimal(str(value))
    text = _text(value).replace(",", "").replace("，", "")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise BadValue(gettext("“%(value)s” is not a number.") % {"value": value}) from None


def _rate(value) -> Decimal:
    """0.012, or 1.2% (the share of the amount sold)."""
    text = _text(value)
    if text.endswith(("%", "％")):
        return _decimal(text[:-1]) / 100
    return _decimal(value)


DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")


def _date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    else:
        text = _text(value)
        for date_format in DATE_FORMATS:
            try:
                # A calendar day, no moment: no time zone to be aware of.
                day = datetime.datetime.strptime(text, date_format).date()  # noqa: DTZ007
                break
            except ValueError:
                continue
        else:
            raise BadValue(
                gettext("“%(value)s” is not a date written YYYY-MM-DD.") % {"value": value}
            )
    if not EARLIEST <= day <= LATEST_SALE_DAY:
        raise BadValue(gettext("%(day)s is not a plausible sale date.") % {"day": day})
    return day


def _flag(value) -> bool:
    if isinstance(value, bool):
        return value
    key = _key(_text(value))
    if key in TRUE_WORDS:
        return True
    if key in FALSE_WORDS:
        return False
    raise BadValue(gettext("“%(value)s” is neither yes nor no.") % {"value": value})


def product_code_problem(text: str) -> str | None:
    """Why `text` cannot be a product code (it is a path segment of the product's page and
    a cell of files), or None: the one rule of the import and the admin's form."""
    if CODE_PATTERN.fullmatch(text):
        return None
    return gettext(
        "“%(value)s” is not a product code: letters, digits, dots, hyphens and underscores only."
    ) % {"value": text}


def _code(value) -> str:
    text = _text(value)
    problem = product_code_problem(text)
    if problem:
        raise BadValue(problem)
    return text


def _parsers() -> dict[str, Callable]:
    parsers: dict[str, Callable] = {
        "code": _code,
        "name": _text,
        "issuer": _text,
        "description": _text,
        "minimum_investment": _decimal,
        "fee_rate": _rate,
        "sale_starts_on": _date,
        "sale_ends_on": _date,
        "professional_only": _flag,
    }
    for column in COLUMNS:
        if column.choices is not None:
            parsers[column.field] = _choice(choice_names(column.choices))
    return parsers


# -- the import ---------------------------------------------------------------------------------


@dataclass
class _Parsed:
    row: int
    values: dict = field(default_factory=dict)


def product_list_import(
    *, file_name: str, content: bytes, actor=None, request=None
) -> ProductImport:
    """Create or update products by code from a product list, all rows or none, then link
    them to the counter's securities. Refuses (ProductFileRefused) a file that is not a
    spreadsheet, lacks a required column or has an unknown one, or has any bad row.

    A blank cell of an optional column leaves an existing product's value as it is (a new
    product takes the field's default)."""
    rows = spreadsheet_rows(file_name=file_name, content=content)
    header, body = _header(file_name, rows)
    try:
        with transaction.atomic():
            parsed, problems = _rows_parsed(header, body)
            codes = [item.values["code"] for item in parsed if "code" in item.values]
            # Locked, so that an import or a save at the same time waits for this one.
            existing = Product.objects.select_for_update().in_bulk(codes, field_name="code")
            problems += _windows_checked(parsed, existing, header)
            if problems:
                problems.sort(key=lambda problem: problem.row)
                raise ProductFileRefused(
                    ngettext(
                        "%(file)s was not imported: %(count)s problem, nothing written.",
                        "%(file)s was not imported: %(count)s problems, nothing written.",
                        len(problems),
                    )
                    % {"file": file_name, "count": len(problems)},
                    problems=problems[:PROBLEMS_SHOWN],
                )
            report = _products_write(parsed, existing, file_name=file_name)
            audit_record(
                actor=actor,
                action="products.import",
                request=request,
                details={
                    "file": file_name,
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                },
            )
    except IntegrityError:
        # Another import or an admin's save created one of these codes meanwhile.
        raise ProductFileRefused(
            gettext(
                "%(file)s was not imported: the products changed while it was read. Import it "
                "again."
            )
            % {"file": file_name}
        ) from None
    return report


def _header(file_name: str, rows: list[list]) -> tuple[dict[int, tuple[str, str]], list]:
    """{position: (field, header as written)} and the rows under the header."""
    if not rows or not any(_text(cell) for cell in rows[0]):
        raise ProductFileRefused(
            gettext("%(file)s has no header row (code, name, kind, …) in its first row.")
            % {"file": file_name}
        )
    if len(rows) > MAX_ROWS + 1:
        raise ProductFileRefused(
            gettext("%(file)s has more than %(limit)s products: split it.")
            % {"file": file_name, "limit": MAX_ROWS}
        )
    known = header_names()
    header: dict[int, tuple[str, str]] = {}
    unknown, repeated = [], []
    for position, cell in enumerate(rows[0]):
        written = _text(cell)
        if not written:
            continue
        found = known.get(_key(written))
        if found is None:
            unknown.append(written)
        elif found in {name for name, _written in header.values()}:
            repeated.append(written)
        else:
            header[position] = (found, written)
    fields = {name for name, _written in header.values()}
    missing = [
        str(_verbose_name(column.field))
        for column in COLUMNS
        if column.required and column.field not in fields
    ]
    reasons = []
    if missing:
        reasons.append(
            gettext("it lacks the columns %(columns)s") % {"columns": ", ".join(missing)}
        )
    if unknown:
        reasons.append(
            gettext("it has columns the import does not know: %(columns)s")
            % {"columns": ", ".join(unknown)}
        )
    if repeated:
        reasons.append(
            gettext("it has the same column twice: %(columns)s") % {"columns": ", ".join(repeated)}
        )
    if reasons:
        raise ProductFileRefused(
            gettext("%(file)s was not imported: %(reasons)s.")
            % {"file": file_name, "reasons": "; ".join(reasons)}
        )
    return header, rows[1:]


def _rows_parsed(header: dict[int, tuple[str, str]], body: list) -> tuple[list[_Parsed], list]:
    parsers = _parsers()
    required = {column.field for column in COLUMNS if column.required}
    parsed: list[_Parsed] = []
    problems: list[RowProblem] = []
    first_row_of: dict[str, int] = {}
    for number, cells in enumerate(body, start=2):
        if not any(_text(cell) for cell in cells):
            continue  # a blank line between products
        item = _Parsed(row=number)
        for position, (name, written) in header.items():
            value = cells[position] if position < len(cells) else None
            if not _text(value) and not isinstance(value, bool):
                if name in required:
                    problems.append(RowProblem(number, written, gettext("This cell is empty.")))
                continue
            try:
                cleaned = parsers[name](value)
                _model_field(name).clean(cleaned, None)
            except BadValue as error:
                problems.append(RowProblem(number, written, str(error)))
                continue
            except ValidationError as error:
                problems.append(RowProblem(number, written, " ".join(error.messages)))
                continue
            item.values[name] = cleaned
        code = item.values.get("code")
        if code is not None:
            if code in first_row_of:
                code_header = next(w for n, w in header.values() if n == "code")
                problems.append(
                    RowProblem(
                        number,
                        code_header,
                        gettext("The code %(code)s is in row %(row)s already.")
                        % {"code": code, "row": first_row_of[code]},
                    )
                )
            else:
                first_row_of[code] = number
        parsed.append(item)
    return parsed, problems


def _model_field(name: str) -> Field:
    model_field = Product._meta.get_field(name)
    assert isinstance(model_field, Field)
    return model_field


def _windows_checked(parsed: list[_Parsed], existing: dict, header) -> list[RowProblem]:
    """A sale window ends on or after it starts, with what the row leaves unchanged."""
    written = dict(header.values())
    problems = []
    for item in parsed:
        product = existing.get(item.values.get("code"))
        starts = item.values.get("sale_starts_on", product.sale_starts_on if product else None)
        ends = item.values.get("sale_ends_on", product.sale_ends_on if product else None)
        if starts and ends and ends < starts:
            column = written.get("sale_ends_on") or written.get("sale_starts_on", "")
            problems.append(
                RowProblem(
                    item.row,
                    column,
                    gettext("The sale ends (%(ends)s) before it starts (%(starts)s).")
                    % {"ends": ends, "starts": starts},
                )
            )
    return problems


def _products_write(parsed: list[_Parsed], existing: dict, *, file_name: str) -> ProductImport:
    now = timezone.now()
    created, changed, unchanged = [], [], 0
    fields_set: set[str] = set()
    for item in parsed:
        product = existing.get(item.values["code"])
        if product is None:
            created.append(Product(**item.values))
            continue
        differing = {
            name: value for name, value in item.values.items() if getattr(product, name) != value
        }
        if not differing:
            unchanged += 1
            continue
        for name, value in differing.items():
            setattr(product, name, value)
        product.updated_at = now
        fields_set.update(differing)
        changed.append(product)
    Product.objects.bulk_create(created, batch_size=500)
    if changed:
        Product.objects.bulk_update(changed, [*sorted(fields_set), "updated_at"], batch_size=500)
    linked = securities_link()
    return ProductImport(
        file_name=file_name,
        created=len(created),
        updated=len(changed),
        unchanged=unchanged,
        linked=linked,
    )


# -- the link to the counter's securities ----------------------------------------------------

EXACT_CODE = r"^[0-9]{6}\.(SH|SZ|BJ)$"
BARE_CODE = r"^[0-9]{6}$"


def _target_sql(dialect: Dialect, product: str) -> str:
    """The security the product `product` (a table name or alias) is, by its code:

    - `600519.SH` (the code as the pages print it, market after a dot) is that market's
      security exactly;
    - a bare `600519` is the security with that code if only one market has it and no
      product is named `600519.SH`-style for it; a code two markets share (000001 is an index
      in Shanghai and a bank in Shenzhen) links nothing: name the market in the code;
    - any other code (an internal fund or wealth-product code) names no security.
    """
    exact = (
        "SELECT s.id FROM products_security s "
        f"WHERE s.sec_code = substr({product}.code, 1, 6) "
        f"AND s.market = substr({product}.code, 8, 2)"
    )
    bare = (
        "SELECT s.id FROM products_security s "
        f"WHERE s.sec_code = {product}.code "
        "AND NOT EXISTS (SELECT 1 FROM products_security o "
        "WHERE o.sec_code = s.sec_code AND o.id <> s.id) "
        "AND NOT EXISTS (SELECT 1 FROM products_product q "
        "WHERE q.code = s.sec_code || '.' || s.market)"
    )
    return (
        f"CASE WHEN {dialect.matches(f'{product}.code', EXACT_CODE)} THEN ({exact}) "
        f"WHEN {dialect.matches(f'{product}.code', BARE_CODE)} THEN ({bare}) END"
    )


def securities_link() -> int:
    """Link every product whose code names a security (see _target_sql) to it, in two
    set-based statements; returns the products whose link changed. A product whose code
    names no security keeps the link set in admin, unless another product's code claims
    that security (a security is one product at most)."""
    dialect = Dialect(connection.vendor)
    targets = (
        f"SELECT p.id AS product_id, {_target_sql(dialect, 'p')} AS security_id "
        "FROM products_product p"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        # Free the securities other products' codes claim, so that the second statement
        # never gives one security to two products, even for a moment.
        cursor.execute(
            "UPDATE products_product SET security_id = NULL WHERE security_id IN ("
            f"SELECT t.security_id FROM ({targets}) t "
            "WHERE t.security_id IS NOT NULL AND t.product_id <> products_product.id)"
        )
        target = _target_sql(dialect, "products_product")
        cursor.execute(
            f"UPDATE products_product SET security_id = ({target}) "
            f"WHERE ({target}) IS NOT NULL "
            f"AND {dialect.differs('products_product.security_id', target)}"
        )
        return cursor.rowcount


def _verbose_name(field: str):
    """A product field's label (lazy: in the language it is read in)."""
    return _model_field(field).verbose_name
