"""The CRM's own middleware: headers that keep its responses out of caches and the
browser's unused features off, and the idle timeout of a signed-in session. The
Content-Security-Policy is django-csp's; the settings say what it allows."""

import datetime
import time
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

# The session's keys of the last request's time and of the sign-in (epoch seconds).
LAST_ACTIVITY = "crm.last_activity"
SIGNED_IN = "crm.signed_in"
# Activity refreshes the stamp at most this often, so not every request writes the session.
REFRESH_EVERY = 60


def security_headers(get_response):
    """Every response of the application is private and never stored (pages, htmx panels and
    exports show customer data; the login page carries a fresh CSRF token), and turns off
    the browser features of settings.PERMISSIONS_POLICY. The collected static files do not
    come here: whitenoise answers them first, with their long cache lifetime."""

    def middleware(request):
        response = get_response(request)
        add_never_cache_headers(response)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response

    return middleware


def session_idle_timeout(get_response):
    """Signs out a session that made no request for settings.SESSION_IDLE_TIMEOUT seconds
    and sends the visitor to the login page with a message; an htmx request is told to load
    that page whole rather than swap it into a panel.

    Until the stamp's first refresh a session counts from the sign-in (user.last_login), so
    a sign-in costs no second session write. Each refresh also pins the session's end at the
    sign-in plus SESSION_COOKIE_AGE: Django would otherwise move the end each time it saves
    the session, and the absolute limit would slide with the activity."""

    def middleware(request):
        user = request.user
        if not user.is_authenticated:
            return get_response(request)
        session = request.session
        now = int(time.time())
        signed_in = session.get(SIGNED_IN) or int((user.last_login or timezone.now()).timestamp())
        last = session.get(LAST_ACTIVITY) or signed_in
        if now - last > settings.SESSION_IDLE_TIMEOUT:
            return signed_out(request)
        if now - last >= REFRESH_EVERY:
            session[LAST_ACTIVITY] = now
            session[SIGNED_IN] = signed_in
            ends = signed_in + settings.SESSION_COOKIE_AGE
            session.set_expiry(datetime.datetime.fromtimestamp(ends, tz=datetime.UTC))
        return get_response(request)

    return middleware


def signed_out(request):
    logout(request)
    messages.info(
        request,
        _("You were signed out after a while without activity. Please sign in again."),
    )
    if request.headers.get("HX-Request") != "true":
        return redirect_to_login(request.get_full_path())
    # Back to the page the panel is on after the sign-in, not to the panel's own URL.
    page = urlsplit(request.headers.get("HX-Current-URL", ""))
    back = urlunsplit(("", "", page.path, page.query, "")) or request.get_full_path()
    return HttpResponseClientRedirect(redirect_to_login(back)["Location"])
