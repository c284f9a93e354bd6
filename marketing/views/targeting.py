"""A campaign's target page (its sources, the funnel before and after each exclusion, the
last upload's report) with its actions (add or remove a source, upload a list), and the
campaign's decisions (submit, approve, reject, pause, resume, cancel), whose buttons are on
the campaign's page. Each action is its own POST view: it calls one service and redirects;
a refusal is a message saying why, never an error page.

Planning is for Access.CAMPAIGN_PLANNING, a branch manager only for the campaigns owned in
their branch (others are a 404); deciding is for approvers (marketing.selectors.campaigns).
"""

import functools

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from crm.messages import messages_of_form
from crm.roles import Access, role_required
from crm.scoping import reach_of, scope_for_user
from customers.models import Customer
from marketing.forms.targeting import CampaignUploadForm, RejectForm, TargetAddForm
from marketing.selectors.campaigns import campaign_for_user, may_approve, may_edit
from marketing.services import campaigns as services
from marketing.services.targeting import campaign_funnel, campaign_upload

REPORT_SHOWN = 50  # of an upload's unmatched and out-of-scope numbers, on the page


def planned_campaign(user, pk: int):
    """A campaign the planner may plan: any for company-wide users, a branch manager's only
    when it is owned in their branch; else a 404."""
    campaign = campaign_for_user(user, pk)
    reach = reach_of(user)
    if not reach.everything and campaign.owner.branch_id != reach.branch_id:
        raise Http404(gettext("No such campaign."))
    return campaign


def planners_campaign(view):
    """Planners only (a 403 for anybody else), then the campaign they may plan (a 404
    otherwise), both before the request's method is looked at: the view gets the campaign."""

    @functools.wraps(view)
    @role_required(Access.CAMPAIGN_PLANNING)
    def guarded(request, pk: int, **kwargs):
        return view(request, planned_campaign(request.user, pk), **kwargs)

    return guarded


def approvers_campaign(view):
    """Approvers only (a 403 for anybody else, whatever the method), then the campaign."""

    @functools.wraps(view)
    def guarded(request, pk: int, **kwargs):
        if not may_approve(request.user):
            raise PermissionDenied
        return view(request, campaign_for_user(request.user, pk), **kwargs)

    return guarded


def _refused(request, refusal: ValidationError) -> None:
    for message in refusal.messages:
        messages.error(request, message)


def _changed_message(request, campaign) -> None:
    campaign.refresh_from_db(fields=["status", "version", "approved_version"])
    if campaign.approved_version and not campaign.is_approved:
        messages.warning(request, gettext("The campaign changed: it waits for approval again."))


# -- the target page -----------------------------------------------------------------------------


@planners_campaign
@require_GET
def campaign_targets(request, campaign):
    user = request.user
    sources = campaign.targets.select_related("segment", "product", "upload")
    upload = campaign.uploads.first()
    return render(
        request,
        "marketing/campaigns/targets.html",
        {
            "campaign": campaign,
            "sources": sources,
            "funnel": campaign_funnel(campaign, now=timezone.now()),
            "report": _report(user, upload) if upload else None,
            "editable": may_edit(user, campaign),
            "add_form": TargetAddForm(),
            "upload_form": CampaignUploadForm(),
        },
    )


def _report(user, upload) -> dict:
    """The last upload's report as the viewer may read it: a number outside the owner's
    scope that the viewer's scope does not hold either is shown as matching no customer, so
    that the report reveals nobody (one query, none for company-wide viewers)."""
    outside = upload.out_of_scope
    if reach_of(user).everything:
        seen = set(outside)
    else:
        customers = scope_for_user(user, Customer.objects.filter(cust_no__in=outside))
        seen = set(customers.values_list("cust_no", flat=True))
    unmatched = upload.unmatched + [number for number in outside if number not in seen]
    out_of_scope = [number for number in outside if number in seen]
    return {
        "upload": upload,
        "unmatched": unmatched[:REPORT_SHOWN],
        "unmatched_count": len(unmatched),
        "out_of_scope": out_of_scope[:REPORT_SHOWN],
        "out_of_scope_count": len(out_of_scope),
    }


