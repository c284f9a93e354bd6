"""Reads of the crm app: the signed-in user's staff record and role."""

from .models import Role, Staff


def staff_for_user(user) -> Staff | None:
    """The active staff record of a user, or None (cached on the user object)."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_crm_staff"):
        user._crm_staff = (
            Staff.objects.select_related("branch", "team").filter(user_id=user.pk).first()
        )
    return user._crm_staff


def role_of(user) -> str | None:
    """The role a user works in; superusers without a staff record count as administrators."""
    staff = staff_for_user(user)
    if staff is not None and staff.is_active:
        return staff.role
    if getattr(user, "is_superuser", False):
        return Role.ADMIN
    return None
