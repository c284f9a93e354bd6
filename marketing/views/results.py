"""A campaign's results page (figures, charts, cost against budget, the expense form), its
CSV, and the comparison table of the campaigns a user sees. Every figure is over the
viewer's customers (marketing.selectors.campaigns.viewer_customers); a campaign the user does
not see is a 404 (marketing.selectors.campaigns.campaign_for_user)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.charts import figure_html
from crm.csvsafe import csv_chunks
from crm.services import audit_record
from marketing.charts_campaigns import (
    conversion_groups_figure,
    daily_sends_figure,
    results_funnel_figure,
)
from marketing.forms.costs import ExpenseForm
from marketing.selectors.campaigns import campaign_for_user, viewer_customers
from marketing.selectors.results import (
    COMPARE_LIMIT,
    campaigns_compared_for_user,
    daily_sends,
    may_record_costs,
)
from marketing.services.costs import expense_record
from marketing.services.results import Results, campaign_results


def _results_of(request, pk: int):
    campaign = campaign_for_user(request.user, pk)
    customers = viewer_customers(request.user)
    today = timezone.localdate()
    return campaign, customers, campaign_results(campaign, customers=customers, today=today)


@require_GET
def campaign_results_page(request, pk: int):
    campaign, customers, results = _results_of(request, pk)
    charts = {}
    if results.started:
        days = daily_sends(campaign, customers=customers)
        charts = {
            "funnel": figure_html(results_funnel_figure(results)),
            "groups": figure_html(conversion_groups_figure(results)),
            "daily": figure_html(daily_sends_figure(days)) if days else "",
        }
    costs = may_record_costs(request.user, campaign)
    return render(
        request,
        "marketing/campaigns/results.html",
        {
            "campaign": campaign,
            "results": results,
            "charts": charts,
            "expense_form": ExpenseForm() if costs else None,
            "expenses": campaign.expenses.select_related("recorded_by")[:20]
            if results.cost.whole
            else [],
        },
    )


def _percent(value) -> str:
    return "" if value is None else f"{100 * value:.2f}"


def _number(value) -> str:
    return "" if value is None else str(value)


def results_rows(results: Results) -> list[list[str]]:
    """The CSV's rows: one figure a line, its value, and for the group figures the
    contacted and holdout values side by side."""
    c, h = results.contacted, results.holdout
    lift, inflow = results.lift_interval, results.inflow_lift_interval
    return [
        [
            _("Figure"),
            _("Contacted group"),
            _("Holdout group"),
            _("Difference"),
            _("95 % interval, low"),
            _("95 % interval, high"),
        ],
        [_("Recipients"), c.recipients, h.recipients, "", "", ""],
        [_("Reached"), c.reached, "", "", "", ""],
        [_("Messages sent"), results.sent, "", "", "", ""],
        [_("Messages delivered"), results.delivered, "", "", "", ""],
        [_("Delivery rate (%)"), _percent(results.delivery_rate), "", "", "", ""],
        [_("Responded"), c.responded, "", "", "", ""],
        [_("Response rate (%)"), _percent(results.response_rate), "", "", "", ""],
        [_("Converted"), c.converted, h.converted, "", "", ""],
        [
            _("Conversion rate (%)"),
            _percent(c.conversion_rate),
            _percent(h.conversion_rate),
            _percent(results.lift),
            _percent(lift.low if lift else None),
            _percent(lift.high if lift else None),
        ],
        [_("Relative lift (%)"), "", "", _percent(results.relative_lift), "", ""],
        [
            _("Net inflow per customer"),
            _number(c.inflow_per_customer),
            _number(h.inflow_per_customer),
            "" if results.inflow_lift is None else f"{results.inflow_lift:.2f}",
            "" if inflow is None else f"{inflow.low:.2f}",
            "" if inflow is None else f"{inflow.high:.2f}",
        ],
        [_("Contribution of the converted"), c.converted_contribution, "", "", "", ""],
        [_("SMS segments billed"), results.cost.sms_segments, "", "", "", ""],
        [_("SMS cost"), results.cost.sms, "", "", "", ""],
        [_("Gifts"), results.cost.gifts, "", "", "", ""],
        [_("Event expenses"), results.cost.expenses if results.cost.whole else "", "", "", "", ""],
        [_("Total cost"), results.cost.total, "", "", "", ""],
        [_("Budget"), _number(results.cost.budget), "", "", "", ""],
        [_("Cost per conversion"), _number(results.cost_per_conversion), "", "", "", ""],
        [_("ROI (%)"), _percent(results.roi), "", "", "", ""],
    ]


@require_GET
def campaign_results_export(request, pk: int):
    """The results page's figures as CSV (no customer in it), audited as every export."""
    campaign, _customers, results = _results_of(request, pk)
    audit_record(
        actor=request.user,
        action="campaign.results_export",
        target=campaign,
        request=request,
        details={"campaign": campaign.pk},
    )
    response = StreamingHttpResponse(
        csv_chunks(results_rows(results)), content_type="text/csv; charset=utf-8"
    )
    filename = f"campaign-{campaign.pk}-results-{timezone.localdate():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
def campaign_expense_add(request, pk: int):
    """Record an event expense (planners of the campaign; anybody else a 404, as if the
    page did not exist for them)."""
    campaign = campaign_for_user(request.user, pk)
    if not may_record_costs(request.user, campaign):
        raise Http404(_("No such page."))
    form = ExpenseForm(request.POST)
    if form.is_valid():
        try:
            expense_record(campaign=campaign, user=request.user, **form.cleaned_data)
        except ValidationError as refusal:
            messages.error(request, " ".join(refusal.messages))
        else:
            messages.success(request, _("Expense recorded."))
    else:
        problems = [
            f"{form.fields[name].label}: {' '.join(errors)}"
            if name in form.fields
            else " ".join(errors)
            for name, errors in form.errors.items()
        ]
        messages.error(
            request,
            _("The expense was not recorded: %(problems)s") % {"problems": "; ".join(problems)},
        )
    return redirect(reverse("marketing:campaign-results", args=[campaign.pk]) + "#costs")


@require_GET
def campaigns_compare(request):
    rows, more = campaigns_compared_for_user(request.user, today=timezone.localdate())
    return render(
        request,
        "marketing/campaigns/results_compare.html",
        {"rows": rows, "more": more, "limit": COMPARE_LIMIT},
    )
