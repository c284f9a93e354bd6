"""Chart rendering that every app's charts share: the palette, the common layout, date axes
and numbers in the page's language, and figure_html, which renders a figure as an HTML
fragment for static/js/charts.js to draw (plotly.js is served locally). The figures
themselves live with their apps (customers/charts.py, analytics/charts.py).

A figure is a plain dict, `{"data": [...], "layout": {...}}`, which plotly.io renders as
it is: building `go.Figure` objects validated every property on every request, several
times the cost of the rest of a dashboard. The chart tests validate the dicts instead."""

import functools
import html
import math

import plotly.io as pio
from django.utils.formats import get_format
from django.utils.html import format_html, json_script
from django.utils.translation import get_language
from plotly.utils import PlotlyJSONEncoder

# The palette: the site's blue first, then the colours series stack on or beside it with.
BLUE, LIGHT_BLUE, AMBER, GREY = "#0b5cab", "#7fb3e6", "#f0a202", "#8c8c8c"
# Rises and falls (money in, gains) in the page's convention: a Chinese page shows a rise
# red and a fall green (红涨绿跌), an English one the reverse; nil is neither.
GAIN, LOSS, NIL = "#b42318", "#1f7a4d", GREY
# Plotly.newPlot's config for every chart, as plotly.io.to_html completes it.
CONFIG = {"displayModeBar": False, "responsive": True}
# Date ticks and hovers (d3 time formats) per page language; plotly's own name the months in
# English ("Sep 27"), which an English page keeps. Each tick format holds for a range of the
# axis's tick spacing (plotly's dtick: milliseconds, or "M<n>" for n months).
HOUR, DAY = 3_600_000, 86_400_000
DATE_FORMATS: dict[str, dict] = {
    "zh-hans": {
        "ticks": (
            (None, 12 * HOUR, "%-m月%-d日 %H:%M"),
            (DAY, 14 * DAY, "%-m月%-d日"),
            ("M1", "M6", "%Y年%-m月"),
            ("M12", None, "%Y年"),
        ),
        "hover": "%Y年%-m月%-d日",
        "month": "%Y年%-m月",
    },
}


def figure_of(data: list[dict], *, height: int = 280, **layout) -> dict:
    """A figure of `data` in the charts' common layout (a legend in a row above the plot,
    one hover for all traces at an x, numbers as the page prints them), with the figure's
    own `layout` keys over it."""
    return {
        "data": data,
        "layout": {
            "margin": {"l": 60, "r": 10, "t": 10, "b": 40},
            "height": height,
            "legend": {"orientation": "h", "y": 1.15},
            "plot_bgcolor": "#fff",
            "hovermode": "x unified",
            "separators": number_separators(),
            **layout,
        },
    }


def chart_text(value: str) -> str:
    """Imported or entered text as a chart label: plotly reads a little HTML in labels
    (links, bold, line breaks), so a branch named `<a href=…>` would become a link; with
    `<`, `>` and `&` as entities it shows as the text it is."""
    return html.escape(value, quote=False)


def date_axis(*, monthly: bool = False) -> dict:
    """A date axis whose ticks and hover speak the active language; a `monthly` one (points
    on the first of each month) hovers the month alone."""
    formats = DATE_FORMATS.get(get_language())
    if formats is None:
        return {"type": "date", **({"hoverformat": "%b %Y"} if monthly else {})}
    return {
        "type": "date",
        "tickformatstops": [
            {"dtickrange": [low, high], "value": value} for low, high, value in formats["ticks"]
        ],
        "hoverformat": formats["month" if monthly else "hover"],
    }


def _is_chinese() -> bool:
    return (get_language() or "").startswith("zh")


def gain_colours() -> dict[str, str]:
    """The colours of a rise, a fall and nil on the active language's page (static/css/crm.css
    keys the text's .pos and .neg on the same convention)."""
    if _is_chinese():
        return {"up": GAIN, "down": LOSS, "nil": NIL}
    return {"up": LOSS, "down": GAIN, "nil": NIL}


