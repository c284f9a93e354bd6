"""Masking of personal data (ID number, mobile, address) for display and export.

Pure functions: the 360 page, lists and exports call them unless the user may reveal
personal data (crm/roles.py may_reveal_pii; for the contact details alone, serving the
customer: customers/permissions.py may_reveal_contacts), and revealing is audited by the caller.
"""

import csv
import io
import re

# What a customer's serving staff may reveal to call or write to them, without the
# permission (customers/permissions.py may_reveal_contacts); also audited.
CONTACT_FIELDS = ("mobile", "email")


def mask_id_no(value: str) -> str:
    """`330106199001011234` → `3301**********1234`: region and last four stay readable."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_mobile(value: str) -> str:
    """`13812345678` → `138****5678`."""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_address(value: str) -> str:
    """Keep the first six characters (city and district), hide the rest."""
    if not value:
        return ""
    keep = min(6, max(len(value) // 3, 1))
    return value[:keep] + "*" * min(len(value) - keep, 8)


def mask_email(value: str) -> str:
    if not value or "@" not in value:
        return mask_address(value)
    user, _, domain = value.partition("@")
    return (user[:1] + "***@" + domain) if user else "***@" + domain


def personal_data(person, *, revealed: bool, contacts: bool = False) -> dict:
    """A customer's ID number, mobile, e-mail and address, masked unless `revealed`: the one
    place that decides, for the 360 page and the exports alike. `contacts` reveals the
    contact details (CONTACT_FIELDS) alone; the ID number and address stay masked."""
    if revealed:
        return {
            "id_no": person.id_no,
            "mobile": person.mobile,
            "email": person.email,
            "address": person.address,
            "revealed": True,
            "contacts_revealed": True,
        }
    masked = {
        "id_no": mask_id_no(person.id_no),
        "mobile": mask_mobile(person.mobile),
        "email": mask_email(person.email),
        "address": mask_address(person.address),
        "revealed": False,
        "contacts_revealed": contacts,
    }
    if contacts:
        masked.update({name: getattr(person, name) for name in CONTACT_FIELDS})
    return masked


# A counter file's personal columns (shared/COUNTER_EXPORTS.md) and how each is masked.
PERSONAL_COLUMNS = {
    "id_no": mask_id_no,
    "mobile": mask_mobile,
    "email": mask_email,
    "address": mask_address,
}
# What looks personal in a line that cannot be split into its columns: an e-mail address,
# a run of seven or more digits (an ID number or a mobile, spaces or dashes allowed inside),
# and a field holding Chinese text with a digit (an address).
_EMAIL = re.compile(r"[^\s,;|\t\"@]+@[^\s,;|\t\"]+")
_DIGITS = re.compile(r"\d(?:[ -]?[\dXx]){6,}")
_ADDRESS = re.compile(r"[^,;|\t\"]*[\u4e00-\u9fff][^,;|\t\"]*\d[^,;|\t\"]*")


def mask_raw_line(raw: str, *, columns: list[str] | None, delimiter: str) -> str:
    """A rejected counter line with its personal fields masked. `columns` are the canonical
    column names of the line's fields in order (the file's header read under its import
    profile); a line that does not split into exactly that many fields on `delimiter`, or
    has no known columns, has everything that looks personal masked instead."""
    if columns:
        try:
            rows = list(csv.reader(io.StringIO(raw, newline=""), delimiter=delimiter))
        except csv.Error:
            rows = []
        if len(rows) == 1 and len(rows[0]) == len(columns):
            fields = [
                PERSONAL_COLUMNS[name](value) if name in PERSONAL_COLUMNS else value
                for name, value in zip(columns, rows[0], strict=True)
            ]
            buffer = io.StringIO()
            csv.writer(buffer, delimiter=delimiter, lineterminator="").writerow(fields)
            return buffer.getvalue()
    masked = _EMAIL.sub(lambda match: mask_email(match.group()), raw)
    masked = _ADDRESS.sub(lambda match: mask_address(match.group()), masked)
    return _DIGITS.sub(lambda match: mask_mobile(match.group()), masked)
