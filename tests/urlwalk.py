"""The project's URL configuration as a list the walkers go through: every route with its
view, so that a test can demand a declaration for each one and fail on a new URL without."""

import re

from django.urls import URLPattern, URLResolver, get_resolver


def walk(patterns=None, prefix=""):
    """(route, callback) for every URL pattern, with the prefixes of its includes."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def view_label(callback) -> str:
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return view_class.__name__
    return callback.__qualname__.replace(".<locals>.wrapper", "").split(".<locals>")[0]


def is_open(callback) -> bool:
    """Whether anonymous visitors may reach the view (login_not_required)."""
    return getattr(callback, "login_required", True) is False


def sample_url(route: str) -> str | None:
    """A concrete URL for a route, or None for regular expressions we cannot fill."""
    if route.startswith("^") or "(?P" in route:
        return None
    url = re.sub(r"<(?:int:)[^>]+>", "1", route)
    url = re.sub(r"<[^>]+>", "x", url)
    return "/" + url


def walk_named(patterns=None, prefix="", namespace=""):
    """(route, name, callback) for every URL pattern; the name carries its namespaces
    ("customers:detail") and is None for a pattern without one."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk_named(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else None
            yield prefix + str(entry.pattern), name, entry.callback
