"""Charts of the customer 360 page: pure functions from selector output to plotly figures,
and one helper that renders a figure as an HTML fragment (plotly.js is served locally).

A figure is a plain dict, `{"data": [...], "layout": {...}}`, which plotly.io renders as
it is: building `go.Figure` objects validated every property on every request, several
times the cost of the rest of a dashboard. The chart tests validate the dicts instead."""

import functools

import plotly.io as pio
from django.utils.translation import gettext as _

BRAND = "#0b5cab"
CASH = "#7fb3e6"


def asset_trend_figure(rows: list[tuple]) -> dict:
    """Stacked daily cash and market value: the customer's total assets over the year."""
    days = [row[0] for row in rows]
    return {
        "data": [
            {
                "type": "scatter",
                "x": days,
                "y": [float(row[2]) for row in rows],
                "name": _("Market value"),
                "stackgroup": "assets",
                "line": {"color": BRAND},
            },
            {
                "type": "scatter",
                "x": days,
                "y": [float(row[1]) for row in rows],
                "name": _("Cash"),
                "stackgroup": "assets",
                "line": {"color": CASH},
            },
        ],
        "layout": {
            "margin": {"l": 50, "r": 10, "t": 10, "b": 30},
            "height": 260,
            "legend": {"orientation": "h", "y": 1.12},
            "yaxis": {"tickformat": ",.0f"},
            "hovermode": "x unified",
            "plot_bgcolor": "#fff",
        },
    }


def figure_html(figure: dict) -> str:
    """The figure's div and Plotly.newPlot script, as plotly.io writes them, drawn with
    plotly's default template as `go.Figure` would apply it."""
    layout = figure.get("layout", {})
    name = pio.templates.default
    if name and "template" not in layout:
        figure = {**figure, "layout": {**layout, "template": _template(name)}}
    return pio.to_html(
        figure,
        full_html=False,
        include_plotlyjs=False,
        config={"displayModeBar": False},
        validate=False,
    )


@functools.cache
def _template(name: str) -> dict:
    """The named template as `go.Figure` embeds it in a layout, built once per process
    (it holds no data); shared by every figure, so read, never changed."""
    return pio.templates[name].to_plotly_json()
