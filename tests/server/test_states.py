"""States and kinds are StrEnums beside their models, and the code writes only their values.

Nothing here copies a list of states: the columns come from the models' metadata, the enums
from `server.models`, and the values the code writes from reading the code itself.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections import defaultdict
from enum import Enum, StrEnum
from functools import cache
from itertools import product
from pathlib import Path

import pytest

import server.models
from server.extensions import db
from server.models import Follow, IllegalTransition, InboxMessage, Item, State

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("server", "federation")

# Columns whose names say "a state or a kind" but whose values are not this node's to close.
OPEN_COLUMNS = {
    "actor.kind": "an ActivityStreams actor type, as the peer sent it",
    "item.kind": "the kinds of item live in vocab's registry of kinds",
    "harvest_record.item_kind": "the kinds of item live in vocab's registry of kinds",
    "territory.kind": "vocab.terms.TERRITORY_KINDS, a vocabulary editors choose from",
    "import_run.kind": "the kinds of item live in vocab's registry of kinds",
}
# Attributes named like a state column that belong to something else.
NOT_COLUMNS = {
    ("server/views/harvest.py", "status"): "a SPARQL answer's status",
    ("server/ops/health.py", "status"): "the /healthz answer's status",
}


def _enums() -> list[type[Enum]]:
    """Return every enum defined in the modules of `server.models`."""
    found = {
        value
        for module in vars(server.models).values()
        if inspect.ismodule(module) and module.__name__.startswith("server.models.")
        for value in vars(module).values()
        if inspect.isclass(value) and issubclass(value, Enum) and len(value) > 0
    }
    return sorted(found, key=lambda enum: enum.__name__)


def _states() -> list[type[State]]:
    return [enum for enum in _enums() if issubclass(enum, State)]


def _state_like(name: str) -> bool:
    return name in {"state", "status", "kind", "relation"} or name.endswith(("_state", "_kind"))


def _columns() -> dict[str, type[Enum]]:
    """Return "table.column" -> its enum, for every state-like column of the models."""
    return {
        f"{table.name}.{column.name}": column.info["enum"]
        for table in db.metadata.tables.values()
        for column in table.columns
        if _state_like(column.name) and "enum" in column.info
    }


def test_every_state_or_kind_column_has_an_enum():
    """Given the models' tables, every state-like column names its enum (or why it has none)."""
    named = {
        f"{table.name}.{column.name}"
        for table in db.metadata.tables.values()
        for column in table.columns
        if _state_like(column.name)
    }
    assert named - set(_columns()) == set(OPEN_COLUMNS)
    for column, enum in _columns().items():
        assert enum in _enums(), f"{column}: {enum.__name__} is not exported by server.models"


def test_every_enum_is_a_str_enum_exported_from_the_models():
    for enum in _enums():
        assert issubclass(enum, StrEnum), enum
        assert getattr(server.models, enum.__name__) is enum, f"server.models.{enum.__name__}"
    assert len(_states()) >= 5


@pytest.mark.parametrize("states", _states(), ids=lambda s: s.__name__)
def test_transitions_cover_every_state(states: type[State]):
    """Every state is left or reached by some move, and every move names real states."""
    members = set(states)
    named = {key for key in states.TRANSITIONS if key is not None}
    named |= {target for targets in states.TRANSITIONS.values() for target in targets}
    assert named == members
    assert all(key is None or key in members for key in states.TRANSITIONS)


@pytest.mark.parametrize("column", sorted(_columns()))
def test_every_state_is_reached_from_where_a_row_starts(column: str):
    """From the column's default, or the states a row may be created in (the moves from
    None), the moves reach every state of its enum."""
    states = _columns()[column]
    if not issubclass(states, State):
        return  # a kind: rows do not move between kinds
    table, name = column.split(".")
    default = db.metadata.tables[table].c[name].default
    reached, todo = set(), [None, *([default.arg] if default is not None else [])]
    while todo:
        current = todo.pop()
        for target in states.TRANSITIONS.get(current, ()):
            if target not in reached:
                reached.add(target)
                todo.append(target)
    assert reached | ({default.arg} if default is not None else set()) == set(states)


