"""The segment rule editor: the draft of a rule as the browser edits it, read back from a form
post, changed by an editor action, and laid out for the editor's templates; the form field and
widget that put the editor in a page or in Django admin, and the segment's form.

A draft is a rule's JSON (marketing/segments/tree.py) whose values are still as typed. The
editor keeps it in one hidden input (`rule`) and names every input by the path of its node:
`rule:r.0.1:op` is the operator of the second rule of the first group. A post is the hidden
draft with the inputs laid over it, so that what was typed survives every re-render; a field
or operator that changes keeps the value where it still fits. Validation is the engine's
(`validate`): its problems come back by path and show at their node.
"""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketing.models import Segment
from marketing.segments.compiler import rule_in_words, stored_rule, validate
from marketing.segments.fields import SECTIONS, Field, fields, industries
from marketing.segments.operators import OPERATORS, Kind, Shape
from marketing.segments.tree import AND, OR, Node, Problem, RuleError
from marketing.segments.words import SET_WORDS

NAME = "rule"  # the form field, the hidden draft and the prefix of every editor input
ROOT = "r"
ACTIONS = ("add-condition", "add-group", "add-segment", "remove")
# A rule nested deeper than this is refused by the editor's actions (never by the engine).
MAX_DEPTH = 12


def empty_rule() -> dict:
    return {"group": AND, "not": False, "rules": []}


def new_condition() -> dict:
    return {"field": "", "op": "", "value": None, "args": {}, "not": False}


# ---------------------------------------------------------------------------------------
# Paths: (0, 1) is "r.0.1", the root is "r".


def path_key(path: tuple[int, ...]) -> str:
    return ".".join([ROOT, *(str(index) for index in path)])


def path_of(key: str) -> tuple[int, ...] | None:
    parts = str(key).split(".")
    if parts[0] != ROOT or not all(part.isdigit() and len(part) < 4 for part in parts[1:]):
        return None
    return tuple(int(part) for part in parts[1:])


def input_name(path: tuple[int, ...], part: str) -> str:
    return f"{NAME}:{path_key(path)}:{part}"


# ---------------------------------------------------------------------------------------
# Reading a post


def draft_read(data, *, name: str = NAME) -> dict:
    """The draft a post holds: the hidden JSON with the inputs of every node laid over it.
    Inputs of paths the JSON does not have are ignored; an unreadable JSON is a new rule."""
    try:
        draft = json.loads(data.get(name) or "null")
    except (TypeError, ValueError, RecursionError):
        draft = None
    if not isinstance(draft, dict) or not draft or _depth(draft) > MAX_DEPTH + 1:
        draft = empty_rule()
    return _overlay(draft, (), data, fields())


