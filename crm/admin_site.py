"""The project's Django admin site: Django's own under the CRM's name, with one guard every
admin page shares.

A row id posted to a changelist (an action's selection, a list-editable row) that no
database integer can hold is refused with a 400 before the view runs: SQLite cannot even
compare it, and Django's admin would answer 500.
"""

import re
from functools import wraps

from django.contrib import admin
from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

BIGINT = range(-(2**63), 2**63)
POSTED_IDS = re.compile(r"^(_selected_action|form-\d+-id)$")


def _fits_a_row_id(value: str) -> bool:
    try:
        return int(value) in BIGINT
    except ValueError:
        return True  # not a number at all: the admin's own validation says so


class CrmAdminSite(admin.AdminSite):
    # The CRM's name, not Django's, in the reader's language.
    site_header = gettext_lazy("Brokerage CRM administration")
    site_title = gettext_lazy("Brokerage CRM")
    index_title = gettext_lazy("Administration")

    def admin_view(self, view, cacheable=False):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            posted = (
                value
                for key in request.POST
                if POSTED_IDS.match(key)
                for value in request.POST.getlist(key)
            )
            if request.method == "POST" and not all(_fits_a_row_id(v) for v in posted):
                return HttpResponseBadRequest(_("No row has this id."))
            return view(request, *args, **kwargs)

        return super().admin_view(guarded, cacheable)


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record admins may read but never add, edit or delete: what the counter import owns
    (corrected at the counter), the contacts staff logged, the audit log."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
