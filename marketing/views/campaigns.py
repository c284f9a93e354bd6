"""The campaign pages: the list, a campaign's plan (create and edit, planners only), its
page with the approval history, the frozen targeting and the live progress, its recipients
(page and CSV) and the managers' call list, each entry logged as a contact with its outcome.

What a page shows of customers is the viewer's scope (marketing.selectors.campaigns); the
approval buttons post to the campaigns' own action views (marketing/views/targeting.py).
"""

import itertools

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import InvalidPage
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from crm.csvsafe import csv_chunks
from crm.messages import messages_of_form
from crm.pagination import PER_PAGE, BoundedCountPaginator
from crm.roles import Access, role_required
from crm.scoping import reach_of
from crm.services import audit_record
from customers.views.lists import bad_request, export_row_limit
from marketing.forms.campaigns import (
    CallListFilterForm,
    CallLogForm,
    CampaignForm,
    CampaignListFilterForm,
    RecipientFilterForm,
)
from marketing.models import CampaignChannel, SendStatus
from marketing.selectors import campaigns as selectors
from marketing.services.calls import call_log
from marketing.services.campaign_plans import campaign_plan_save

EXPORT_CHUNK = 2000
LINES_PER_WRITE = 500
# How often the campaign's page polls its progress while the campaign sends (each poll is
# one grouped count of the viewer's sends of the campaign).
POLL_SECONDS = 5


def _page(request, items):
    """A page of `items` (counted up to crm.pagination's COUNT_MAX); a page number that is
    not one is the first page."""
    paginator = BoundedCountPaginator(items, PER_PAGE, counted=items)
    try:
        return paginator, paginator.page(int(request.GET.get("page", 1)))
    except (InvalidPage, ValueError):
        return paginator, paginator.page(1)


# -- the list -----------------------------------------------------------------------------------


@require_GET
def campaign_list(request):
    user = request.user
    form = CampaignListFilterForm(request.GET)
    campaigns = selectors.campaigns_for_user(user).select_related("owner", "product")
    if form.is_valid() and form.cleaned_data["status"]:
        campaigns = campaigns.filter(status=form.cleaned_data["status"])
    paginator, page = _page(request, campaigns)
    shown = list(page.object_list)
    progress = selectors.sends_by_campaign_for_user(user, [campaign.pk for campaign in shown])
    rows = [(campaign, progress.get(campaign.pk, {})) for campaign in shown]
    return render(
        request,
        "marketing/campaigns/list.html",
        {
            "form": form,
            "rows": rows,
            "page": page,
            "paginator": paginator,
            "planning": selectors.may_plan(user),
            "company_wide": reach_of(user).everything,
        },
    )


# -- the plan -----------------------------------------------------------------------------------


@role_required(Access.CAMPAIGN_PLANNING)
@require_http_methods(["GET", "POST"])
def campaign_create(request):
    form = CampaignForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            try:
                campaign = campaign_plan_save(
                    user=request.user, plan=form.plan(), channels=form.channels()
                )
            except ValidationError as refusal:
                form.add_error(None, refusal)
            else:
                messages.success(
                    request,
                    gettext("Campaign “%(name)s” saved as a draft: now choose its targets.")
                    % {"name": campaign.name},
                )
                return redirect("marketing:campaign-detail", pk=campaign.pk)
        messages_of_form(request, form)
    return render(request, "marketing/campaigns/form.html", {"form": form, "campaign": None})


@role_required(Access.CAMPAIGN_PLANNING)
@require_http_methods(["GET", "POST"])
def campaign_edit(request, pk: int):
    campaign = selectors.campaign_for_user(request.user, pk)
    if not selectors.may_edit(request.user, campaign):
        raise PermissionDenied
    form = CampaignForm(request.POST or None, user=request.user, instance=campaign)
    was_approved = campaign.is_approved
    if request.method == "POST":
        if form.is_valid():
            plan, channels_changed = form.plan_changes(), form.channels_changed()
            try:
                campaign_plan_save(
                    user=request.user,
                    campaign=campaign,
                    plan=plan,
                    channels=form.channels(),
                    channels_changed=channels_changed,
                )
            except ValidationError as refusal:
                form.add_error(None, refusal)
            else:
                if not (plan or channels_changed):
                    messages.info(request, gettext("Nothing changed."))
                elif was_approved:
                    messages.warning(
                        request,
                        gettext("The campaign changed: it waits for approval again."),
                    )
                else:
                    messages.success(request, gettext("Campaign saved."))
                return redirect("marketing:campaign-detail", pk=campaign.pk)
        messages_of_form(request, form)
    return render(
        request,
        "marketing/campaigns/form.html",
        {"form": form, "campaign": campaign, "was_approved": was_approved},
    )


