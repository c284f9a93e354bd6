"""Charts of the customer 360 page: pure functions from selector output to plotly figures,
as the plain dicts crm.charts.figure_html renders (the palette, the common layout and the
date axes in the page's language are crm.charts' too)."""

from django.utils.translation import gettext as _

from crm.charts import BLUE, LIGHT_BLUE, date_axis, figure_of


def asset_trend_figure(rows: list[tuple]) -> dict:
    """Stacked daily cash and market value: the customer's total assets over the year."""
    days = [row[0] for row in rows]

    def stacked(column: int, name: str, colour: str) -> dict:
        return {
            "type": "scatter",
            "x": days,
            "y": [float(row[column]) for row in rows],
            "name": name,
            "stackgroup": "assets",
            "line": {"color": colour},
        }

    return figure_of(
        [stacked(2, _("Market value"), BLUE), stacked(1, _("Cash"), LIGHT_BLUE)],
        height=260,
        margin={"l": 50, "r": 10, "t": 10, "b": 30},
        legend={"orientation": "h", "y": 1.12},
        xaxis=date_axis(),
        # The axis takes in zero, and ticks keep their cents unless they are nil: whole
        # yuan alone printed a small balance's ticks as 1, 1, 0.
        yaxis={"tickformat": ",.2~f", "rangemode": "tozero"},
    )
