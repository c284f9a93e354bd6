"""Rises and falls in the page's convention: red up and green down on a Chinese page (红涨绿跌),
green up and red down on an English one, and nil neither; the net inflow bars, and the
text's .pos and .neg."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from analytics import charts

RED, GREEN, GREY = "#b42318", "#1f7a4d", "#8c8c8c"
SERIES = [
    {
        "business_date": datetime.date(2026, 11, d),
        "total_assets": Decimal(1000),
        "net_inflow": Decimal(x),
    }
    for d, x in ((18, "500"), (19, "-9800"), (20, "0"))
]


@pytest.mark.parametrize(
    ("language", "colours"), [("zh-hans", [RED, GREEN, GREY]), ("en", [GREEN, RED, GREY])]
)
def test_inflow_bars_follow_the_pages_convention_and_nil_is_neutral(language, colours):
    with translation.override(language):
        figure = charts.assets_and_inflow_figure(SERIES, drill_url="/d/")
    assert figure["data"][1]["marker"]["color"] == colours


def test_a_chinese_page_colours_gains_red_and_losses_green_in_text():
    css = (Path(settings.BASE_DIR) / "static/css/crm.css").read_text()
    assert 'html[lang|="zh"] .pos { color: var(--bad); }' in css
    assert 'html[lang|="zh"] .neg { color: var(--good); }' in css
