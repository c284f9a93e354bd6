"""Failed sign-ins and lockouts: the audit entries they leave, and the login page a
locked-out user sees. The lockout itself is django-axes's (settings, "Sign-in throttling").

The audit entries hang on the sign-in signals because they are the only place where
Django's and the admin's login forms report a failure; they record, nothing else.
"""

from typing import cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Field
from django.shortcuts import render

from .services import audit_record


def username_tried(request, credentials: dict | None = None) -> str | None:
    """The username a sign-in tried, cut to the longest a user can have (the login form
    lets any length through to authentication), for the lockout and the audit log alike.
    Never the password."""
    field = cast(Field, get_user_model()._meta.get_field(get_user_model().USERNAME_FIELD))
    source = credentials or getattr(request, "POST", {})
    username = source.get(field.name)
    return None if username is None else str(username)[: field.max_length]


def login_failed_record(sender, credentials=None, request=None, **kwargs) -> None:
    audit_record(
        actor=None,
        action="login.failed",
        request=request,
        details={"username": username_tried(request, credentials) or ""},
    )


def login_locked_out_record(sender, request=None, username=None, **kwargs) -> None:
    audit_record(
        actor=None,
        action="login.locked_out",
        request=request,
        details={"username": username or ""},  # axes asked username_tried
    )


def lockout_response(request, original_response=None, credentials=None):
    """The login page with the lockout message, at the login page and the admin's."""
    form = AuthenticationForm(request, initial={"username": username_tried(request, credentials)})
    context = {
        "form": form,
        "locked_out": True,
        "cooloff_minutes": settings.AXES_COOLOFF_MINUTES,
        "next": request.POST.get("next", ""),  # LoginView checks it when the sign-in succeeds
    }
    # django-axes gives the setting its default at start-up (axes.conf), so crm.settings
    # need not name it and django-stubs does not know it.
    status = settings.AXES_HTTP_RESPONSE_CODE  # type: ignore[misc]
    return render(request, "registration/login.html", context, status=status)
