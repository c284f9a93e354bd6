"""Charts of the analytics app: pure functions from selector output to plotly figures."""

import plotly.graph_objects as go
from django.utils.translation import gettext as _

COLOURS = {"net_commission": "#0b5cab", "interest_income": "#7fb3e6", "margin_interest": "#f0a202"}


def contribution_by_month_figure(months: list[dict]) -> go.Figure:
    """Stacked monthly contribution by source: net commission, interest spread, margin."""
    labels = [m["month"].strftime("%Y-%m") for m in months]
    names = {
        "net_commission": _("Net commission"),
        "interest_income": _("Interest spread"),
        "margin_interest": _("Margin interest"),
    }
    figure = go.Figure(
        [
            go.Bar(
                x=labels, y=[float(m[key]) for m in months], name=name, marker_color=COLOURS[key]
            )
            for key, name in names.items()
        ]
    )
    figure.update_layout(
        barmode="stack",
        margin={"l": 50, "r": 10, "t": 10, "b": 30},
        height=240,
        legend={"orientation": "h", "y": 1.15},
        xaxis={"type": "category"},
        yaxis={"tickformat": ",.0f"},
        plot_bgcolor="#fff",
    )
    return figure
