"""The scope walker's declarations of the sending part (marketing/urls_sending.py): the SMS
gateway's webhooks. They take no login and show no customer, but they are not public
pages either: only a POST signed with the gateway's secret is read. The walker's Public
check (an anonymous GET answered 200 or 302) does not fit a POST-only endpoint, so they are
declared as SignedWebhook, which tests/marketing/test_receipts.py checks for every such
declaration: an anonymous GET is a 405, an anonymous unsigned POST a 403, and neither
leads to the login page or names a customer."""

from dataclasses import dataclass


@dataclass(frozen=True)
class SignedWebhook:
    """Posted to by an outside system, authenticated by its signature instead of a login;
    refuses anything unsigned (403) and answers no GET (405)."""

    reason: str


DECLARATIONS = {
    "marketing:gateway-receipts": SignedWebhook("the SMS gateway's delivery receipts"),
    "marketing:gateway-replies": SignedWebhook("the SMS gateway's uplink of customers' replies"),
}