# -- the campaign's page ------------------------------------------------------------------------


@require_GET
def campaign_detail(request, pk: int):
    user = request.user
    campaign = selectors.campaign_for_user(user, pk)
    channels = selectors.campaign_channels(campaign)
    return render(
        request,
        "marketing/campaigns/detail.html",
        {
            "campaign": campaign,
            "channels": channels,
            "staff_channels": any(
                message.channel in selectors.STAFF_CHANNELS for message in channels
            ),
            "history": selectors.campaign_history(campaign),
            "actions": selectors.campaign_actions(user, campaign),
            "plan_figures": selectors.may_see_plan_figures(user, campaign),
            "whole_campaign": selectors.sees_whole_campaign(user, campaign),
            "funnel": selectors.frozen_funnel_of(campaign),
            "company_wide": reach_of(user).everything,
            **_progress_context(user, campaign),
        },
    )


def _progress_context(user, campaign) -> dict:
    return {
        "campaign": campaign,
        "progress": selectors.campaign_progress_for_user(user, campaign),
        "polling": campaign.status in selectors.SENDING_STATUSES,
        "poll_seconds": POLL_SECONDS,
    }


@require_GET
def campaign_progress(request, pk: int):
    """The progress block the campaign's page polls while the campaign sends; once it no
    longer sends (paused, finished, back for approval), a refresh of the page, whose status
    and buttons changed with it."""
    campaign = selectors.campaign_for_user(request.user, pk)
    if request.htmx and campaign.status not in selectors.SENDING_STATUSES:
        return HttpResponseClientRefresh()
    return render(
        request, "marketing/campaigns/_progress.html", _progress_context(request.user, campaign)
    )


# -- recipients ---------------------------------------------------------------------------------


def _recipients_filtered(request, campaign):
    form = RecipientFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    recipients = selectors.recipients_for_user(
        request.user, campaign, group=filters.get("group", ""), status=filters.get("status", "")
    )
    return form, recipients


@require_GET
def campaign_recipients(request, pk: int):
    campaign = selectors.campaign_for_user(request.user, pk)
    form, recipients = _recipients_filtered(request, campaign)
    paginator, page = _page(request, recipients)
    return render(
        request,
        "marketing/campaigns/recipients.html",
        {
            "campaign": campaign,
            "form": form,
            "page": page,
            "paginator": paginator,
            "query": request.GET.urlencode(),
        },
    )


