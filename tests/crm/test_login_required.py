"""Walks the whole URL configuration: only the login page and the language switch are open."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# The views an anonymous visitor may reach; everything else redirects to the login page.
OPEN_VIEWS = {"LoginView", "set_language", "AdminSite.login"}


def walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def view_label(callback):
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return view_class.__name__
    return callback.__qualname__.replace(".<locals>.wrapper", "").split(".<locals>")[0]


def sample_url(pattern: str) -> str | None:
    """A concrete URL for a route pattern, or None for regular expressions we cannot fill."""
    if pattern.startswith("^") or "(?P" in pattern:
        return None
    url = re.sub(r"<(?:int:)[^>]+>", "1", pattern)
    url = re.sub(r"<[^>]+>", "x", url)
    return "/" + url


def test_it_marks_only_login_and_language_switch_as_open():
    open_views = {
        view_label(callback)
        for _, callback in walk(get_resolver().url_patterns)
        if getattr(callback, "login_required", True) is False
    }
    assert open_views == OPEN_VIEWS


@pytest.mark.django_db
def test_it_redirects_anonymous_visitors_to_login_from_every_other_url(client):
    checked = 0
    for pattern, callback in walk(get_resolver().url_patterns):
        if getattr(callback, "login_required", True) is False:
            continue
        url = sample_url(pattern)
        if url is None:
            continue
        response = client.get(url)
        assert response.status_code == 302, url
        # The admin sends visitors to its own login page, which checks the same credentials.
        assert response["Location"].startswith(("/accounts/login/?next=", "/admin/login/")), url
        checked += 1
    assert checked >= 6


@pytest.mark.django_db
def test_it_serves_the_login_page_to_anonymous_visitors(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b'name="password"' in response.content
