"""Writes of the crm app: the audit writer and staff logins.

Each function is keyword-only and atomic; reads live in crm/selectors.py.
"""

from django.contrib.auth import get_user_model
from django.db import transaction

from .models import AuditEntry, Branch, Role, Staff, Team


def client_ip(request) -> str | None:
    """The address the request came from. Behind the reverse proxy, the first forwarded hop."""
    if request is None:
        return None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    actor,
    action: str,
    target=None,
    object_type: str = "",
    object_id: str | int = "",
    request=None,
    details: dict | None = None,
) -> AuditEntry:
    """Append one entry to the audit log: who did what to which object, from where.

    `target` is a model instance; its label and primary key fill object_type and object_id.
    """
    if target is not None:
        object_type = target._meta.label_lower
        object_id = target.pk
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        client_ip=client_ip(request),
        details=details or {},
    )


@transaction.atomic
def staff_login_create(
    *,
    username: str,
    password: str,
    role: Role,
    staff_code: str,
    name: str,
    branch: Branch | None = None,
    team: Team | None = None,
) -> Staff:
    """Give a member of staff a login (creating the staff record when the import has not).

    Re-running it resets the password and role: it is how demo and support accounts are made.
    """
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(username=username)
    user.set_password(password)
    user.is_staff = role == Role.ADMIN
    user.is_superuser = role == Role.ADMIN
    user.first_name = name[:150]
    user.save()
    # A login speaks for one member of staff: detach it from whoever it spoke for before.
    Staff.objects.filter(user=user).exclude(staff_code=staff_code).update(user=None)
    staff, _ = Staff.objects.update_or_create(
        staff_code=staff_code,
        defaults={"name": name, "role": role, "branch": branch, "team": team, "user": user},
    )
    return staff
