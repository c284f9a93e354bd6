"""Charts of a campaign's results page: pure functions from marketing.services.results'
figures to plotly figures, as the plain dicts crm.charts.figure_html renders (the funnel
from reach to conversion, conversion of the contacted and holdout groups with their 95 %
intervals, sends and deliveries per day)."""

import datetime

from django.utils.translation import gettext as _

from crm.charts import AMBER, BLUE, GREY, LIGHT_BLUE, date_axis, figure_of
from marketing.services.results import Results, proportion_interval


def results_funnel_figure(results: Results) -> dict:
    """Contacted group → reached → delivered (messages) → responded → converted."""
    steps = [
        (_("Contacted group"), results.contacted.recipients),
        (_("Reached"), results.reach),
        (_("Delivered"), results.delivered),
        (_("Responded"), results.contacted.responded),
        (_("Converted"), results.contacted.converted),
    ]
    return figure_of(
        [
            {
                "type": "funnel",
                "y": [label for label, _count in steps],
                "x": [count for _label, count in steps],
                "textinfo": "value+percent initial",
                "marker": {"color": [BLUE, LIGHT_BLUE, LIGHT_BLUE, AMBER, AMBER]},
            }
        ],
        height=260,
        margin={"l": 110, "r": 10, "t": 10, "b": 20},
        hovermode="closest",
    )


def conversion_groups_figure(results: Results) -> dict:
    """The conversion rate of the contacted and the holdout group, each with its own 95 %
    interval as error bars (normal approximation), in per cent."""
    bars = []
    for label, group, colour in (
        (_("Contacted group"), results.contacted, BLUE),
        (_("Holdout group"), results.holdout, GREY),
    ):
        rate = group.conversion_rate
        interval = proportion_interval(group.converted, group.recipients)
        bars.append((label, 100 * (rate or 0), colour, interval, group.converted, group.recipients))
    return figure_of(
        [
            {
                "type": "bar",
                "x": [label for label, *_rest in bars],
                "y": [rate for _label, rate, *_rest in bars],
                "marker": {"color": [colour for _l, _r, colour, *_rest in bars]},
                "error_y": {
                    "type": "data",
                    "symmetric": False,
                    "array": [
                        100 * interval.high - rate if interval else 0
                        for _l, rate, _c, interval, *_rest in bars
                    ],
                    "arrayminus": [
                        rate - 100 * interval.low if interval else 0
                        for _l, rate, _c, interval, *_rest in bars
                    ],
                },
                "text": [f"{converted} / {n}" for *_rest, converted, n in bars],
                "hovertemplate": "%{x}: %{y:.1f} % (%{text})<extra></extra>",
            }
        ],
        height=260,
        hovermode="closest",
        yaxis={"ticksuffix": " %", "rangemode": "tozero"},
        showlegend=False,
    )


def daily_sends_figure(days: list[tuple[datetime.date, int, int]]) -> dict:
    """Messages sent and delivered per day (by the day each happened)."""
    return figure_of(
        [
            {
                "type": "bar",
                "x": [day for day, _sent, _delivered in days],
                "y": [sent for _day, sent, _delivered in days],
                "name": _("Sent"),
                "marker": {"color": LIGHT_BLUE},
            },
            {
                "type": "bar",
                "x": [day for day, _sent, _delivered in days],
                "y": [delivered for _day, _sent, delivered in days],
                "name": _("Delivered"),
                "marker": {"color": BLUE},
            },
        ],
        barmode="group",
        xaxis=date_axis(),
        yaxis={"tickformat": ",d", "rangemode": "tozero"},
    )
