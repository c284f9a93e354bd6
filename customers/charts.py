"""Charts of the customer 360 page: pure functions from selector output to plotly figures,
and one helper that renders a figure as an HTML fragment (plotly.js is served locally)."""

import plotly.graph_objects as go
import plotly.io as pio
from django.utils.translation import gettext as _

BRAND = "#0b5cab"
CASH = "#7fb3e6"


def asset_trend_figure(rows: list[tuple]) -> go.Figure:
    """Stacked daily cash and market value: the customer's total assets over the year."""
    days = [row[0] for row in rows]
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=days,
            y=[float(row[2]) for row in rows],
            name=_("Market value"),
            stackgroup="assets",
            line={"color": BRAND},
        )
    )
    figure.add_trace(
        go.Scatter(
            x=days,
            y=[float(row[1]) for row in rows],
            name=_("Cash"),
            stackgroup="assets",
            line={"color": CASH},
        )
    )
    figure.update_layout(
        margin={"l": 50, "r": 10, "t": 10, "b": 30},
        height=260,
        legend={"orientation": "h", "y": 1.12},
        yaxis={"tickformat": ",.0f"},
        hovermode="x unified",
        plot_bgcolor="#fff",
    )
    return figure


def figure_html(figure: go.Figure) -> str:
    return pio.to_html(
        figure, full_html=False, include_plotlyjs=False, config={"displayModeBar": False}
    )
