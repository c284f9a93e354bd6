"""Charts of the analytics app: pure functions from selector output to plotly figures, as
the plain dicts crm.charts.figure_html renders (no graph objects per request); the palette,
the common layout and the axes in the page's language are crm.charts'."""

from django.utils.translation import gettext as _

from crm.charts import (
    AMBER,
    BLUE,
    GREY,
    LIGHT_BLUE,
    aligned_amount_axes,
    chart_text,
    date_axis,
    figure_of,
    number_separators,
    sign_colour,
)

COLOURS = {
    "net_commission": BLUE,
    "interest_income": LIGHT_BLUE,
    "margin_interest": AMBER,
    "product_fees": GREY,
}


def _sources() -> dict[str, str]:
    return {
        "net_commission": _("Net commission"),
        "interest_income": _("Interest spread"),
        "margin_interest": _("Margin interest"),
        "product_fees": _("Product-sale fees"),
    }


def figure_names() -> dict[str, str]:
    """What each figure of the daily metrics a chart drills into is called: on the chart
    and in the title of the list of its customers (analytics.selectors.DAY_FIGURES)."""
    return {
        "assets": _("Assets under management"),
        "inflow": _("Net inflow"),
        "commission": _("Gross commission"),
        **_sources(),
        "revenue": _("Revenue"),
    }


def _day_links(drill_url: str, days: list, figure: str) -> list[str]:
    """Each day's link to the customers behind `figure` that day."""
    return [f"{drill_url}?day={day}&figure={figure}" for day in days]


def contribution_by_month_figure(months: list[dict]) -> dict:
    """Stacked monthly contribution by source: net commission, interest spread, margin
    interest and product-sale fees."""
    labels = [m["month"] for m in months]
    return {
        "data": [
            {
                "type": "bar",
                "x": labels,
                "y": [float(m[key]) for m in months],
                "name": name,
                "marker": {"color": COLOURS[key]},
            }
            for key, name in _sources().items()
        ],
        "layout": {
            "barmode": "stack",
            "margin": {"l": 50, "r": 10, "t": 10, "b": 30},
            "height": 240,
            "legend": {"orientation": "h", "y": 1.15},
            # Ticks and hovers by month in the page's language, as the daily charts' days.
            "xaxis": {**date_axis(monthly=True), "dtick": "M1"},
            "yaxis": {"tickformat": ",.0f"},
            "plot_bgcolor": "#fff",
            "separators": number_separators(),
        },
    }


def _donut(pie: dict) -> dict:
    """A donut with its legend in one column beside it: a legend above it wrapped onto two
    lines and pushed the ring into the top margin, which cut it flat."""
    return figure_of(
        [{**pie, "hole": 0.5, "domain": {"x": [0, 0.7], "y": [0, 1]}}],
        height=240,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "v", "x": 0.74, "xanchor": "left", "y": 0.5, "yanchor": "middle"},
    )


def assets_and_inflow_figure(series: list[dict], *, drill_url: str) -> dict:
    """Assets under management (line) and daily net inflow (bars, right axis); a click on
    a bar opens the customers who moved money that day, on the line those holding assets."""
    days = [row["business_date"] for row in series]
    names = figure_names()
    assets = {
        "type": "scatter",
        "x": days,
        "y": [float(row["total_assets"]) for row in series],
        "name": names["assets"],
        "line": {"color": COLOURS["net_commission"]},
        "customdata": _day_links(drill_url, days, "assets"),
    }
    inflow = {
        "type": "bar",
        "x": days,
        "y": [float(row["net_inflow"]) for row in series],
        "name": names["inflow"],
        "marker": {"color": [sign_colour(row["net_inflow"]) for row in series]},
        "customdata": _day_links(drill_url, days, "inflow"),
        "yaxis": "y2",
        "opacity": 0.6,
    }
    # Round ticks on both axes, with zero on one gridline: plotly's own ticks of the right
    # axis fell wherever its range put them.
    left, right = aligned_amount_axes(assets["y"], inflow["y"])
    return figure_of(
        [assets, inflow],
        xaxis=date_axis(),
        yaxis=left,
        yaxis2={**right, "overlaying": "y", "side": "right", "showgrid": False},
    )


