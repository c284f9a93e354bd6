"""The malformed-input walker: every URL of the project, Django admin's included, answers
hostile parameters with a page, a form error, a redirect, a 400, 403, 404 or 405, never a
500 and never an exception escaping the view (issue 11, defect 6).

Nothing here names a URL or a parameter: the URLs come from the URL configuration
(tests/urlwalk.py), path parameters are filled with rows of a small world that the view
finds, and the parameter names come from the view (its filterset's and form's fields, its
table's sort and page parameters), from the page it serves (the fields of its forms, the
query keys of its links, and of the forms that other pages post to it) and from a fixed
set of common names. A new URL or a new filter field is walked without editing this file.

How much is sent: each parameter alone with each value its form field would accept (a
value the field refuses only yields a form error, which the batched requests cover), or
with every value when no form says what it accepts; then every parameter at once with each
value that no field accepts (NUL) and with repeated keys; and, where the view accepts a
POST, every field at once with each value. Each request runs in a savepoint rolled back
after it, so that a POST changes nothing the next request sees.
"""

import copy
import html
import itertools
import re
import time
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone

from crm.models import Branch, Role
from crm.services import staff_login_create
from customers.models import (
    Customer,
    ImportFileResult,
    ImportReject,
    ImportRun,
    SavedView,
    ServiceRequest,
    ServiceRequestType,
    Task,
)
from customers.services import counter_day_import
from customers.services.relationship import service_request_open
from tests.customers.counter_files import base_day, write_day
from tests.urlwalk import walk

# Sent to one parameter at a time (where its form field, if known, accepts the value).
SINGLE_VALUES = (
    "1000000",
    "100000000",
    str(2**63),
    "-1",
    "0000-01-01",
    "0001-01-01",
    "10000-01-01",
    "abc",
    "x" * 100_000,
    "\u200f\u202e😀e\u0301\u0301",  # right-to-left marks, an emoji, combining accents
)
# Posted to every field at once (a form validates each field, so batching hides little).
POST_VALUES = (str(2**63), "-1", "0001-01-01", "10000-01-01", "abc", "x" * 100_000, "😀\u202e")
# Sent to every parameter at once: no form field accepts them, so batching hides nothing.
BATCH_VALUES = ("\x00", "1\x00", "-\x00")
REPEATED = ["1", "abc", "\x00"]  # a list through repeated keys
# Read by many views without a form, and by admin's change lists.
COMMON_NAMES = (
    "page",
    "per_page",
    "sort",
    "q",
    "o",
    "p",
    "e",
    "next",
    "export",
    "start",
    "end",
    "since",
    "month",
    "day",
    "figure",
    "top",
    "channel",
    "status",
    "_to_field",
    "_popup",
    "_changelist_filters",
)
# A path parameter's hostile values, by converter.
PATH_VALUES = {
    "int": (str(2**63), "9" * 30),
    "other": ("\x00", "x" * 100_000, "\u202e😀"),
}
FINE = {200, 204, 301, 302, 303, 400, 403, 404, 405}

ROUTES = list(walk())
WALKED = {"requests": 0, "started": None}


# -- the world ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """One world for the whole walk, in a transaction rolled back at the end: a day imported
    with its metrics (so the dashboards have figures), a head-office user, a broker serving
    C001, an administrator, a task, a service request, a saved view and a reject."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _world_build(tmp_path_factory.mktemp("walk"))
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
    if WALKED["started"] is not None:  # the numbers of the walk, for the record (-s shows them)
        seconds = time.monotonic() - WALKED["started"]
        print(f"\nwalker: {len(ROUTES)} URLs, {WALKED['requests']} requests, {seconds:.0f} s")


def _world_build(folder):
    counter_day_import(folder=write_day(folder, "20260302", base_day()))
    call_command("compute_metrics")
    branch = Branch.objects.get(code="0101")
    roles = {
        "head_office": staff_login_create(
            username="walk-ho", password="x", role=Role.HEAD_OFFICE, staff_code="WHO", name="总部"
        ),
        "broker": staff_login_create(
            username="walk-broker",
            password="x",
            role=Role.BROKER,
            staff_code="S01",
            name="王经理",
            branch=branch,
        ),
        "admin": staff_login_create(
            username="walk-admin", password="x", role=Role.ADMIN, staff_code="WAD", name="管理员"
        ),
    }
    broker = roles["broker"]
    customer = Customer.objects.get(cust_no="C001")
    Task.objects.create(
        assignee=broker,
        customer=customer,
        kind="follow_up",
        title="回访",
        due_on=timezone.localdate(),
    )
    service_request_open(
        customer=customer,
        request_type=ServiceRequestType.objects.order_by("pk").first(),
        description="地址变更",
        assignee=broker,
        opened_by=broker.user,
    )
    SavedView.objects.create(owner=broker.user, name="大客户", query="assets_min=1000000")
    run = ImportRun.objects.order_by("pk").first()
    ImportReject.objects.create(run=run, file="customers", line_no=2, reason="bad", raw="C009,x")
    return {name: staff.user for name, staff in roles.items()}