def _depth(draft: dict) -> int:
    """How deep groups nest in a draft, counted without recursion (a post may nest deeper
    than Python's stack)."""
    deepest, stack = 0, [(draft, 0)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        rules = node.get("rules") if isinstance(node, dict) else None
        if isinstance(rules, list) and depth <= MAX_DEPTH + 1:
            stack.extend((child, depth + 1) for child in rules)
    return deepest


def _last(data, key: str) -> str | None:
    """The last value posted under `key` (a checkbox follows its hidden "0"), or None."""
    values = data.getlist(key) if hasattr(data, "getlist") else [data[key]] if key in data else []
    return values[-1] if values else None


def _overlay(node: Any, path: tuple[int, ...], data, known: dict[str, Field]) -> Any:
    if not isinstance(node, dict):
        return node
    node = dict(node)
    negated = _last(data, input_name(path, "not"))
    if negated is not None:
        node["not"] = negated == "1"
    if "group" in node:
        combine = _last(data, input_name(path, "combine"))
        if combine in (AND, OR):
            node["group"] = combine
        children = node.get("rules") if isinstance(node.get("rules"), list) else []
        node["rules"] = [
            _overlay(child, (*path, index), data, known) for index, child in enumerate(children)
        ]
        return node
    if "segment" in node:
        segment = _last(data, input_name(path, "segment"))
        if segment is not None:
            node["segment"] = int(segment) if segment.isdigit() else None
        return node
    if "field" in node:
        return _overlay_condition(node, path, data, known)
    return node


def _overlay_condition(node: dict, path: tuple[int, ...], data, known: dict[str, Field]) -> dict:
    old_field = known.get(str(node.get("field") or ""))
    old_op = str(node.get("op") or "")
    value = _posted_value(node, path, data, old_op)
    args = dict(node.get("args") or {}) if isinstance(node.get("args"), dict) else {}
    for arg in old_field.arguments() if old_field else ():
        posted = _last(data, input_name(path, f"arg.{arg.key}"))
        if posted is not None:
            args[arg.key] = posted
    field_key = _last(data, input_name(path, "field"))
    field_key = str(node.get("field") or "") if field_key is None else field_key
    op = _last(data, input_name(path, "op"))
    op = old_op if op is None else op
    field = known.get(field_key)
    if field_key != node.get("field"):
        # Another field: its own options, the operator kept if it fits, and the value kept
        # where the kind is the same (total assets to cash keeps "≥ 500000").
        args = {}
        if field is not None and op not in field.operators:
            op = field.operators[0]
        if field is None or old_field is None or field.kind != old_field.kind:
            value = None
    elif field is not None and op not in field.operators:
        op = field.operators[0]
    if op != old_op and op in OPERATORS:
        value = _reshaped(value, old_op, op)
    if field is not None:
        args = _default_args(field, args)
    return {**node, "field": field_key, "op": op, "value": value, "args": args}


def _posted_value(node: dict, path: tuple[int, ...], data, op: str) -> Any:
    """The value as the inputs rendered for `op` post it (the draft's when not posted)."""
    shape = OPERATORS[op].shape if op in OPERATORS else None
    value = node.get("value")
    if shape == Shape.TWO:
        low, high = _last(data, input_name(path, "low")), _last(data, input_name(path, "high"))
        if low is not None or high is not None:
            return [low or "", high or ""]
    elif shape == Shape.MANY and hasattr(data, "getlist") and input_name(path, "values") in data:
        # A multiple select after its hidden empty value: the options chosen, maybe none.
        return [item for item in data.getlist(input_name(path, "values")) if item]
    elif shape is not None and shape != Shape.NONE:
        posted = _last(data, input_name(path, "value"))
        if posted is not None:
            return posted
    return value


def _reshaped(value: Any, old_op: str, op: str) -> Any:
    """A value carried from one operator's shape to another's: one value becomes the low end
    of a range or the first of a list, and back."""
    old = OPERATORS[old_op].shape if old_op in OPERATORS else None
    new = OPERATORS[op].shape
    if old == new:
        return value
    if isinstance(value, list):
        first = next((item for item in value if str(item).strip()), "")
    elif isinstance(value, str):
        first = value.split(",")[0].strip() if old == Shape.MANY else value
    else:
        first = "" if value is None else str(value)
    if new == Shape.NONE:
        return None
    if new == Shape.TWO:
        return [first, ""]
    if new == Shape.MANY:
        return value if isinstance(value, list) else ([first] if first else [])
    if new == Shape.DAYS:
        return first if old == Shape.DAYS else ""
    return "" if old == Shape.DAYS else first


def _default_args(field: Field, args: dict) -> dict:
    """The field's own options, with the first window chosen when none is."""
    kept = {}
    for arg in field.arguments():
        value = args.get(arg.key)
        if value in (None, "") and arg.choices:
            value = arg.choices[0][0]
        kept[arg.key] = "" if value is None else value
    return kept


# ---------------------------------------------------------------------------------------
# Actions


@dataclass(frozen=True)
class EditorAction:
    verb: str
    path: tuple[int, ...]

    @classmethod
    def parse(cls, text: str | None) -> EditorAction | None:
        verb, _space, key = str(text or "").partition(" ")
        path = path_of(key)
        if verb not in ACTIONS or path is None:
            return None
        return cls(verb, path)


def draft_apply(draft: dict, action: EditorAction | None) -> dict:
    """The draft after an editor action: a condition, a group or an "in segment" added to the
    group at the action's path, or the node at its path removed (never the whole rule)."""
    if action is None:
        return draft
    draft = copy.deepcopy(draft)
    if action.verb == "remove":
        if not action.path:
            return draft
        parent = _node_at(draft, action.path[:-1])
        rules = parent.get("rules") if isinstance(parent, dict) else None
        if isinstance(rules, list) and action.path[-1] < len(rules):
            del rules[action.path[-1]]
        return draft
    group = _node_at(draft, action.path)
    if not isinstance(group, dict) or not isinstance(group.get("rules"), list):
        return draft
    if len(action.path) >= MAX_DEPTH:
        return draft
    if action.verb == "add-condition":
        group["rules"].append(new_condition())
    elif action.verb == "add-group":
        # A group opens with one condition to fill (an empty one would match nobody).
        combine = OR if group.get("group") == AND else AND
        group["rules"].append({"group": combine, "not": False, "rules": [new_condition()]})
    else:
        group["rules"].append({"segment": None, "not": False})
    return draft


def _node_at(draft: Any, path: tuple[int, ...]) -> Any:
    node = draft
    for index in path:
        rules = node.get("rules") if isinstance(node, dict) else None
        if not isinstance(rules, list) or index >= len(rules):
            return None
        node = rules[index]
    return node


# ---------------------------------------------------------------------------------------
# Checking


@dataclass
class Checked:
    """A draft as the engine reads it: the tree when it is complete, the problems by path,
    and the rule in words (of what is complete so far, when something is not)."""

    tree: Node | None
    problems: dict[tuple[int, ...], list[str]]
    words: str

    @property
    def complete(self) -> bool:
        return self.tree is not None


def draft_check(draft: dict, *, segment: Segment | None = None, saving: bool = False) -> Checked:
    """The engine's verdict on a draft. While editing, an empty group is allowed (it matches
    nobody, as the words say); saving refuses it."""
    try:
        tree = validate(draft, segment=segment, empty_groups=not saving)
    except RuleError as error:
        problems = _problems_by_path(draft, error.problems)
    else:
        return Checked(tree, {}, rule_in_words(tree))
    return Checked(None, problems, _partial_words(draft, problems, segment))


def _problems_by_path(draft: dict, problems: list[Problem]) -> dict[tuple[int, ...], list[str]]:
    found: dict[tuple[int, ...], list[str]] = {}
    for problem in problems:
        message = problem.message
        found.setdefault(problem.path, [])
        if message not in found[problem.path]:
            found[problem.path].append(message)
    return found


def _partial_words(draft: dict, problems: dict, segment: Segment | None) -> str:
    """The words of the draft without its incomplete rules ("" when nothing is complete)."""
    pruned = _pruned(draft, (), set(problems))
    if pruned is None:
        return ""
    try:
        return rule_in_words(validate(pruned, segment=segment, empty_groups=True))
    except RuleError:
        return ""


def _pruned(node: Any, path: tuple[int, ...], wrong: set) -> Any:
    if path in wrong and not (isinstance(node, dict) and "group" in node):
        return None
    if isinstance(node, dict) and isinstance(node.get("rules"), list):
        rules = [_pruned(child, (*path, i), wrong) for i, child in enumerate(node["rules"])]
        return {**node, "rules": [rule for rule in rules if rule is not None]}
    return node


def problems_listed(problems: dict[tuple[int, ...], list[str]]) -> list[str]:
    """Every problem as "where: what", in the order of the rule."""
    return [str(Problem(path, message)) for path in sorted(problems) for message in problems[path]]


# ---------------------------------------------------------------------------------------
# The editor's layout: what the templates draw for each node


def editor_layout(
    draft: dict, *, problems: dict | None = None, segment: Segment | None = None
) -> dict:
    """The root node laid out for marketing/segments/_editor_node.html, with what every node
    offers (fields by section, operators of the field's kind, typed inputs)."""
    known = fields()
    catalogue = _Catalogue(known, segment)
    return _layout(draft, (), problems or {}, catalogue)


class _Catalogue:
    """What the pickers offer, read once per render."""

    def __init__(self, known: dict[str, Field], segment: Segment | None):
        self.known = known
        self.sections = [
            {
                "label": str(section.label),
                "fields": [
                    (key, str(field.label))
                    for key, field in known.items()
                    if field.section.key == section.key
                ],
            }
            for section in SECTIONS
        ]
        self.sections = [section for section in self.sections if section["fields"]]
        segments = Segment.objects.order_by("name").values_list("pk", "name")
        if segment is not None and segment.pk is not None:
            segments = segments.exclude(pk=segment.pk)
        self.segments = list(segments)
        self._industries: list[str] | None = None

    def industries(self) -> list[str]:
        if self._industries is None:
            self._industries = industries()
        return self._industries


def _layout(node: Any, path: tuple[int, ...], problems: dict, catalogue: _Catalogue) -> dict:
    base = {
        "path": path_key(path),
        "dom_id": "rule-node-" + path_key(path).replace(".", "-"),
        "is_root": not path,
        "depth": len(path),
        "negated": bool(node.get("not")) if isinstance(node, dict) else False,
        "names": {
            part: input_name(path, part)
            for part in ("not", "combine", "segment", "field", "op", "value", "low", "high")
        }
        | {"values": input_name(path, "values")},
        "problems": problems.get(path, []),
    }
    if not isinstance(node, dict):
        return {**base, "kind": "unreadable"}
    if "group" in node:
        children = node.get("rules") if isinstance(node.get("rules"), list) else []
        return {
            **base,
            "kind": "group",
            "combine": OR if node.get("group") == OR else AND,
            "children": [
                _layout(child, (*path, i), problems, catalogue) for i, child in enumerate(children)
            ],
            "may_nest": len(path) + 1 < MAX_DEPTH,
        }
    if "segment" in node:
        return {
            **base,
            "kind": "segment",
            "segment": node.get("segment"),
            "segments": catalogue.segments,
        }
    return {**base, "kind": "condition", **_condition_layout(node, path, catalogue)}


def _condition_layout(node: dict, path: tuple[int, ...], catalogue: _Catalogue) -> dict:
    field = catalogue.known.get(str(node.get("field") or ""))
    layout: dict[str, Any] = {
        "field": str(node.get("field") or ""),
        "sections": catalogue.sections,
        "unknown_field": bool(node.get("field")) and field is None,
    }
    if field is None:
        return layout
    op = str(node.get("op") or "")
    args = node.get("args") if isinstance(node.get("args"), dict) else {}
    layout["help"] = str(field.help)
    layout["args"] = [_arg_layout(field, arg, args, path, catalogue) for arg in field.arguments()]
    layout["args"] = [arg for arg in layout["args"] if arg is not None]
    layout["op"] = op
    layout["operators"] = [(key, _operator_words(field, key)) for key in field.operators]
    if op in OPERATORS:
        layout["input"] = _value_layout(field, op, node.get("value"))
    return layout


def _operator_words(field: Field, op: str) -> str:
    if field.kind == Kind.MULTI and op in SET_WORDS:
        return str(SET_WORDS[op]())
    return str(OPERATORS[op].words)


def _arg_layout(field, arg, args: dict, path, catalogue: _Catalogue) -> dict | None:
    value = "" if args.get(arg.key) is None else str(args.get(arg.key))
    layout = {"key": arg.key, "label": str(arg.label), "name": input_name(path, f"arg.{arg.key}")}
    if arg.choices:
        return {**layout, "widget": "select", "value": value, "choices": _choices(arg.choices)}
    if arg.key == "industry":
        choices = [(industry, industry) for industry in catalogue.industries()]
        return {**layout, "widget": "select", "value": value, "choices": choices, "blank": True}
    if arg.key == "days":
        # The number of days of a window: asked only when the window is "the last … days".
        if args.get("window") not in (None, "", "days"):
            return None
        return {**layout, "widget": "number", "value": value, "min": 1, "max": 3660, "step": 1}
    return {**layout, "widget": "text", "value": value}


def _choices(pairs) -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in pairs]


