"""The pages of Django admin beyond the change forms: an import profile's set-up from a sample
day and the dry run of a day, and the reveal of a customer's personal data. Thin: parse the
request, call customers/services, render; the model admins route to them (customers/admin.py).
"""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .admin import REVEALED_SESSION_KEY
from .admin_forms import (
    DayFolderForm,
    DayUploadError,
    DryRunSourceForm,
    ProfileSetupForm,
    sample_from_token,
)
from .models import ImportProfile
from .services.imports import ImportNotStarted, counter_day_dry_run
from .services.profile_setup import (
    DaySample,
    day_sample_read,
    profile_setup_apply,
    profile_unmapped,
)
from .views.customer360 import customer_pii_reveal

TEMPLATES = "admin/customers/importprofile"


def profile_setup(request, model_admin, object_id: str):
    """Choose the sample day; reading it shows what is still unmapped, with the answers' form."""
    profile = _profile_to_change(request, model_admin, object_id)
    posted = request.method == "POST"
    form = DayFolderForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        try:
            with form.day_folder() as folder:
                sample = day_sample_read(folder=folder, profile=profile)
        except DayUploadError as error:
            messages.error(request, str(error))
        else:
            if sample.files:
                return _answers_page(request, model_admin, profile, sample)
            messages.error(
                request,
                _("No counter file in the sample (they are named like customers.csv, trades.csv)."),
            )
    context = _context(request, model_admin, profile, _("Set up from a sample day"))
    context.update(form=form, media=model_admin.media + form.media)
    return TemplateResponse(request, f"{TEMPLATES}/setup.html", context)


@require_POST
def profile_setup_save(request, model_admin, object_id: str):
    """Save the answers as aliases and code mappings, then show what is still unmapped."""
    profile = _profile_to_change(request, model_admin, object_id)
    sample = sample_from_token(request.POST.get("sample", ""), profile)
    if sample is None:
        messages.error(request, _("The sample day is no longer known here: read it again."))
        return redirect("admin:customers_importprofile_setup", profile.pk)
    unmapped = profile_unmapped(sample=sample, profile=profile)
    form = ProfileSetupForm(request.POST, profile=profile, sample=sample, unmapped=unmapped)
    if not form.is_valid():
        return _answers_page(request, model_admin, profile, sample, form=form)
    saved = profile_setup_apply(profile=profile, sample=sample, answers=form.answers)
    messages.success(
        request,
        _("Saved %(aliases)s column aliases and %(codes)s code mappings.")
        % {"aliases": saved.aliases, "codes": saved.codes},
    )
    return _answers_page(
        request, model_admin, profile, sample.with_ignored(form.ignored_headers), saved=True
    )


def profile_dry_run(request, model_admin, object_id: str):
    """Check a day against the profile: what would load, be rejected, or refuse the day."""
    profile = _profile_to_change(request, model_admin, object_id)
    posted = request.method == "POST"
    form = DryRunSourceForm(request.POST if posted else None, request.FILES if posted else None)
    result = None
    if posted and form.is_valid():
        try:
            with form.day_folder(name=form.day_name) as folder:
                result = counter_day_dry_run(folder=folder, profile=profile)
        except (DayUploadError, ImportNotStarted) as error:
            messages.error(request, str(error))
    context = _context(request, model_admin, profile, _("Dry run of a day"))
    context.update(form=form, result=result, media=model_admin.media + form.media)
    return TemplateResponse(request, f"{TEMPLATES}/dry_run.html", context)


def _answers_page(
    request, model_admin, profile, sample: DaySample, *, form=None, saved: bool = False
):
    unmapped = form.unmapped if form else profile_unmapped(sample=sample, profile=profile)
    form = form or ProfileSetupForm(profile=profile, sample=sample, unmapped=unmapped)
    context = _context(request, model_admin, profile, _("Set up from a sample day"))
    context.update(
        form=form,
        unmapped=unmapped,
        saved=saved,
        save_url=reverse("admin:customers_importprofile_setup_save", args=[profile.pk]),
        media=model_admin.media + form.media,
    )
    return TemplateResponse(request, f"{TEMPLATES}/setup_answers.html", context)


def _profile_to_change(request, model_admin, object_id: str) -> ImportProfile:
    profile = model_admin.get_object(request, object_id)
    if profile is None:
        raise Http404
    if not model_admin.has_change_permission(request, profile):
        raise PermissionDenied
    return profile


def _context(request, model_admin, profile: ImportProfile, title: str) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "original": profile,
        "title": title,
        "subtitle": str(profile),
        "has_view_permission": model_admin.has_view_permission(request, profile),
        "setup_url": reverse("admin:customers_importprofile_setup", args=[profile.pk]),
        "dry_run_url": reverse("admin:customers_importprofile_dry_run", args=[profile.pk]),
        "change_url": reverse("admin:customers_importprofile_change", args=[profile.pk]),
    }


# -- customers ----------------------------------------------------------------------------------


@require_POST
def customer_reveal(request, model_admin, object_id: str):
    """Audits the reveal (as the 360 page does) and sends the admin to the change page, which
    shows the personal data in full this once."""
    customer = model_admin.get_object(request, unquote(object_id))
    if customer is None:
        raise Http404
    if not model_admin.has_view_permission(request, customer):
        raise PermissionDenied
    customer_pii_reveal(request, customer)
    request.session[REVEALED_SESSION_KEY] = str(customer.pk)
    messages.info(request, _("Shown in full; this was recorded in the audit log."))
    return redirect("admin:customers_customer_change", customer.pk)