def _known_ids() -> list[str]:
    models = (Task, ServiceRequest, SavedView, ImportRun, Customer)
    ids = {pk for model in models for pk in model.objects.values_list("pk", flat=True)[:3]}
    return [str(pk) for pk in sorted(ids)]


def _known_words() -> list[str]:
    files = ImportFileResult.objects.values_list("file", flat=True).distinct()[:3]
    return ["C001", *files, "x"]


# -- filling the path -------------------------------------------------------------------------

PATH_PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
REGEX_PARAM = re.compile(r"\(\?P<(?P<name>\w+)>(?P<pattern>[^)]*)\)")


def _parameters(route: str) -> list[tuple[str, str, str]]:
    """(placeholder, name, converter) of each path parameter of the route."""
    if "(?P<" in route:
        return [
            (m.group(0), m["name"], "regex:" + m["pattern"]) for m in REGEX_PARAM.finditer(route)
        ]
    return [(m.group(0), m["name"], m["converter"] or "str") for m in PATH_PARAM.finditer(route)]


def _url(route: str, values: dict[str, str]) -> str:
    url = route.replace("^", "").replace("$", "")
    for placeholder, name, _converter in _parameters(route):
        url = url.replace(placeholder, quote(values[name], safe=""))
    return "/" + url


def _candidates(callback, name: str, converter: str) -> list[str]:
    model_admin = getattr(callback, "model_admin", None)
    if name == "object_id" and model_admin is not None:
        pk = model_admin.model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        return [str(pk if pk is not None else 1)]
    if converter == "int":
        return _known_ids()
    if converter.startswith("regex:"):
        choices = converter.removeprefix("regex:").split("|")
        return ["customers"] if "customers" in choices else ["x/"]
    return _known_words()


def _resolves_to(url: str, callback) -> bool:
    try:
        return resolve(url.split("?")[0]).func == callback
    except Resolver404:
        return False


def _real_url(client, route: str, callback) -> str | None:
    """The route with path parameters the view finds, else any it resolves."""
    parameters = _parameters(route)
    if not parameters:
        return _url(route, {})
    names = [name for _placeholder, name, _converter in parameters]
    options = [_candidates(callback, name, converter) for _p, name, converter in parameters]
    resolvable = None
    for combination in itertools.product(*options):
        url = _url(route, dict(zip(names, combination, strict=True)))
        if not _resolves_to(url, callback):
            continue
        resolvable = resolvable or url
        status = _send(client, "get", url, {})[0].status_code
        if status == 405:
            status = _send(client, "post", url, {})[0].status_code
        if status != 404:
            return url
    return resolvable


def _hostile_paths(route: str, real_url: str, callback) -> list[str]:
    """The real URL with one path parameter at a time made hostile (those that still
    resolve: the converter refusing one is a 404 already)."""
    real = resolve(real_url.split("?")[0]).kwargs
    urls = []
    for _placeholder, name, converter in _parameters(route):
        for value in PATH_VALUES["int" if converter == "int" else "other"]:
            url = _url(route, {**{k: str(v) for k, v in real.items()}, name: value})
            if _resolves_to(url, callback):
                urls.append(url)
    return urls


# -- the parameter names ----------------------------------------------------------------------

FORM = re.compile(r"<form\b(?P<attrs>[^>]*)>(?P<body>.*?)</form>", re.S | re.I)
NAME = re.compile(r"<(?:input|select|textarea|button)\b[^>]*\bname=\"(?P<name>[^\"]+)\"", re.I)
HREF = re.compile(r"\bhref=\"(?P<href>[^\"]*)\"", re.I)
ATTR = re.compile(r"\b(?P<key>method|action|hx-post)=\"(?P<value>[^\"]*)\"", re.I)


