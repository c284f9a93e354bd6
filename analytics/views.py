"""Dashboards for team leads (their team), branch managers (their branch) and head office
(the company, with branch comparison), from the pre-aggregated metrics, with the CSV of
their staff table and the drill-down to the customers behind a figure; every figure is
scoped by dashboard_scope."""

from itertools import chain
from operator import itemgetter
from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from django_tables2 import RequestConfig, SingleTableMixin

from crm.charts import figure_html
from crm.csvsafe import csv_chunks
from crm.dates import month_start
from crm.pagination import pagination
from crm.roles import Access, RoleRequiredMixin, role_required
from crm.services import audit_record
from customers.models import Channel
from customers.tables.columns import money_plain, sort_of
from customers.tables.lists import CustomerTable, constant_columns

from . import charts
from . import selectors as sel
from .forms import DateRangeForm, DrilldownForm
from .tables import BrokerPerformanceTable

BROKERS_PER_PAGE = 25


@role_required(Access.DASHBOARDS)
def dashboard(request):
    scope = sel.dashboard_scope(request.user)
    form = DateRangeForm(request.GET or None)
    first, last = sel.loaded_range()
    context = {"form": form, "scope": scope, "loaded": last is not None}
    if last is None:
        return render(request, "analytics/dashboard.html", context)
    start, end = _period(form, first=first, last=last)
    table = _broker_table(scope, start, end)
    RequestConfig(request, paginate=pagination(lazy=False, per_page=BROKERS_PER_PAGE)).configure(
        table
    )
    series = sel.daily_series(scope, start, end)
    pareto = sel.contribution_pareto(scope, end)
    context.update(
        start=start,
        end=end,
        brokers_csv_url=_brokers_csv_url(request),
        series=series,
        comparison=sel.period_comparison(scope, month_start(end)),
        accounts=sel.accounts_summary(scope, start, end),
        groups=sel.group_rollup(scope, end),
        pareto=pareto,
        table=table,
        **_dashboard_charts(scope, start, end, series=series, pareto=pareto),
    )
    return render(request, "analytics/dashboard.html", context)


@role_required(Access.DASHBOARDS)
def broker_export(request):
    """The dashboard's staff performance table as CSV, every broker of the period and in the
    order the page shows them (its ?start=, ?end= and ?sort=); audited."""
    scope = sel.dashboard_scope(request.user)
    first, last = sel.loaded_range()
    if last is None:
        return redirect("analytics:dashboard")
    start, end = _period(DateRangeForm(request.GET or None), first=first, last=last)
    table = _broker_table(scope, start, end)
    # The table sorts the export too, so that it lists the brokers as the screen does.
    RequestConfig(request, paginate=False).configure(table)
    return _brokers_csv(request, table, start, end)


def _period(form, *, first, last) -> tuple:
    """The period asked for (a range the form refuses asks for none), within the loaded days
    from `first` to `last`."""
    asked = form.cleaned_data if form.is_valid() else {}
    return sel.dashboard_period(asked.get("start"), asked.get("end"), first=first, last=last)


def _broker_table(scope, start, end) -> BrokerPerformanceTable:
    brokers = sel.broker_performance(scope, start, end)
    # Handed over in the table's default order (Meta.order_by, -contribution): django-tables2
    # sorts a list with a comparator that resolves each row's accessors at every comparison,
    # some 30 ms over the company's 1,900 brokers, but rows already in order take it one pass.
    # The table still sorts, so a ?sort= or another default stays right, only slower.
    return BrokerPerformanceTable(sorted(brokers, key=itemgetter("contribution"), reverse=True))