@planners_campaign
@require_POST
def campaign_target_add(request, campaign):
    form = TargetAddForm(request.POST)
    if not form.is_valid():
        messages_of_form(request, form)
        return redirect("marketing:campaign-targets", pk=campaign.pk)
    try:
        services.campaign_target_add(campaign=campaign, user=request.user, **form.cleaned_data)
    except ValidationError as refusal:
        _refused(request, refusal)
    else:
        messages.success(request, gettext("Added to the campaign's targets."))
        _changed_message(request, campaign)
    return redirect("marketing:campaign-targets", pk=campaign.pk)


@planners_campaign
@require_POST
def campaign_target_remove(request, campaign, target_pk: int):
    # A source removed already (a second click) is said, not an error page.
    target = campaign.targets.select_related("upload").filter(pk=target_pk).first()
    if target is None:
        messages.info(request, gettext("That source is no longer among the campaign's targets."))
        return redirect("marketing:campaign-targets", pk=campaign.pk)
    try:
        services.campaign_target_remove(campaign=campaign, user=request.user, target=target)
    except ValidationError as refusal:
        _refused(request, refusal)
    else:
        messages.success(request, gettext("Removed from the campaign's targets."))
        _changed_message(request, campaign)
    return redirect("marketing:campaign-targets", pk=campaign.pk)


@planners_campaign
@require_POST
def campaign_target_upload(request, campaign):
    form = CampaignUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages_of_form(request, form)
        return redirect("marketing:campaign-targets", pk=campaign.pk)
    try:
        upload = campaign_upload(
            campaign=campaign, file=form.cleaned_data["file"], user=request.user, request=request
        )
    except ValidationError as refusal:
        _refused(request, refusal)
    else:
        messages.success(
            request,
            gettext("%(file)s: %(matched)s of %(numbers)s numbers are now targets.")
            % {"file": upload.file_name, "matched": upload.matched, "numbers": upload.numbers},
        )
        _changed_message(request, campaign)
    return redirect("marketing:campaign-targets", pk=campaign.pk)


# -- the decisions -------------------------------------------------------------------------------


def _decided(request, campaign, service, done: str, **arguments):
    try:
        service(campaign=campaign, user=request.user, **arguments)
    except ValidationError as refusal:
        _refused(request, refusal)
    else:
        messages.success(request, done)
    return redirect("marketing:campaign-detail", pk=campaign.pk)


@planners_campaign
@require_POST
def campaign_submit(request, campaign):
    return _decided(request, campaign, services.campaign_submit, gettext("Submitted for approval."))


@approvers_campaign
@require_POST
def campaign_approve(request, campaign):
    return _decided(
        request,
        campaign,
        services.campaign_approve,
        gettext("Approved: sending starts when the campaign does."),
        now=timezone.now(),
    )


@approvers_campaign
@require_POST
def campaign_reject(request, campaign):
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Say why the campaign is sent back."))
        return redirect("marketing:campaign-detail", pk=campaign.pk)
    return _decided(
        request,
        campaign,
        services.campaign_reject,
        gettext("Sent back to its planners as a draft."),
        note=form.cleaned_data["note"],
    )


@planners_campaign
@require_POST
def campaign_pause(request, campaign):
    return _decided(request, campaign, services.campaign_pause, gettext("Sending paused."))


@planners_campaign
@require_POST
def campaign_resume(request, campaign):
    return _decided(request, campaign, services.campaign_resume, gettext("Sending resumed."))


@planners_campaign
@require_POST
def campaign_cancel(request, campaign):
    return _decided(request, campaign, services.campaign_cancel, gettext("Campaign cancelled."))