def _text(value: Any) -> str:
    return "" if value is None or isinstance(value, (list, dict)) else str(value)


def _value_layout(field: Field, op: str, value: Any) -> dict:
    """The inputs of a value: their widget by the field's kind and the operator's shape."""
    shape = OPERATORS[op].shape
    if shape == Shape.NONE:
        return {"shape": "none"}
    if shape == Shape.DAYS:
        return {"shape": "days", "widget": "number", "value": _text(value), "min": 0,
                "max": 36600, "step": 1}  # fmt: skip
    typed = _typed_input(field)
    if shape == Shape.TWO:
        low, high = [*value, "", ""][:2] if isinstance(value, list) else (_text(value), "")
        return {"shape": "two", **typed, "low": _text(low), "high": _text(high)}
    choices = field.choices()
    if shape == Shape.MANY:
        if choices is not None:
            chosen = [str(item) for item in value] if isinstance(value, list) else []
            return {"shape": "many", "widget": "multi", "choices": _choices(choices),
                    "chosen": chosen}  # fmt: skip
        text = ", ".join(str(item) for item in value) if isinstance(value, list) else _text(value)
        return {"shape": "one", "widget": "list", "value": text}
    if field.kind == Kind.BOOLEAN:
        yes_no = [("true", _("yes")), ("false", _("no"))]
        return {"shape": "one", "widget": "select", "choices": yes_no, "value": _boolean(value)}
    if choices is not None:
        return {"shape": "one", "widget": "select", "choices": _choices(choices),
                "value": _text(value), "blank": True}  # fmt: skip
    return {"shape": "one", **typed, "value": _text(value)}


