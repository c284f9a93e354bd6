"""Masking of personal data (ID number, mobile, address) for display and export.

Pure functions: the 360 page, lists and exports call them unless the user holds the
`customers.reveal_pii` permission (or, for the contact details alone, serves the customer),
and revealing is audited by the caller.
"""

# Who may see personal data in full (and search by part of a mobile); revealing is audited.
REVEAL_PERMISSION = "customers.reveal_pii"
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