@pytest.mark.parametrize("states", _states(), ids=lambda s: s.__name__)
def test_move_allows_listed_moves_and_refuses_the_others(states: type[State]):
    starts = [None, *states] if None in states.TRANSITIONS else list(states)
    for current, target in product(starts, states):
        if target == current or target in states.TRANSITIONS.get(current, ()):
            assert states.move(current, target) is target
        else:
            with pytest.raises(IllegalTransition, match=f"{states.__name__}: cannot move"):
                states.move(current, target)


def test_rows_move_through_their_model(app):
    """A row refuses an illegal move and keeps its state; a legal one is taken."""
    message = InboxMessage(state="done")
    with pytest.raises(IllegalTransition, match="from 'done' to 'pending'"):
        message.move_to(server.models.InboxState.PENDING)
    assert message.state == "done"
    item = Item(status="draft")
    item.move_to(server.models.ItemStatus.PUBLISHED)
    assert item.status == "published"
    follow = Follow(state="accepted")
    with pytest.raises(IllegalTransition):
        follow.move_backfill_to(server.models.BackfillState.RUNNING)  # never started
    follow.move_backfill_to(server.models.BackfillState.PENDING)
    assert follow.backfill_state == "pending"


# What the code writes: string literals assigned to, compared with or given as a state column.


def _strings(node: ast.AST) -> list[str]:
    """Return the string constants a value expression can take (literals, sets, x if c else y)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return [s for element in node.elts for s in _strings(element)]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    return []


def written_states(source: str) -> list[tuple[str | None, str, str, int]]:
    """Return (model class or None, column name, literal, line) for each state literal in code."""
    found: list[tuple[str | None, str, str, int]] = []

    def attribute(target: ast.AST) -> tuple[str | None, str] | None:
        if isinstance(target, ast.Attribute) and _state_like(target.attr):
            owner = target.value.id if isinstance(target.value, ast.Name) else None
            return (owner if owner and owner[0].isupper() else None), target.attr
        return None

    def add(where: tuple[str | None, str] | None, value: ast.AST, line: int) -> None:
        if where is not None:
            found.extend((*where, text, line) for text in _strings(value))

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            for comparator in node.comparators:
                add(attribute(node.left), comparator, node.lineno)
        elif isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute) and node.func.attr == "in_" and node.args:
                add(attribute(node.func.value), node.args[0], node.lineno)
            for keyword in node.keywords:
                if keyword.arg and _state_like(keyword.arg):
                    add((None, keyword.arg), keyword.value, node.lineno)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                pairs = (
                    zip(target.elts, node.value.elts, strict=False)
                    if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple)
                    else [(target, node.value)]
                )
                for one, value in pairs:
                    add(attribute(one), value, node.lineno)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if (
                    isinstance(key, ast.Constant)
                    and isinstance(key.value, str)
                    and _state_like(key.value)
                    and value is not None
                ):
                    add((None, key.value), value, node.lineno)
    return found


TEMPLATE_COMPARISON = re.compile(r"\.(\w+)\s*(?:==|!=)\s*'([^']*)'")
TEMPLATE_REFERENCE = re.compile(r"\b([A-Z]\w*)\.([A-Za-z_]\w*)")


def named_members(source: str) -> list[tuple[str, str, int]]:
    """Return (class name, attribute, line) for each `Name.attribute` of a capitalised name."""
    return [
        (node.value.id, node.attr, node.lineno)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id[:1].isupper()
    ]


@cache
def _allowed() -> tuple[dict[tuple[str, str], set[str]], dict[str, set[str] | None]]:
    """Return the values allowed per (model class, column) and per bare column name.

    A bare name shared by a column with no enum (`kind`) allows anything: only the
    class-qualified form (`HarvestRecord.kind == ...`) is checked for it.
    """
    by_model: dict[tuple[str, str], set[str]] = {}
    enums_by_name: dict[str, list[type[Enum] | None]] = defaultdict(list)
    for mapper in db.Model.registry.mappers:
        for column in mapper.columns:
            if _state_like(column.key):
                enum = column.info.get("enum")
                enums_by_name[column.key].append(enum)
                if enum is not None:
                    by_model[(mapper.class_.__name__, column.key)] = {m.value for m in enum}
    by_name = {
        name: None if None in enums else {m.value for enum in enums for m in enum}
        for name, enums in enums_by_name.items()
    }
    return by_model, by_name


def _strays(path: str, where: tuple[str | None, str], literal: str) -> bool:
    """Return whether `literal` is not a value the column at `where` can hold."""
    by_model, by_name = _allowed()
    model, name = where
    if (path, name) in NOT_COLUMNS:
        return False
    allowed = by_model.get((model, name)) if model else by_name.get(name)
    if model and (model, name) not in by_model:
        allowed = None  # not a model of ours, or a column with no enum
    return allowed is not None and literal not in allowed


def test_the_scanner_sees_every_way_a_state_is_written():
    """The scan itself: each form the code uses is found (else the test below proves nothing)."""
    source = """
