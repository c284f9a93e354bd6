"""Filters that other apps add to the customer list: customers never imports them (tests/crm/
test_layering.py), so an app that reads customers registers its filters here from its
AppConfig.ready() (marketing's "in segment / not in segment"), and the list's FilterSet, its
form layout and the saved views' parameters take them from here.

An extension names its query parameters up front (a saved view keeps them without building
a filter) and builds its filters per request (their choices are read then).
"""

from collections.abc import Callable
from dataclasses import dataclass

import django_filters


@dataclass(frozen=True)
class ListFilterExtension:
    """`names`: the query parameters, in form order; `legend`: the fieldset they are laid out
    in under "more filters"; `make`: the filters by parameter, built for one request. Each
    filter narrows the (already scoped) queryset it is handed, never widens it."""

    key: str
    names: tuple[str, ...]
    legend: object  # a (lazy) text
    make: Callable[[object], dict[str, django_filters.Filter]]


_EXTENSIONS: dict[str, ListFilterExtension] = {}


def list_filter_register(extension: ListFilterExtension) -> None:
    """Add (or, under the same key, replace: ready() may run twice) an app's filters."""
    _EXTENSIONS[extension.key] = extension


def list_filter_extensions() -> tuple[ListFilterExtension, ...]:
    return tuple(_EXTENSIONS.values())


def list_filter_extension_names() -> tuple[str, ...]:
    """Every parameter the extensions read (what a saved view keeps)."""
    return tuple(name for extension in _EXTENSIONS.values() for name in extension.names)
