"""Layout at the widths sales staff use (1280 and 1440 px): the top bar fits in one line."""

import pytest
from selenium.webdriver.common.by import By

# The live server reads committed rows; serialized_rollback, as the other browser tests, so
# that the rows every test starts from (content types, profiles) are restored, not re-made.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

FITS = "return [document.documentElement.scrollWidth, window.innerWidth]"


@pytest.mark.parametrize("width", [1280, 1440])
@pytest.mark.parametrize("who", ["admin", "headoffice", "branchhead", "lead"])
def test_the_top_bar_fits_the_window_in_english(browser, sign_in, live_server, org, who, width):
    browser.set_window_size(width, 1000)
    sign_in(who)
    browser.get(f"{live_server.url}/")

    page_width, window_width = browser.execute_script(FITS)
    assert page_width <= window_width
    assert (
        browser.execute_script(
            "return document.querySelector('.topbar').getBoundingClientRect().height"
        )
        <= 52
    )
    # The user menu opens onto the password change and the log out, inside the window.
    browser.find_element(By.CSS_SELECTOR, ".usermenu summary").click()
    log_out = browser.find_element(By.CSS_SELECTOR, ".usermenu-panel button[type=submit]")
    assert log_out.is_displayed()
    assert log_out.rect["x"] + log_out.rect["width"] <= window_width


def test_the_quick_search_placeholder_is_not_cut(browser, sign_in, live_server, org):
    browser.set_window_size(1440, 1000)
    sign_in("headoffice")
    browser.get(f"{live_server.url}/")

    text_width, room = browser.execute_script(
        """const input = document.getElementById('quick-search'), style = getComputedStyle(input);
        const context = document.createElement('canvas').getContext('2d');
        context.font = style.font;
        const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
        return [context.measureText(input.placeholder).width, input.clientWidth - padding];"""
    )
    assert text_width <= room
