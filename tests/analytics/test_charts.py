"""The dashboards' charts: plain figure dicts that plotly accepts as they are, drawn exactly
as `go.Figure` would draw them, with their drill-down links."""

import datetime
import json
import re
from decimal import Decimal

import plotly.graph_objects as go
import plotly.io as pio
import pytest
from django.utils import translation

from analytics import charts
from crm.charts import figure_html

DRILL = "/dashboards/customers/"
DAYS = [datetime.date(2026, 3, 2), datetime.date(2026, 3, 3)]
SERIES = [
    {
        "business_date": day,
        "total_assets": Decimal("265500.50"),
        "net_inflow": Decimal(inflow),
        "net_commission": Decimal("29.38"),
        "interest_income": Decimal("1.50"),
        "margin_interest": Decimal("0.25"),
        "product_fees": Decimal("2.00"),
        "commission": Decimal("37.50"),
        "volume_mobile": Decimal("1000"),
        "volume_internet": None,
        "volume_phone": Decimal("20"),
        "volume_counter": Decimal("0"),
    }
    for day, inflow in zip(DAYS, ("500", "-20"), strict=True)
]
PARETO = {"curve": [(Decimal(50), Decimal("0.8")), (Decimal(100), Decimal(1))]}
BRANCHES = [{"branch_id": 7, "branch__code": "0101", "branch__name": "A", "trade_volume": None}]
MONTHS = [
    {
        "month": datetime.date(2026, 3, 1),
        "net_commission": Decimal("29.38"),
        "interest_income": Decimal("1.50"),
        "margin_interest": Decimal("0.25"),
        "product_fees": Decimal("2.00"),
    }
]

FIGURES = {
    "contribution_by_month": lambda: charts.contribution_by_month_figure(MONTHS),
    "assets_and_inflow": lambda: charts.assets_and_inflow_figure(SERIES, drill_url=DRILL),
    "revenue": lambda: charts.revenue_figure(SERIES, drill_url=DRILL),
    "revenue_mix": lambda: charts.revenue_mix_figure(SERIES),
    "revenue_mix_with_drill": lambda: charts.revenue_mix_figure(SERIES, drill_url=DRILL + "?x"),
    "pareto": lambda: charts.pareto_figure(PARETO, drill_url=f"{DRILL}?month=2026-03-01"),
    "branch_volume": lambda: charts.branch_volume_figure(BRANCHES, drill_url="/customers/"),
    "channel_mix": lambda: charts.channel_mix_figure(SERIES, drill_url=f"{DRILL}?month=x"),
    "channel_mix_without_drill": lambda: charts.channel_mix_figure(SERIES, drill_url=None),
}


def plot_arguments(html: str) -> list:
    """The data, layout and config that the fragment hands to Plotly.newPlot: from the JSON
    data block of figure_html (static/js/charts.js passes them on), or from the inline call
    plotly.io.to_html writes."""
    block = re.search(r'<script type="application/json">(.*?)</script>', html, re.S)
    if block:
        figure = json.loads(block.group(1))
        return [figure["data"], figure["layout"], figure["config"]]
    call = re.search(r'Plotly\.newPlot\(\s*"[^"]+",\s*(\[.*\]),\s*(\{.*\}),\s*(\{.*?\})\s*\)', html)
    return [json.loads(argument) for argument in call.groups()]


@pytest.mark.parametrize("name", FIGURES)
def test_it_draws_each_figure_as_the_validated_graph_object_would(name):
    figure = FIGURES[name]()
    # go.Figure validates every property (and raises on any unknown one) and applies the
    # default template: the fragment must be the one it would have given.
    validated = pio.to_html(
        go.Figure(figure), full_html=False, include_plotlyjs=False, config={"displayModeBar": False}
    )
    assert plot_arguments(figure_html(figure)) == plot_arguments(validated)


def test_it_keeps_plotlys_default_template_and_the_page_config():
    data, layout, config = plot_arguments(figure_html(FIGURES["revenue_mix"]()))
    assert layout["template"] == json.loads(pio.to_json(go.Figure()))["layout"]["template"]
    assert config == {"displayModeBar": False, "responsive": True}
    assert data[0]["type"] == "pie"


def test_it_leaves_the_figure_as_it_was_when_rendering_it():
    figure = FIGURES["pareto"]()
    figure_html(figure)
    assert "template" not in figure["layout"]


def test_it_links_each_day_of_every_trace_of_the_daily_charts_to_its_customers():
    with translation.override("zh-hans"):
        assets, inflow = charts.assets_and_inflow_figure(SERIES, drill_url=DRILL)["data"]
    assert inflow["customdata"] == [
        f"{DRILL}?day=2026-03-02&figure=inflow",
        f"{DRILL}?day=2026-03-03&figure=inflow",
    ]
    # A Chinese page's rise is red, its fall green (tests/analytics/test_gain_colours.py).
    assert inflow["marker"]["color"] == ["#b42318", "#1f7a4d"]
    assert assets["customdata"][1] == f"{DRILL}?day=2026-03-03&figure=assets"
    revenue = charts.revenue_figure(SERIES, drill_url=DRILL)["data"]
    assert [trace["type"] for trace in revenue] == ["bar", "bar", "bar", "bar", "scatter"]
    assert [t["customdata"][0] for t in revenue] == [
        f"{DRILL}?day=2026-03-02&figure={name}"
        for name in (
            "net_commission",
            "interest_income",
            "margin_interest",
            "product_fees",
            "commission",
        )
    ]


def test_it_links_each_slice_of_the_revenue_mix_to_the_customers_of_its_source():
    (pie,) = charts.revenue_mix_figure(SERIES, drill_url=f"{DRILL}?start=x&end=y")["data"]
    assert pie["customdata"] == [
        f"{DRILL}?start=x&end=y&figure={name}"
        for name in ("net_commission", "interest_income", "margin_interest", "product_fees")
    ]
    assert "customdata" not in charts.revenue_mix_figure(SERIES)["data"][0]


def test_it_links_pareto_points_branches_and_channels_to_their_customers():
    pareto = charts.pareto_figure(PARETO, drill_url=f"{DRILL}?month=2026-03-01")
    assert pareto["data"][0]["customdata"] == [
        f"{DRILL}?month=2026-03-01&top=50",
        f"{DRILL}?month=2026-03-01&top=100",
    ]
    branch = charts.branch_volume_figure(BRANCHES, drill_url="/customers/")["data"][0]
    assert branch["customdata"] == ["/customers/?branch=7"] and branch["y"] == [0.0]
    channels = charts.channel_mix_figure(SERIES, drill_url=f"{DRILL}?month=x")["data"][0]
    assert channels["customdata"][0] == f"{DRILL}?month=x&channel=mobile"
    assert channels["values"] == [2000.0, 0.0, 40.0, 0.0]
    assert "customdata" not in charts.channel_mix_figure(SERIES, drill_url=None)["data"][0]


def test_an_imported_branch_name_shows_as_text_not_as_a_chart_link():
    rows = [{**BRANCHES[0], "branch__name": '<a href="https://x.example">点我</a> & Co'}]
    (label,) = charts.branch_volume_figure(rows, drill_url="/customers/")["data"][0]["x"]
    assert "<" not in label and ">" not in label
    assert label.endswith('&lt;a href="https://x.example"&gt;点我&lt;/a&gt; &amp; Co')