row.state = "a"
row.state, row.error = "b", None
Follow(state="c")
update(X).values(state="d" if x else "e")
select(Delivery).where(Delivery.state == "f", Delivery.state.in_(["g"]))
values = {"status": "h"}
if item.status not in {"i"}: pass
"""
    found = written_states(source)
    assert sorted(text for _, _, text, _ in found) == list("abcdefghi")
    assert ("Delivery", "state", "f", 6) in found
    named = named_members("row.move_to(ItemStatus.DRAFT)\nx = {FollowState.ACCEPTED: y}\n")
    assert named == [("ItemStatus", "DRAFT", 1), ("FollowState", "ACCEPTED", 2)]
    html = "{% if item.status == ItemStatus.DRAFT %}{{ FollowState.ACCEPTED }}"
    assert TEMPLATE_REFERENCE.findall(html) == [
        ("ItemStatus", "DRAFT"),
        ("FollowState", "ACCEPTED"),
    ]


def test_the_code_writes_only_values_of_the_enums():
    """Given every module of server/ and federation/ that uses the models, and every template,
    when the string literals given to a state or kind column are read, then each is a value
    of its enum."""
    strays = []
    for top in SOURCES:
        for path in sorted((ROOT / top).rglob("*.py")):
            relative, source = path.relative_to(ROOT).as_posix(), path.read_text()
            if "server.models" not in source:
                continue  # writes no rows (the SPARQL index's own `status`, for one)
            for model, name, literal, line in written_states(source):
                if _strays(relative, (model, name), literal):
                    strays.append(f"{relative}:{line}: {model or ''}.{name} = {literal!r}")
    for path in sorted((ROOT / "server" / "templates").rglob("*.html")):
        relative = path.relative_to(ROOT).as_posix()
        for number, text in enumerate(path.read_text().splitlines(), 1):
            for name, literal in TEMPLATE_COMPARISON.findall(text):
                if _state_like(name) and _strays(relative, (None, name), literal):
                    strays.append(f"{relative}:{number}: .{name} == {literal!r}")
    assert strays == []


def test_the_code_names_only_members_of_the_enums():
    """Given every module of server/ and federation/ and every template, each `Enum.NAME` it
    writes names a member (or attribute) its enum has: Python would fail only when the line
    runs, and Jinja never (an unknown member is undefined, and compares unequal)."""
    enums = {enum.__name__: enum for enum in _enums()}
    named: list[tuple[str, str, str, int]] = []
    for top in SOURCES:
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            named += [(relative, *found) for found in named_members(path.read_text())]
    for path in sorted((ROOT / "server" / "templates").rglob("*.html")):
        relative = path.relative_to(ROOT).as_posix()
        for number, text in enumerate(path.read_text().splitlines(), 1):
            named += [(relative, *found, number) for found in TEMPLATE_REFERENCE.findall(text)]
    seen = [(path, name, attr, line) for path, name, attr, line in named if name in enums]
    assert {path for path, *_ in seen} >= {"federation/inbox.py", "server/templates/_macros.html"}
    unknown = [
        f"{path}:{line}: {name}.{attr}"
        for path, name, attr, line in seen
        if not hasattr(enums[name], attr)
    ]
    assert unknown == []