def _dashboard_charts(scope, start, end, *, series, pareto) -> dict[str, str]:
    """The dashboard's charts as HTML fragments, their elements linked to the customers
    behind them; a chart with nothing to draw is left out."""
    drill = reverse("analytics:drilldown")
    shown = {}
    if series:
        period = f"{drill}?start={start}&end={end}"
        shown.update(
            assets_chart=figure_html(charts.assets_and_inflow_figure(series, drill_url=drill)),
            revenue_chart=figure_html(charts.revenue_figure(series, drill_url=drill)),
            mix_chart=figure_html(charts.revenue_mix_figure(series, drill_url=period)),
            channel_chart=figure_html(charts.channel_mix_figure(series, drill_url=period)),
        )
    if pareto["curve"]:
        month = f"{drill}?month={month_start(end)}"
        shown["pareto_chart"] = figure_html(charts.pareto_figure(pareto, drill_url=month))
    if scope.company:
        branches = sel.branch_comparison(scope, start, end)
        if branches:
            shown["branch_chart"] = figure_html(
                charts.branch_volume_figure(branches, drill_url=reverse("customers:list"))
            )
    return shown


def _brokers_csv_url(request) -> str:
    """The broker CSV of the period and sort the page shows."""
    params = {name: request.GET.get(name, "") for name in ("start", "end")}
    params["sort"] = sort_of(BrokerPerformanceTable, request.GET.get("sort", ""))
    query = urlencode({k: v for k, v in params.items() if v})
    return reverse("analytics:broker-export") + (f"?{query}" if query else "")


def _brokers_csv(request, table, start, end):
    header = [
        _("Staff code"),
        _("Broker"),
        _("Branch"),
        _("Customers"),
        _("Average assets"),
        _("Net inflow"),
        _("Commission"),
        _("Contribution"),
        _("Contacts logged"),
        _("Tasks done"),
    ]
    columns = (
        "manager__staff_code",
        "manager__name",
        "branch__name",
        "customers",
        "average_assets",
        "net_inflow",
        "commission",
        "contribution",
        "contacts",
        "tasks_done",
    )
    money = {"average_assets", "net_inflow", "commission", "contribution"}
    brokers = list(table.data)
    rows = chain(
        [header],
        (
            [money_plain(row[column]) if column in money else row[column] for column in columns]
            for row in brokers
        ),
    )
    response = HttpResponse(b"".join(csv_chunks(rows)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f"attachment; filename=brokers-{start}-{end}.csv"
    audit_record(
        actor=request.user,
        action="dashboard.brokers_export",
        request=request,
        details={"start": str(start), "end": str(end), "rows": len(brokers)},
    )
    return response


class DrilldownView(RoleRequiredMixin, SingleTableMixin, TemplateView):
    """The customers behind a number of the dashboard (a day's point, a pie's slice, a
    Pareto point), under a title that names the figure and counts them."""

    access = Access.DASHBOARDS
    template_name = "analytics/drilldown.html"
    table_class = CustomerTable
    table_pagination = pagination()

    def get_table_kwargs(self):
        # As the customer list: no column that shows the same value on every row (a branch
        # manager's branch).
        return {**super().get_table_kwargs(), "exclude": constant_columns(self.request.user)}

    def get(self, request, *args, **kwargs):
        self.scope = sel.dashboard_scope(request.user)
        # The parameters name one figure or none (DrilldownForm); none is a 404.
        form = DrilldownForm(request.GET)
        if not form.is_valid():
            raise Http404(_("No such figure."))
        self.figure = form.cleaned_data
        return super().get(request, *args, **kwargs)

    def get_table_data(self):
        if self.figure["start"]:
            self.customers = sel.customers_behind_days(
                self.request.user,
                self.scope,
                start=self.figure["start"],
                end=self.figure["end"],
                figure=self.figure["figure"] or None,
                channel=self.figure["channel"] or None,
            )
        else:
            self.customers = sel.customers_behind(
                self.request.user,
                self.scope,
                month=self.figure["month"],
                since=self.figure["since"],
                top=self.figure["top"],
                channel=self.figure["channel"] or None,
            )
        return self.customers

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        figure = self.figure
        channel = figure["channel"]
        context.update(
            figure,
            # The list pages lazily (no count); the title says how many there are.
            count=self.customers.count(),
            figure_name=charts.figure_names()[figure["figure"]] if figure["figure"] else "",
            channel_label=Channel(channel).label if channel else "",
        )
        return context
