"""Writes of the crm app: the audit writer, staff logins and the application's database role.

Each function is keyword-only and atomic; reads live in crm/selectors.py.
"""

import ipaddress

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from .models import AuditEntry, Branch, Role, Staff, Team


def client_ip(request) -> str | None:
    """The address the request came from, for the audit log and the sign-in lockout.

    Each of the TRUSTED_PROXY_HOPS reverse proxies in front of the application appends the
    address it was reached from to X-Forwarded-For, so the client is that many entries from
    the right; whatever lies further left, the client wrote itself. With no trusted proxy,
    or a request that did not pass them all, it is the peer's address. A value that is not
    an address is not recorded.
    """
    if request is None:
        return None
    hops = settings.TRUSTED_PROXY_HOPS
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    forwarded = [hop.strip() for hop in header.split(",") if hop.strip()]
    address = (
        forwarded[-hops] if hops and len(forwarded) >= hops else request.META.get("REMOTE_ADDR")
    )
    try:
        return str(ipaddress.ip_address(address or ""))
    except ValueError:
        return None


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


# Rows only ever inserted: the application's role may read and add them, nothing else.
APPEND_ONLY_TABLES = (AuditEntry._meta.db_table,)
# The owner's partition functions (crm/migrations/0005) the import and the merge call.
APP_ROLE_FUNCTIONS = (
    "crm_fact_partition_create(text, text)",
    "crm_fact_partition_attach(text, text, date, date)",
    "crm_fact_partition_merge(text, date)",
    "crm_table_analyze(text)",
)


class AppRoleRefused(Exception):
    """The role named cannot be the application's: it would hold more than rows."""


@transaction.atomic
def app_role_grant(*, role: str, password: str | None = None) -> None:
    """Create or update the database role the application runs as (PostgreSQL), run by the
    schema owner after migrate: it reads and writes the rows of the owner's tables (and of
    those the owner creates later), appends to the append-only ones, uses temporary tables
    and the partition functions, and owns, alters, truncates and disables nothing.

    Running it again takes back whatever else the role was granted on the tables."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_database(), current_schema()")
        owner, database, schema = cursor.fetchone()
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
        found = cursor.fetchone()
        if role == owner:
            raise AppRoleRefused(f"{role} is the schema owner, who runs the migrations.")
        if found and found[0]:
            raise AppRoleRefused(f"{role} is a superuser.")
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relowner = to_regrole(%s) "
            "AND relnamespace = to_regnamespace(%s)",
            [role, schema],
        )
        if cursor.fetchone()[0]:
            raise AppRoleRefused(f"{role} owns tables of {schema}, so it could alter them.")

        q = connection.ops.quote_name
        name = q(role)
        login = "LOGIN PASSWORD %s" if password else "LOGIN"
        cursor.execute(
            f"{'ALTER' if found else 'CREATE'} ROLE {name} {login}",
            [password] if password else None,
        )
        tables = f"ALL TABLES IN SCHEMA {q(schema)}"
        sequences = f"ALL SEQUENCES IN SCHEMA {q(schema)}"
        defaults = f"ALTER DEFAULT PRIVILEGES FOR ROLE {q(owner)} IN SCHEMA {q(schema)}"
        for sql in (
            f"GRANT CONNECT, TEMPORARY ON DATABASE {q(database)} TO {name}",
            f"GRANT USAGE ON SCHEMA {q(schema)} TO {name}",
            f"REVOKE CREATE ON SCHEMA {q(schema)} FROM {name}",
            f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON {tables} FROM {name}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON {tables} TO {name}",
            *(f"REVOKE UPDATE, DELETE ON {q(table)} FROM {name}" for table in APPEND_ONLY_TABLES),
            f"GRANT USAGE, SELECT ON {sequences} TO {name}",
            f"{defaults} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {name}",
            f"{defaults} GRANT USAGE, SELECT ON SEQUENCES TO {name}",
            *(f"GRANT EXECUTE ON FUNCTION {function} TO {name}" for function in APP_ROLE_FUNCTIONS),
        ):
            cursor.execute(sql)