def _boolean(value: Any) -> str:
    if value in (True, "true", "True", "1", "yes"):
        return "true"
    if value in (False, "false", "False", "0", "no"):
        return "false"
    return ""


def _typed_input(field: Field) -> dict:
    if field.kind == Kind.INTEGER:
        low, high = field.bounds or (None, None)
        return {"widget": "number", "step": 1, "min": low, "max": high}
    if field.kind == Kind.DECIMAL:
        return {"widget": "number", "step": "any"}
    if field.kind == Kind.DATE:
        return {"widget": "date"}
    return {"widget": "text"}


# ---------------------------------------------------------------------------------------
# The form field and widget


class RuleEditorWidget(forms.Widget):
    """The nested editor as a form widget: the page and the admin's change form both draw
    it, and both read a post back through draft_read. `problems` (by path) are set by the
    field's clean when a save is refused, so that each shows at its node."""

    template_name = "marketing/segments/_editor_widget.html"

    class Media:
        css = {"all": ("css/segment-editor.css",)}
        js = ("django_htmx/htmx-2.min.js", "js/segment-editor.js")

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.problems: dict[tuple[int, ...], list[str]] = {}
        self.segment: Segment | None = None

    def value_from_datadict(self, data, files, name):
        return draft_read(data, name=name)

    def format_value(self, value):
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                value = None
        return value if isinstance(value, dict) and value else empty_rule()

    def render(self, name, value, attrs=None, renderer=None):
        # From the project's templates (the form renderer reads only Django's own and apps').
        return render_to_string(self.template_name, self.get_context(name, value, attrs))

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        draft = context["widget"]["value"]
        context["editor"] = editor_context(draft, segment=self.segment, problems=self.problems)
        # One token per editor drawn: its previews' versions are counted under it.
        context["preview_token"] = uuid.uuid4().hex
        return context


