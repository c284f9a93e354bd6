"""Charts of marketing's pages: pure functions from selector output to plotly figures, as the
plain dicts crm.charts.figure_html renders."""

import datetime

from django.utils.translation import gettext as _

from crm.charts import BLUE, date_axis, figure_of


def segment_size_figure(points: list[tuple[datetime.date, int]], *, today: datetime.date) -> dict:
    """The members over time, as steps: a segment's size holds from one change to the next,
    and the last size runs on to today."""
    days = [day for day, _size in points]
    sizes = [size for _day, size in points]
    if points and days[-1] < today:
        days.append(today)
        sizes.append(sizes[-1])
    return figure_of(
        [
            {
                "type": "scatter",
                "mode": "lines+markers" if len(days) < 40 else "lines",
                "x": days,
                "y": sizes,
                "name": _("Members"),
                "line": {"color": BLUE, "shape": "hv"},
                "fill": "tozeroy",
            }
        ],
        height=240,
        showlegend=False,
        xaxis=date_axis(),
        yaxis={"rangemode": "tozero", "tickformat": ",d"},
    )
