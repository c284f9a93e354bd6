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


def _layout(figure: go.Figure, *, height: int = 280) -> go.Figure:
    figure.update_layout(
        margin={"l": 60, "r": 10, "t": 10, "b": 40},
        height=height,
        legend={"orientation": "h", "y": 1.15},
        plot_bgcolor="#fff",
        hovermode="x unified",
    )
    return figure


def assets_and_inflow_figure(series: list[dict], *, drill_url: str) -> go.Figure:
    """Assets under management (line) and daily net inflow (bars, right axis); a click on
    a bar opens the customers who moved money that day."""
    days = [row["business_date"] for row in series]
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=days,
            y=[float(row["total_assets"]) for row in series],
            name=_("Assets under management"),
            line={"color": COLOURS["net_commission"]},
        )
    )
    figure.add_trace(
        go.Bar(
            x=days,
            y=[float(row["net_inflow"]) for row in series],
            name=_("Net inflow"),
            marker_color=[("#1f7a4d" if row["net_inflow"] >= 0 else "#b42318") for row in series],
            customdata=[f"{drill_url}?day={day}&figure=inflow" for day in days],
            yaxis="y2",
            opacity=0.6,
        )
    )
    figure.update_layout(
        yaxis={"tickformat": ",.0f"},
        yaxis2={"overlaying": "y", "side": "right", "tickformat": ",.0f", "showgrid": False},
    )
    return _layout(figure)


def revenue_figure(series: list[dict], *, drill_url: str) -> go.Figure:
    """Daily revenue by source, stacked, with gross commission as a line; a click on a bar
    opens the customers who brought revenue that day."""
    days = [row["business_date"] for row in series]
    names = {
        "net_commission": _("Net commission"),
        "interest_income": _("Interest spread"),
        "margin_interest": _("Margin interest"),
    }
    figure = go.Figure(
        [
            go.Bar(
                x=days,
                y=[float(row[key]) for row in series],
                name=name,
                marker_color=COLOURS[key],
                customdata=[f"{drill_url}?day={day}&figure=revenue" for day in days],
            )
            for key, name in names.items()
        ]
    )
    figure.add_trace(
        go.Scatter(
            x=days,
            y=[float(row["commission"]) for row in series],
            name=_("Gross commission"),
            line={"color": "#333", "dash": "dot"},
        )
    )
    figure.update_layout(barmode="stack", yaxis={"tickformat": ",.0f"})
    return _layout(figure)


def revenue_mix_figure(series: list[dict]) -> go.Figure:
    keys = ("net_commission", "interest_income", "margin_interest")
    labels = [_("Net commission"), _("Interest spread"), _("Margin interest")]
    values = [float(sum(row[key] for row in series)) for key in keys]
    figure = go.Figure(
        go.Pie(
            labels=labels,
            values=values,
            hole=0.45,
            marker={"colors": [COLOURS[key] for key in keys]},
            sort=False,
        )
    )
    return _layout(figure, height=260)


def pareto_figure(pareto: dict, *, drill_url: str) -> go.Figure:
    """Cumulative share of contribution against the share of customers, best first; a click
    on a point opens the customers of that top share."""
    x = [float(percent) for percent, _share in pareto["curve"]]
    y = [float(share) * 100 for _percent, share in pareto["curve"]]
    figure = go.Figure(
        go.Scatter(
            x=x,
            y=y,
            mode="lines+markers",
            marker={"size": 4},
            fill="tozeroy",
            name=_("Cumulative contribution"),
            customdata=[f"{drill_url}&top={max(1, round(p))}" for p in x],
            line={"color": COLOURS["net_commission"]},
        )
    )
    figure.add_vline(x=20, line_dash="dot", line_color="#b26a00")
    figure.update_layout(
        xaxis={"title": _("Customers, best first (%)"), "range": [0, 100]},
        yaxis={"title": _("Share of contribution (%)"), "range": [0, 100]},
    )
    return _layout(figure)


def branch_volume_figure(rows: list[dict], *, drill_url: str) -> go.Figure:
    """Each branch's share of trading volume; a click opens the branch's customers."""
    figure = go.Figure(
        go.Bar(
            x=[f"{row['branch__code']} {row['branch__name']}" for row in rows],
            y=[float(row["trade_volume"] or 0) for row in rows],
            customdata=[f"{drill_url}?branch={row['branch_id']}" for row in rows],
            marker_color=COLOURS["net_commission"],
            name=_("Trading volume"),
        )
    )
    figure.update_layout(yaxis={"tickformat": ",.0f"}, xaxis={"type": "category"})
    return _layout(figure, height=320)


def channel_mix_figure(series: list[dict], *, drill_url: str | None) -> go.Figure:
    """Share of buy and sell volume by order channel over the range; with `drill_url`, a
    click on a slice opens the customers who traded through that channel."""
    labels = {
        "volume_mobile": _("Mobile"),
        "volume_internet": _("Internet"),
        "volume_phone": _("Phone"),
        "volume_counter": _("Counter"),
    }
    values = [float(sum(row[key] or 0 for row in series)) for key in labels]
    channels = [key.removeprefix("volume_") for key in labels]
    figure = go.Figure(
        go.Pie(
            labels=list(labels.values()),
            values=values,
            hole=0.45,
            sort=False,
            customdata=[f"{drill_url}&channel={c}" for c in channels] if drill_url else None,
            marker={"colors": ["#0b5cab", "#7fb3e6", "#f0a202", "#8c8c8c"]},
        )
    )
    return _layout(figure, height=260)