@require_GET
def campaign_recipients_export(request, pk: int):
    """The recipients the user sees (filtered as on the page) as CSV: no personal data but
    the customer's number and name, every cell spreadsheet-safe, audited before the first
    byte leaves."""
    campaign = selectors.campaign_for_user(request.user, pk)
    form, recipients = _recipients_filtered(request, campaign)
    if not form.is_valid():
        return bad_request(gettext("These filters are not valid: correct them on the page."))
    limit = export_row_limit()
    rows = recipients[: limit + 1].count()
    if rows > limit:
        return bad_request(
            gettext("This export has more than %(limit)s recipients.") % {"limit": limit}
        )
    audit_record(
        actor=request.user,
        action="campaign.recipients_export",
        target=campaign,
        request=request,
        details={"campaign": campaign.name, "rows": rows, "filters": form.cleaned_data},
    )
    response = StreamingHttpResponse(
        _recipients_csv(
            recipients.iterator(chunk_size=EXPORT_CHUNK), language=translation.get_language()
        ),
        content_type="text/csv; charset=utf-8",
    )
    filename = f"campaign-{campaign.pk}-recipients-{timezone.localdate():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _moment(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _recipients_csv(recipients, *, language: str | None):
    # The server iterates the stream after the view has returned: keep the request's
    # language for the header and the labels.
    with translation.override(language):
        channels = list(CampaignChannel)
        header = [
            gettext("Customer number"),
            gettext("Name"),
            gettext("Branch"),
            gettext("Manager"),
            gettext("Group"),
            gettext("Added"),
            gettext("Contacted"),
            gettext("Replied"),
            gettext("Converted"),
            gettext("Opted out"),
            *itertools.chain.from_iterable(
                (str(channel.label), gettext("%(channel)s: reason") % {"channel": channel.label})
                for channel in channels
            ),
        ]

        def row(recipient):
            customer = recipient.customer
            sends = {send.channel: send for send in recipient.sends.all()}
            cells = [
                customer.cust_no,
                customer.name,
                customer.branch.name,
                customer.manager.name if customer.manager else "",
                recipient.get_group_display(),
                _moment(recipient.added_at),
                _moment(recipient.contacted_at),
                _moment(recipient.replied_at),
                _moment(recipient.converted_at),
                _moment(recipient.opted_out_at),
            ]
            for channel in channels:
                send = sends.get(channel)
                if send is None:
                    cells += ["", ""]
                else:
                    status = send.get_status_display()
                    if send.outcome:
                        status = f"{status} ({send.get_outcome_display()})"
                    cells += [status, send.reason]
            return cells

        yield from csv_chunks(
            itertools.chain([header], (row(recipient) for recipient in recipients)),
            lines_per_chunk=LINES_PER_WRITE,
        )


# -- the call list ------------------------------------------------------------------------------


@require_GET
def call_list(request):
    """The user's call list: the calls, invitations and gifts of the campaigns being worked,
    for the customers in their scope, each with its script and the form of its outcome."""
    user = request.user
    form = CallListFilterForm(request.GET)
    valid = form.is_valid()
    done = valid and form.cleaned_data["done"]
    campaign_id = form.cleaned_data["campaign"] if valid else None
    entries = selectors.calls_to_make_for_user(user, done=done, campaign_id=campaign_id)
    paginator, page = _page(request, entries)
    shown = list(page.object_list)
    scripts = selectors.scripts_of(shown)
    rows = [_call_row(send, scripts) for send in shown]
    return render(
        request,
        "marketing/campaigns/calls.html",
        {"form": form, "rows": rows, "page": page, "paginator": paginator, "done": done},
    )


def _call_row(send, scripts, form=None) -> dict:
    return {
        "send": send,
        "message": scripts.get((send.campaign_id, send.channel)),
        "form": form
        if form is not None
        else (
            CallLogForm(channel=send.channel, campaign=send.campaign, auto_id=_auto_id(send))
            if send.status == SendStatus.QUEUED
            else None
        ),
    }


def _auto_id(send) -> str:
    # Many entries' forms on one page: each field's id names its entry.
    return f"id_call{send.pk}_%s"


@require_POST
def call_log_view(request, send_pk: int):
    """Log one entry of the user's call list (out of their scope: a 404). Answered, for
    htmx, with the entry again (done, or its form with what was refused); otherwise with
    the call list and the refusals as messages."""
    send = selectors.call_get_for_user(request.user, send_pk)
    form = CallLogForm(
        request.POST, channel=send.channel, campaign=send.campaign, auto_id=_auto_id(send)
    )
    done = False
    if form.is_valid():
        try:
            call_log(
                send=send,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                user=request.user,
                at=form.cleaned_data["at"],
                follow_up_on=form.cleaned_data["follow_up_on"],
            )
        except ValidationError as refusal:
            form.add_error(None, refusal)
        else:
            done = True
    if not request.htmx:
        if done:
            messages.success(
                request,
                gettext("Logged: %(customer)s, %(outcome)s.")
                % {"customer": send.customer.name, "outcome": send.get_outcome_display()},
            )
        else:
            messages_of_form(request, form)
        return redirect("marketing:call-list")
    scripts = selectors.scripts_of([send])
    row = _call_row(send, scripts, form=None if done else form)
    return render(request, "marketing/campaigns/_call.html", {"row": row})