class Names:
    """The parameter names of one URL: `fields` (name → form field, or None when no form
    says what it accepts) for the query, and `posted` for a POST."""

    def __init__(self):
        self.fields: dict[str, forms.Field | None] = {}
        self.posted: set[str] = set()

    def query(self, name: str, field=None):
        if self.fields.get(name) is None:
            self.fields[name] = field

    def from_view(self, callback, request):
        view_class = getattr(callback, "view_class", None)
        filterset_class = getattr(view_class, "filterset_class", None)
        if filterset_class is not None:
            view = view_class()
            view.setup(request)
            filterset = filterset_class(data=None, request=request, queryset=view.get_queryset())
            for name, field in filterset.form.fields.items():
                self._field(name, field)
        form_class = getattr(view_class, "form_class", None)
        if form_class is not None:
            self.posted.update(form_class.base_fields)
        table_class = getattr(view_class, "table_class", None)
        if table_class is not None:
            meta = table_class._meta
            for name in (meta.order_by_field, meta.page_field, meta.per_page_field):
                self.query(name)

    def _field(self, name, field):
        widget = getattr(field, "widget", None)
        suffixes = getattr(widget, "suffixes", None)
        if suffixes:  # a range: name_after, name_before (or name_min, name_max)
            for suffix, subfield in zip(suffixes, field.fields, strict=True):
                self.query(f"{name}_{suffix}", subfield)
        else:
            self.query(name, field)

    def from_page(self, content: str, url: str):
        path = urlsplit(url).path
        for form in FORM.finditer(content):
            attrs = _attributes(form["attrs"])
            action = urlsplit(attrs.get("hx-post") or attrs.get("action") or path).path
            if action != path:
                continue
            names = {m["name"] for m in NAME.finditer(form["body"])}
            if attrs.get("method", "get").lower() == "post":
                self.posted.update(names)
            else:
                for name in names:
                    self.query(name)
        for match in HREF.finditer(content):
            href = urlsplit(html.unescape(match["href"]))
            if href.path in ("", path):
                for name, _value in parse_qsl(href.query, keep_blank_values=True):
                    self.query(name)

    def posted_from(self, content: str, url: str):
        """The fields of forms on another page that post to `url`."""
        path = urlsplit(url).path
        for form in FORM.finditer(content):
            attrs = _attributes(form["attrs"])
            action = urlsplit(attrs.get("hx-post") or attrs.get("action") or "").path
            if action and _same_route(action, path):
                self.posted.update(m["name"] for m in NAME.finditer(form["body"]))

    def accepts(self, name: str, value: str) -> bool:
        field = self.fields.get(name)
        if field is None:
            return True
        try:
            field.clean(value)
        except (ValidationError, TypeError, ValueError):
            return False
        return True


def _attributes(text: str) -> dict[str, str]:
    return {m["key"].lower(): html.unescape(m["value"]) for m in ATTR.finditer(text)}


def _same_route(one: str, other: str) -> bool:
    try:
        return resolve(one).route == resolve(other).route
    except Resolver404:
        return False


HUB_PAGES: dict[str, list[str]] = {}  # by the session of the user who saw them


def _hub_pages(client) -> list[str]:
    """The pages without path parameters outside the admin, and the pages they link to:
    where the forms that post to another URL are (read once per user: every request is
    rolled back, so they stay as they were)."""
    user = client.session.get("_auth_user_id")
    if user not in HUB_PAGES:
        HUB_PAGES[user] = [_text(_send(client, "get", url, {})[0]) for url in _hub_urls(client)]
    return HUB_PAGES[user]


def _hub_urls(client) -> list[str]:
    hubs = [
        _url(route, {})
        for route, _callback in ROUTES
        if not route.startswith("admin/") and not _parameters(route)
    ]
    linked = []
    seen = set()
    for url in hubs:
        response = _send(client, "get", url, {})[0]
        for match in HREF.finditer(_text(response)):
            path = urlsplit(html.unescape(match["href"])).path
            if not path.startswith("/") or path.startswith("/admin/"):
                continue
            try:
                route = resolve(path).route
            except Resolver404:
                continue
            if route not in seen:
                seen.add(route)
                linked.append(path)
    return hubs + linked


# -- sending --------------------------------------------------------------------------------


def _to_login(response) -> bool:
    return response.status_code == 302 and "login/" in response.get("Location", "")


def _text(response) -> str:
    if response.streaming or "html" not in response.get("Content-Type", ""):
        return ""
    return response.content.decode(errors="replace")