def sign_colour(value) -> str:
    colours = gain_colours()
    return colours["up"] if value > 0 else colours["down"] if value < 0 else colours["nil"]


def amount_label(value: float) -> str:
    """A round axis amount, short: 1,200万 and 1.5亿 on a Chinese page, 12K and 1.5M on an
    English one."""
    units = (
        ((100_000_000, "亿"), (10_000, "万"))
        if _is_chinese()
        else ((1e9, "B"), (1e6, "M"), (1e3, "K"))
    )
    sign = "−" if value < 0 else ""
    size = abs(value)
    for scale, unit in units:
        if size >= scale:
            return f"{sign}{_trim(size / scale)}{unit}"
    return f"{sign}{_trim(size)}"


def _trim(number: float) -> str:
    return f"{number:,.2f}".rstrip("0").rstrip(".")


def _nice_step(required: float) -> float:
    """The smallest step of 1, 2, 2.5 or 5 times a power of ten that is at least `required`."""
    if required <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(required))
    for mantissa in (1, 2, 2.5, 5, 10):
        if mantissa * power >= required * (1 - 1e-9):
            return mantissa * power
    return 10 * power


def aligned_amount_axes(*series: list[float], intervals: int = 6) -> list[dict]:
    """Axes (plotly yaxis layouts) for series drawn over each other, one per series: round
    ticks in short amounts, each taking in zero, and zero and every gridline at the same
    height on all of them (each axis has as many steps below and above zero). Of the ways
    to split the steps below and above zero, the one that leaves each series the most of
    the plot's height."""
    bounds = [(min([0.0, *values]), max([0.0, *values])) for values in series]
    best: tuple[float, int, int, list[float]] | None = None
    for below in range(intervals + 1):
        above = intervals - below
        if any((low < 0 and not below) or (high > 0 and not above) for low, high in bounds):
            continue
        steps = [
            _nice_step(max(high / above if above else 0, -low / below if below else 0))
            for low, high in bounds
        ]
        fill = min(
            (high - low) / (step * intervals) if high > low else 1
            for (low, high), step in zip(bounds, steps, strict=True)
        )
        if best is None or fill > best[0]:
            best = (fill, below, above, steps)
    assert best is not None, "a split with a step on each side fits when intervals >= 2"
    _fill, below, above, steps = best
    axes = []
    for step in steps:
        ticks = [step * n for n in range(-below, above + 1)]
        axes.append(
            {
                "range": [ticks[0], ticks[-1]],
                "tickmode": "array",
                "tickvals": ticks,
                "ticktext": [amount_label(tick) for tick in ticks],
                "zeroline": True,
                "hoverformat": ",.2f",
            }
        )
    return axes


def number_separators() -> str:
    """Plotly's `separators` (decimal, then thousands) as the page prints numbers (crm/formats)."""
    return get_format("DECIMAL_SEPARATOR") + get_format("THOUSAND_SEPARATOR")


def figure_html(figure: dict) -> str:
    """The figure as a chart placeholder holding its data, layout and config in a JSON data
    block, which static/js/charts.js hands to Plotly.newPlot: the page's CSP runs no inline
    script. It is drawn with plotly's default template, as `go.Figure` would apply it, and
    encoded as plotly.io encodes it; json_script escapes the `<` a label could close the
    block with."""
    layout = figure.get("layout", {})
    name = pio.templates.default
    if name and "template" not in layout:
        layout = {**layout, "template": _template(name)}
    payload = {"data": figure.get("data", []), "layout": layout, "config": CONFIG}
    return format_html(
        '<div class="chart"><div class="plotly-graph-div"></div>{}</div>',
        json_script(payload, encoder=PlotlyJSONEncoder),
    )


@functools.cache
def _template(name: str) -> dict:
    """The named template as `go.Figure` embeds it in a layout, built once per process
    (it holds no data); shared by every figure, so read, never changed."""
    return pio.templates[name].to_plotly_json()
