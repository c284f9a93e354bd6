"""Sign-in throttling: a username is locked at one client address after the failure limit,
at the login page and at the admin's, every failure and lockout is audited, and an
administrator unlocks it in admin."""

import pytest
from axes.models import AccessAttempt

from crm.models import AuditEntry
from tests.crm.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
BRANCH_NAT = "203.0.113.10"


def sign_in(client, username, password, *, address=BRANCH_NAT, url="/accounts/login/"):
    return client.post(
        url,
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def fail_until_locked(client, username, settings, **where):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, username, "guess", **where)


def test_it_locks_a_username_at_one_address_after_the_failure_limit(client, org, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "broker", "guess").status_code == 200
    locked = sign_in(client, "broker", "guess")
    assert locked.status_code == 429
    # Even the right password is refused while the lock lasts.
    refused = sign_in(client, "broker", PASSWORD)
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session


def test_it_shows_a_translated_lockout_message_on_the_login_page(client, org, settings):
    fail_until_locked(client, "broker", settings)
    page = sign_in(client, "broker", PASSWORD)
    assert page.status_code == 429
    assert page.templates[0].name == "registration/login.html"
    text = page.content.decode()
    assert "Too many failed sign-ins" in text
    assert "30 minutes" in text
    assert 'name="password"' in text  # the form stays, for after the cool-off


def test_colleagues_behind_the_same_branch_address_keep_signing_in(client, org, settings):
    fail_until_locked(client, "broker", settings)
    response = sign_in(client, "teammate", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(org.teammate.user.pk)


def test_the_same_username_from_another_address_is_not_locked(client, org, settings):
    fail_until_locked(client, "broker", settings)
    assert sign_in(client, "broker", PASSWORD, address="198.51.100.7").status_code == 302


def test_the_admin_login_locks_too(client, org, settings):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    fail_until_locked(client, "root", settings, url="/admin/login/")
    refused = sign_in(client, "root", PASSWORD, url="/admin/login/")
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.content.decode()
    assert client.session.get("_auth_user_id") != str(root.pk)


def test_it_audits_each_failure_and_the_lockout_with_username_and_address(client, org, settings):
    fail_until_locked(client, "broker", settings)
    failures = AuditEntry.objects.filter(action="login.failed")
    assert failures.count() == settings.AXES_FAILURE_LIMIT
    for entry in failures:
        assert entry.actor is None
        assert entry.client_ip == BRANCH_NAT
        assert entry.details == {"username": "broker"}
    lockout = AuditEntry.objects.get(action="login.locked_out")
    assert lockout.client_ip == BRANCH_NAT
    assert lockout.details == {"username": "broker"}


def test_it_never_writes_the_password_tried_to_the_audit_log(client, org, settings):
    sign_in(client, "broker", "s3cret-guess-XYZ")
    assert AuditEntry.objects.filter(action="login.failed").exists()
    for entry in AuditEntry.objects.all():
        assert "s3cret-guess-XYZ" not in str(entry.details)
        assert "s3cret-guess-XYZ" not in entry.object_id


def test_behind_the_proxy_it_locks_the_real_address_whatever_the_client_forges(
    client, org, settings
):
    settings.TRUSTED_PROXY_HOPS = 1
    for forged in ("1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4", "5.5.5.5"):
        client.post(
            "/accounts/login/",
            {"username": "broker", "password": "guess"},
            REMOTE_ADDR="10.0.0.2",  # the reverse proxy
            HTTP_X_FORWARDED_FOR=f"{forged}, {BRANCH_NAT}",
        )
    assert set(AuditEntry.objects.values_list("client_ip", flat=True)) == {BRANCH_NAT}
    refused = client.post(
        "/accounts/login/",
        {"username": "broker", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=f"9.9.9.9, {BRANCH_NAT}",
    )
    assert refused.status_code == 429


def test_an_administrator_unlocks_in_admin(client, org, settings):
    fail_until_locked(client, "broker", settings)
    assert sign_in(client, "broker", PASSWORD).status_code == 429

    admin_client = client.__class__()
    admin_client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    listing = admin_client.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert "broker" in listing.content.decode()
    attempt = AccessAttempt.objects.get(username="broker")
    unlocked = admin_client.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert unlocked.status_code == 302
    assert not AccessAttempt.objects.exists()

    assert sign_in(client, "broker", PASSWORD).status_code == 302


def test_a_successful_sign_in_clears_the_failures_before_the_limit(client, org, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "broker", "guess")
    assert sign_in(client, "broker", PASSWORD).status_code == 302
    client.logout()
    assert sign_in(client, "broker", "guess").status_code == 200


def test_a_username_longer_than_any_user_can_have_fails_like_any_other(client, org):
    response = sign_in(client, "x" * 1000, "guess")
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="login.failed")
    assert entry.details == {"username": "x" * 150}
    assert AccessAttempt.objects.get().username == "x" * 150