def _send(client, method: str, url: str, data: dict):
    """One request in a savepoint rolled back after it (a POST changes nothing the next
    request sees), with the client's cookies kept (a logout logs nobody out); the body of a
    streamed answer is read, for a failure while streaming shows only then."""
    WALKED["requests"] += 1
    cookies = copy.deepcopy(client.cookies)
    error = None
    with transaction.atomic():
        try:
            response = getattr(client, method)(url, data)
            if response.streaming:
                b"".join(response.streaming_content)
        except Exception as raised:  # reported with the request that raised it
            response, error = None, raised
        transaction.set_rollback(True)
    client.cookies = cookies
    return response, error


def _check(failures, client, method, url, data):
    response, error = _send(client, method, url, data)
    if error is not None:
        failures.append(f"{method.upper()} {_shown(url, data)}\n    raised {error!r:.500}")
    elif response.status_code not in FINE:
        failures.append(
            f"{method.upper()} {_shown(url, data)}\n    answered {response.status_code}"
        )
    return response


def _shown(url: str, data: dict) -> str:
    """The request in a line: long values cut short, one value shown once for many names."""

    def short(value):
        text = repr(value)
        return text if len(text) < 40 else f"{text[:36]}…' ({len(str(value))} chars)"

    values = {short(value) for value in data.values()}
    if len(data) > 3 and len(values) == 1:
        return f"{url[:120]} with {len(data)} parameters = {values.pop()}: {', '.join(data)}"
    return f"{url[:120]} " + ", ".join(f"{name}={short(value)}" for name, value in data.items())


# -- the walk -------------------------------------------------------------------------------


def _route_id(entry) -> str:
    return entry[0] or "/"


@pytest.mark.django_db
@pytest.mark.parametrize("route, callback", ROUTES, ids=[_route_id(e) for e in ROUTES])
def test_it_answers_hostile_parameters_without_failing(world, route, callback, rf):
    WALKED["started"] = WALKED["started"] or time.monotonic()
    # Django admin turns away everybody but administrators, the same way on every URL.
    roles = ["admin"] if route.startswith("admin/") else ["head_office", "broker"]
    failures: list[str] = []
    walked = 0
    for role in roles:
        client = Client(raise_request_exception=True, HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(world[role])
        url = _real_url(client, route, callback)
        if url is None:
            continue
        walked += 1
        _walk_url(failures, client, route, callback, url, world[role], rf)
    assert walked, f"no URL of {route} could be filled"
    assert not failures, "\n".join(failures)


def _walk_url(failures, client, route, callback, url, user, rf):
    baseline = _check(failures, client, "get", url, {})
    names = Names()
    request = rf.get(url)
    request.user = user
    names.from_view(callback, request)
    if baseline is not None:
        names.from_page(_text(baseline), url)
    for name in COMMON_NAMES:
        names.query(name)
    if baseline is not None and baseline.status_code not in (302, 403, 404, 405):
        for value in SINGLE_VALUES:
            # The names whose field accepts the value (and those no form describes): the
            # form stays valid, so that each filter runs with it.
            accepted = {name: value for name in names.fields if names.accepts(name, value)}
            if accepted:
                _check(failures, client, "get", url, accepted)
    formless = [name for name in names.fields if names.fields[name] is None]
    for value in BATCH_VALUES:
        _check(failures, client, "get", url, dict.fromkeys(names.fields, value))
        # Again where no form refuses it first: a view that reads the value raw.
        _check(failures, client, "get", url, dict.fromkeys(formless, value))
    _check(failures, client, "get", url, dict.fromkeys(names.fields, REPEATED))
    for hostile in _hostile_paths(route, url, callback):
        _check(failures, client, "get", hostile, {})
    _walk_post(failures, client, route, callback, url, names)


def _walk_post(failures, client, route, callback, url, names):
    first = _check(failures, client, "post", url, {})
    if first is None or first.status_code in (403, 405) or _to_login(first):
        return
    if not names.posted and not route.startswith("admin/"):
        for page in _hub_pages(client):
            names.posted_from(page, url)
    posted = sorted(names.posted | set(names.fields))
    for value in (*POST_VALUES, *BATCH_VALUES):
        _check(failures, client, "post", url, dict.fromkeys(posted, value))
    _check(failures, client, "post", url, dict.fromkeys(posted, REPEATED))
    for hostile in _hostile_paths(route, url, callback):
        _check(failures, client, "post", hostile, dict.fromkeys(posted, "1"))
