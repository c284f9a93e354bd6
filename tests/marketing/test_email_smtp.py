"""Campaign e-mails through Django's SMTP backend to a real SMTP server on 127.0.0.1
(aiosmtpd): each send one message with its Message-ID, the rendered subject and the
opt-out footer; an address the server refuses fails with the server's reason, the rest go."""

import email
import socket

import pytest
from aiosmtpd.controller import Controller

from marketing.models import CampaignChannel, Send, SendStatus
from marketing.services.sending import channel_send
from tests.marketing.sending_data import Clock, campaign_make, customers_make

pytestmark = pytest.mark.django_db

REFUSED = "refused@example.com"


class Mailbox:
    """The SMTP server's handler: keeps what it accepts, refuses REFUSED at RCPT."""

    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == REFUSED:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mailbox(settings):
    handler = Mailbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.CAMPAIGN_EMAIL_BACKEND = "marketing.channels.email.EmailBackend"
    yield handler
    controller.stop()


def test_it_sends_each_campaign_email_once_through_a_real_smtp_server(org, mailbox):
    customers = customers_make(org.branch_a, 3)
    campaign = campaign_make(org.branch_manager, customers, channels=(CampaignChannel.EMAIL,))
    clock = Clock()

    done = channel_send(channel=CampaignChannel.EMAIL, now_fn=clock, sleep_fn=clock.sleep)

    assert done["sent"] == 3
    assert sorted(message["To"] for message in mailbox.messages) == sorted(
        customer.email for customer in customers
    )
    sends = {send.address: send for send in Send.objects.filter(campaign=campaign)}
    for message in mailbox.messages:
        send = sends[message["To"]]
        assert send.status == SendStatus.SENT
        assert message["Message-ID"].startswith(f"<{send.claim.hex}@")
        body = message.get_payload(decode=True).decode()
        assert body.startswith(send.customer.name)
        assert "TD" in body  # the opt-out wording of the footer
    assert all(message["Subject"] for message in mailbox.messages)


def test_it_fails_only_the_address_the_server_refuses_with_its_reason(org, mailbox):
    customers = customers_make(org.branch_a, 2)
    customers[0].email = REFUSED
    customers[0].save()
    campaign = campaign_make(org.branch_manager, customers, channels=(CampaignChannel.EMAIL,))
    clock = Clock()

    channel_send(channel=CampaignChannel.EMAIL, now_fn=clock, sleep_fn=clock.sleep)

    refused = Send.objects.get(campaign=campaign, address=REFUSED)
    assert refused.status == SendStatus.FAILED
    assert "mailbox unavailable" in refused.reason
    other = Send.objects.get(campaign=campaign, address=customers[1].email)
    assert other.status == SendStatus.SENT
    assert [message["To"] for message in mailbox.messages] == [customers[1].email]


def test_it_keeps_the_emails_queued_when_the_mail_server_is_down(org, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _free_port()  # nothing listens there
    customers = customers_make(org.branch_a, 2)
    campaign = campaign_make(org.branch_manager, customers, channels=(CampaignChannel.EMAIL,))
    clock = Clock()

    channel_send(channel=CampaignChannel.EMAIL, now_fn=clock, sleep_fn=clock.sleep)

    statuses = set(Send.objects.filter(campaign=campaign).values_list("status", flat=True))
    assert SendStatus.SENT not in statuses
    assert SendStatus.FAILED not in statuses
