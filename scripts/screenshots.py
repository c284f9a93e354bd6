"""Screenshots of CRM pages as a signed-in user sees them, in Debian's headless Chromium.

    .venv/bin/python scripts/screenshots.py --user demo-broker --lang en / /customers/

For looking at pages before an issue is resolved; tests/browser/ holds the browser tests.
"""

import argparse
import re
import sys
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.browser.chromium import chromium_driver


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="")
    parser.add_argument("--password", default="crm-demo-2026")
    parser.add_argument("--lang", default="zh-CN")
    parser.add_argument("--out", default=".data/screenshots")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    browser = chromium_driver(args.lang)
    try:
        if args.user:
            browser.get(f"{args.base_url}/accounts/login/")
            browser.find_element(By.NAME, "username").send_keys(args.user)
            browser.find_element(By.NAME, "password").send_keys(args.password)
            browser.find_element(By.CSS_SELECTOR, "button[type=submit].primary").click()
            WebDriverWait(browser, 10).until(lambda b: "/accounts/login/" not in b.current_url)
        for path in args.paths:
            browser.get(args.base_url + path)
            height = browser.execute_script("return document.body.scrollHeight")
            browser.set_window_size(1440, min(max(height + 40, 700), 4000))
            slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
            target = out / f"{args.user or 'anonymous'}-{args.lang}-{slug}.png"
            browser.save_screenshot(str(target))
            print(target)
    finally:
        browser.quit()


if __name__ == "__main__":
    main()