def editor_context(draft: dict, *, segment: Segment | None, problems: dict | None = None) -> dict:
    """What the editor fragment (marketing/segments/_editor.html) is drawn from."""
    return {
        "name": NAME,
        "draft_json": json.dumps(draft, ensure_ascii=False),
        "root": editor_layout(draft, problems=problems, segment=segment),
        "segment_id": segment.pk if segment is not None and segment.pk else "",
        "editor_url": reverse("marketing:segment-editor"),
        "words_url": reverse("marketing:segment-words"),
        "preview_url": reverse("marketing:segment-preview"),
        "problems": problems_listed(problems or {}),
    }


class RuleField(forms.Field):
    """A rule, edited in the nested editor: cleaned by the engine into the JSON to keep, or
    refused with every problem and where it is (and each shown at its node)."""

    widget = RuleEditorWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.segment: Segment | None = None

    def prepare_value(self, value):
        return value

    def clean(self, value):
        draft = value if isinstance(value, dict) else empty_rule()
        checked = draft_check(draft, segment=self.segment, saving=True)
        self.widget.problems = checked.problems
        if not checked.complete:
            listed = problems_listed(checked.problems)
            raise ValidationError([ValidationError(problem) for problem in listed])
        return stored_rule(checked.tree)


class SegmentForm(forms.ModelForm):
    """A dynamic segment's name, description, whether it is evaluated nightly, and its rule."""

    rule = RuleField(label=gettext_lazy("rule"))

    class Meta:
        model = Segment
        fields = ("name", "description", "active", "rule")
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        labels = {"active": gettext_lazy("Evaluated nightly")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.instance.is_dynamic:
            del self.fields["rule"]  # a static segment is a list: no rule to edit
            return
        segment = self.instance if self.instance.pk else None
        rule = self.fields["rule"]
        rule.segment = segment  # type: ignore[attr-defined]
        rule.widget.segment = segment  # type: ignore[attr-defined]
        if not self.instance.pk and not self.instance.rule:
            self.initial.setdefault("rule", empty_rule())
