"""The dashboards' axes: round ticks with zero on one gridline for the two axes of assets
and net inflow, short amounts in the page's language, month axes in the page's words, and
donuts whose legend sits beside the ring."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from analytics import charts
from crm.charts import aligned_amount_axes, amount_label

DAYS = [datetime.date(2026, 11, d) for d in (18, 19, 20)]
SERIES = [
    {"business_date": day, "total_assets": Decimal(assets), "net_inflow": Decimal(inflow)}
    for day, assets, inflow in zip(
        DAYS, ("612345678.12", "615000000", "611000000"), ("93272", "-1230184", "0"), strict=True
    )
]
MONTHS = [
    {
        "month": datetime.date(2026, month, 1),
        "net_commission": Decimal("10"),
        "interest_income": Decimal("1"),
        "margin_interest": Decimal("0"),
        "product_fees": Decimal("0"),
    }
    for month in (7, 8)
]


def assets_axes(language):
    with translation.override(language):
        layout = charts.assets_and_inflow_figure(SERIES, drill_url="/d/")["layout"]
    return layout["yaxis"], layout["yaxis2"]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_both_axes_put_zero_on_the_same_gridline_and_take_in_every_bar(language):
    left, right = assets_axes(language)
    assert len(left["tickvals"]) == len(right["tickvals"])
    assert left["tickvals"].index(0) == right["tickvals"].index(0)
    assert left["range"] == [left["tickvals"][0], left["tickvals"][-1]]
    assert right["range"][0] <= -1230184 and right["range"][1] >= 93272
    assert left["range"][1] >= 615000000


def test_the_ticks_are_round_steps_the_same_in_either_language():
    _left_zh, right_zh = assets_axes("zh-hans")
    _left_en, right_en = assets_axes("en")
    assert right_zh["tickvals"] == right_en["tickvals"]
    steps = {b - a for a, b in zip(right_zh["tickvals"], right_zh["tickvals"][1:], strict=False)}
    assert steps == {500000}


def test_a_chinese_page_shows_amounts_in_wan_and_yi_an_english_one_in_k_and_m():
    left_zh, right_zh = assets_axes("zh-hans")
    left_en, right_en = assets_axes("en")
    assert "−50万" in right_zh["ticktext"] and "0" in right_zh["ticktext"]
    assert "−500K" in right_en["ticktext"]
    assert "7.5亿" in left_zh["ticktext"] and "750M" in left_en["ticktext"]
    with translation.override("zh-hans"):
        assert amount_label(125_000_000) == "1.25亿"
        assert amount_label(0) == "0"


def test_all_positive_and_all_negative_series_still_share_zero():
    left, right = aligned_amount_axes([10, 20], [-3, -7])
    assert left["tickvals"].index(0) == right["tickvals"].index(0)
    assert right["range"][0] <= -7 and left["range"][1] >= 20


def test_the_monthly_contribution_axis_is_a_date_axis_in_the_pages_words():
    with translation.override("zh-hans"):
        layout = charts.contribution_by_month_figure(MONTHS)["layout"]
        data = charts.contribution_by_month_figure(MONTHS)["data"]
    axis = layout["xaxis"]
    assert axis["type"] == "date" and axis["hoverformat"] == "%Y年%-m月"
    assert {"dtickrange": ["M1", "M6"], "value": "%Y年%-m月"} in axis["tickformatstops"]
    assert data[0]["x"] == [datetime.date(2026, 7, 1), datetime.date(2026, 8, 1)]


@pytest.mark.parametrize("name", ["revenue_mix_figure", "channel_mix_figure"])
def test_a_donuts_legend_stands_in_one_column_beside_it(name):
    series = [
        {
            "net_commission": Decimal(1),
            "interest_income": Decimal(1),
            "margin_interest": Decimal(1),
            "product_fees": Decimal(1),
            "volume_mobile": Decimal(1),
            "volume_internet": Decimal(1),
            "volume_phone": Decimal(1),
            "volume_counter": Decimal(1),
        }
    ]
    layout = getattr(charts, name)(series, drill_url=None)["layout"]
    pie = getattr(charts, name)(series, drill_url=None)["data"][0]
    assert layout["legend"]["orientation"] == "v" and layout["legend"]["x"] >= pie["domain"]["x"][1]
    assert pie["domain"]["y"] == [0, 1]