def revenue_figure(series: list[dict], *, drill_url: str) -> dict:
    """Daily revenue by source, stacked, with gross commission as a line; a click on a bar
    opens the customers who brought that source's revenue that day, on the line those who
    paid commission."""
    days = [row["business_date"] for row in series]
    bars = [
        {
            "type": "bar",
            "x": days,
            "y": [float(row[key]) for row in series],
            "name": name,
            "marker": {"color": COLOURS[key]},
            "customdata": _day_links(drill_url, days, key),
        }
        for key, name in _sources().items()
    ]
    commission = {
        "type": "scatter",
        "x": days,
        "y": [float(row["commission"]) for row in series],
        "name": figure_names()["commission"],
        "line": {"color": "#333", "dash": "dot"},
        "customdata": _day_links(drill_url, days, "commission"),
    }
    return figure_of(
        [*bars, commission], barmode="stack", xaxis=date_axis(), yaxis={"tickformat": ",.0f"}
    )


def revenue_mix_figure(series: list[dict], *, drill_url: str | None = None) -> dict:
    """The range's revenue by source; with `drill_url` (the range's period), a click on a
    slice opens the customers who brought that source's revenue in the period."""
    sources = _sources()
    pie = {
        "type": "pie",
        "labels": list(sources.values()),
        "values": [float(sum(row[key] for row in series)) for key in sources],
        "marker": {"colors": [COLOURS[key] for key in sources]},
        "sort": False,
    }
    if drill_url:
        pie["customdata"] = [f"{drill_url}&figure={key}" for key in sources]
    return _donut(pie)


def pareto_figure(pareto: dict, *, drill_url: str) -> dict:
    """Cumulative share of contribution against the share of customers, best first; a click
    on a point opens the customers of that top share."""
    x = [float(percent) for percent, _share in pareto["curve"]]
    y = [float(share) * 100 for _percent, share in pareto["curve"]]
    curve = {
        "type": "scatter",
        "x": x,
        "y": y,
        "mode": "lines+markers",
        "marker": {"size": 4},
        "fill": "tozeroy",
        "name": _("Cumulative contribution"),
        "customdata": [f"{drill_url}&top={max(1, round(p))}" for p in x],
        "line": {"color": COLOURS["net_commission"]},
    }
    # The 20 % mark, across the whole plot height (plotly's add_vline).
    mark = {
        "type": "line",
        "x0": 20,
        "x1": 20,
        "xref": "x",
        "y0": 0,
        "y1": 1,
        "yref": "y domain",
        "line": {"color": "#b26a00", "dash": "dot"},
    }
    return figure_of(
        [curve],
        shapes=[mark],
        xaxis={"title": {"text": _("Customers, best first (%)")}, "range": [0, 100]},
        yaxis={"title": {"text": _("Share of contribution (%)")}, "range": [0, 100]},
    )


def branch_volume_figure(rows: list[dict], *, drill_url: str) -> dict:
    """Each branch's share of trading volume; a click opens the branch's customers."""
    bars = {
        "type": "bar",
        "x": [chart_text(f"{row['branch__code']} {row['branch__name']}") for row in rows],
        "y": [float(row["trade_volume"] or 0) for row in rows],
        "customdata": [f"{drill_url}?branch={row['branch_id']}" for row in rows],
        "marker": {"color": COLOURS["net_commission"]},
        "name": _("Trading volume"),
    }
    return figure_of([bars], height=320, yaxis={"tickformat": ",.0f"}, xaxis={"type": "category"})


def channel_mix_figure(series: list[dict], *, drill_url: str | None) -> dict:
    """Share of buy and sell volume by order channel over the range; with `drill_url`, a
    click on a slice opens the customers who traded through that channel."""
    labels = {
        "volume_mobile": _("Mobile"),
        "volume_internet": _("Internet"),
        "volume_phone": _("Phone"),
        "volume_counter": _("Counter"),
    }
    pie = {
        "type": "pie",
        "labels": list(labels.values()),
        "values": [float(sum(row[key] or 0 for row in series)) for key in labels],
        "sort": False,
        "marker": {"colors": [BLUE, LIGHT_BLUE, AMBER, GREY]},
    }
    if drill_url:
        channels = [key.removeprefix("volume_") for key in labels]
        pie["customdata"] = [f"{drill_url}&channel={c}" for c in channels]
    return _donut(pie)
