"""Subscription pushes rendered once per snapshot and shared, instead of executed once per subscriber.

A snapshot of an event goes to every subscriber of that event. Most of them send the same document with the
same variables, and what they may see of it does not depend on who they are, except for `myBooking`. So a
push is rendered (executed and JSON-encoded) once per distinct (document, operation name, variables, the
caller's booking on the event or none), cached on the snapshot itself, and the same text is sent to every
subscriber in that group. A document that selects anything whose answer depends on the caller in another way
(a field with a permission check, or a resolver not known to be caller-independent) is not shareable: its
subscriber keeps the per-subscriber execution.

`SnapshotExecutor` also gives every subscription event its own field memo: graphql-core 3.3 shares one memo
between a subscription's executor and all its per-event copies, and each event adds entries to it (keyed by
lists created for that event), so a long-lived subscription's memory grows with every push.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar, cast

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)
from graphql.pyutils import RefMap
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from boxoffice.api.errors import shape_error
from boxoffice.api.json_encoding import encode_json
from boxoffice.api.loaders import Loaders
from boxoffice.auth.actor import Actor
from boxoffice.db.session import Database

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from boxoffice.api.context import Context

P = ParamSpec("P")
T = TypeVar("T")

logger = logging.getLogger(__name__)

# Resolvers that answer from the object and the primed loaders alone, whoever asks. `myBooking` depends on
# the caller, and is handled by putting the caller's booking in the rendering's key.
CALLER_INDEPENDENT_RESOLVERS = frozenset(
    {
        ("Event", "organizer"),
        ("Event", "myBooking"),
        ("Booking", "event"),
        ("Booking", "user"),
        ("Booking", "waitlistPosition"),
    }
)
MY_BOOKING = ("Event", "myBooking")
_PLAN_CACHE_SIZE = 256


@dataclass
class FanoutStats:
    """This process's counts, for tests and benchmarks."""

    shared_subscriptions: int = 0  # subscriptions sent shared renderings
    renderings: int = 0  # renderings made (each sent to every subscriber of its group)


stats = FanoutStats()


class SnapshotExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, with a fresh field memo for each subscription event (see the module docstring)."""

    def build_per_event_executor(self, payload: Any) -> SnapshotExecutor:
        executor = super().build_per_event_executor(payload)
        assert isinstance(executor, SnapshotExecutor)
        executor._relevant_sub_fields = {}
        executor._stream_usages = RefMap()
        return executor


@dataclass(frozen=True, slots=True)
class Shareability:
    shareable: bool
    uses_my_booking: bool
    # The response keys of `myBooking` in the root object when its answer can be spliced into a rendering
    # made without it: it appears only there, selects only the booking's own fields, and no directive varies
    # the shape. None otherwise (each caller's booking then gets a rendering of the whole document).
    splice_keys: tuple[str, ...] | None = None


def _is_caller_independent(parent: GraphQLObjectType, field_name: str, schema: GraphQLSchema) -> bool:
    if field_name == "__typename":
        return True
    if (parent.name, field_name) in CALLER_INDEPENDENT_RESOLVERS:
        return True
    field = parent.fields.get(field_name)
    if field is None:
        return False
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    # A plain attribute of the object: no resolver, no permission check, no field extension.
    return (
        isinstance(definition, StrawberryField)
        and definition.base_resolver is None
        and not definition.extensions
        and not definition.permission_classes
    )


def _fields(
    parent: GraphQLObjectType,
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    seen: set[str],
) -> list[FieldNode] | None:
    """The fields selected on `parent`, through fragments; None for what this module does not share
    (a fragment on another type, an unknown fragment)."""
    found: list[FieldNode] = []
    if selection_set is None:
        return found
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            found.append(selection)
            continue
        if isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            if condition is not None and condition.name.value != parent.name:
                return None
            inner = _fields(parent, selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or fragment.type_condition.name.value != parent.name:
                return None
            if name in seen:
                continue
            seen.add(name)
            inner = _fields(parent, fragment.selection_set, fragments, seen)
        else:  # pragma: no cover - the grammar has no other selection
            return None
        if inner is None:
            return None
        found.extend(inner)
    return found


def _has_directives(
    selection_set: SelectionSetNode | None, fragments: Mapping[str, FragmentDefinitionNode], seen: set[str]
) -> bool:
    if selection_set is None:
        return False
    for selection in selection_set.selections:
        if selection.directives:
            return True
        if isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None and selection.name.value not in seen:
                seen.add(selection.name.value)
                if fragment.directives or _has_directives(fragment.selection_set, fragments, seen):
                    return True
        elif isinstance(selection, FieldNode | InlineFragmentNode):
            if _has_directives(selection.selection_set, fragments, seen):
                return True
    return False


def shareability(
    schema: GraphQLSchema,
    root_type: GraphQLObjectType,
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> Shareability:
    """Whether what `selection_set` selects below `root_type` is the same for every caller, but `myBooking`."""
    uses_my_booking = False

    def walk(parent: GraphQLObjectType, selections: SelectionSetNode | None) -> bool:
        nonlocal uses_my_booking
        fields = _fields(parent, selections, fragments, set())
        if fields is None:
            return False
        for field in fields:
            name = field.name.value
            if not _is_caller_independent(parent, name, schema):
                return False
            if (parent.name, name) == MY_BOOKING:
                uses_my_booking = True
            if name == "__typename" or field.selection_set is None:
                continue
            child = get_named_type(parent.fields[name].type)
            if not isinstance(child, GraphQLObjectType) or not walk(child, field.selection_set):
                return False
        return True

    if not walk(root_type, selection_set):
        return Shareability(False, False)
    splice_keys = _splice_keys(root_type, selection_set, fragments) if uses_my_booking else None
    return Shareability(True, uses_my_booking, splice_keys)


def _splice_keys(
    root_type: GraphQLObjectType,
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> tuple[str, ...] | None:
    if _has_directives(selection_set, fragments, set()):
        return None
    keys: list[str] = []
    for field in _fields(root_type, selection_set, fragments, set()) or []:
        if (root_type.name, field.name.value) != MY_BOOKING:
            continue
        booking_type = get_named_type(root_type.fields[field.name.value].type)
        assert isinstance(booking_type, GraphQLObjectType)
        selected = _fields(booking_type, field.selection_set, fragments, set())
        # Only the booking's own leaves: nothing that would change with the snapshot (its event, say).
        if selected is None or any(inner.selection_set is not None for inner in selected):
            return None
        key = field.alias.value if field.alias else field.name.value
        if key not in keys:
            keys.append(key)
    return tuple(keys) or None


def _encode(payload: object) -> str:
    return encode_json(payload)


# Stands for a caller's booking in a shared rendering: unguessable, so no data can contain it.
_HOLE = "\u0001" + uuid.uuid4().hex + ":{}\u0001"


@dataclass(slots=True)
class Rendered:
    """One execution of the document: its `next` payload as text, and the data it came from."""

    text: str
    data: dict[str, Any] | None
    ok: bool
    _template: tuple[str, ...] | None = None

    def template(self, root_key: str, splice_keys: tuple[str, ...]) -> tuple[str, ...] | None:
        """The text cut where each `myBooking` goes: n + 1 pieces for the n keys, in their order."""
        if self._template is not None:
            return self._template
        if not self.ok or self.data is None or not isinstance(self.data.get(root_key), dict):
            return None
        holes = {key: _HOLE.format(index) for index, key in enumerate(splice_keys)}
        text = _encode({"data": {**self.data, root_key: {**self.data[root_key], **holes}}})
        pieces: list[str] = []
        for key in splice_keys:
            head, found, text = text.partition(_encode(holes[key]))
            if not found or _encode(holes[key]) in text:
                return None
            pieces.append(head)
        pieces.append(text)
        self._template = tuple(pieces)
        return self._template


class SharedRenderer:
    """Renders one subscription document against a snapshot's root object, once per snapshot and variant.

    Made per subscription; the renderings live in a dict the snapshot carries, so every subscriber of the
    same group finds the text the first one rendered, and all of it goes away with the snapshot.
    """

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
        group: Hashable,
        root_key: str,
        splice_keys: tuple[str, ...] | None,
    ) -> None:
        self._schema = schema
        self._document = document
        self._operation_name = operation_name
        self._variables = dict(variables or {})
        self.group = group
        self.root_key = root_key
        self.splice_keys = splice_keys

    def rendering(
        self,
        renderings: dict[Hashable, asyncio.Future[Rendered]],
        variant: Hashable,
        build: Callable[[], tuple[object, object]],
    ) -> Awaitable[Rendered]:
        """This group's rendering of `variant` of the snapshot whose `renderings` these are.

        `build` gives the rendering's context and root value; it is called only by the first subscriber.
        """
        key = (self.group, variant)
        rendering = renderings.get(key)
        if rendering is None:
            context, root = build()
            stats.renderings += 1
            rendering = asyncio.ensure_future(self.render(context, root))
            renderings[key] = rendering
        # Shielded: a subscriber that leaves mid-render must not cancel the others' rendering.
        return asyncio.shield(rendering)

    async def render(self, context: object, root: object) -> Rendered:
        request_id = str(getattr(context, "request_id", "unknown"))
        try:
            executor = SnapshotExecutor.build(
                self._schema,
                self._document,
                None,
                context,
                self._variables,
                self._operation_name,
            )
            if isinstance(executor, list):
                errors: list[GraphQLError] = executor
                shaped = [shape_error(error, request_id).formatted for error in errors]
                return Rendered(_encode({"data": None, "errors": shaped}), None, ok=False)
            outcome = executor.build_per_event_executor(root).execute_operation(False)
            if executor.is_awaitable(outcome):
                outcome = await outcome
            if not isinstance(outcome, ExecutionResult):
                # Incremental delivery (@defer, @stream), which the schema does not enable.
                raise TypeError(f"a snapshot renders to one result, not {type(outcome).__name__}")
            result = outcome
        except Exception as error:
            shaped_error = shape_error(GraphQLError(str(error), original_error=error), request_id)
            return Rendered(_encode({"data": None, "errors": [shaped_error.formatted]}), None, ok=False)
        data = result.data
        payload: dict[str, Any] = {"data": data}
        if result.errors:
            payload["errors"] = [shape_error(e, request_id).formatted for e in result.errors]
        return Rendered(_encode(payload), data, ok=not result.errors)

    def parts(self, rendered: Rendered) -> tuple[str, ...] | None:
        """A caller's `myBooking` answers, encoded, cut out of a rendering made with their booking."""
        assert self.splice_keys is not None
        if not rendered.ok or rendered.data is None:
            return None
        root = rendered.data.get(self.root_key)
        if not isinstance(root, dict):
            return None
        return tuple(_encode(root.get(key)) for key in self.splice_keys)


def splice(template: tuple[str, ...], parts: tuple[str, ...]) -> str:
    pieces = [template[0]]
    for part, piece in zip(parts, template[1:], strict=True):
        pieces.append(part)
        pieces.append(piece)
    return "".join(pieces)


class _PlanCache:
    """Shareability per (document text, operation name): computed once, not per subscriber."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[str, str | None], Shareability] = OrderedDict()

    def get(self, key: tuple[str, str | None], compute: Callable[[], Shareability]) -> Shareability:
        found = self._entries.get(key)
        if found is None:
            found = compute()
            self._entries[key] = found
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        else:
            self._entries.move_to_end(key)
        return found


_plans = _PlanCache(_PLAN_CACHE_SIZE)


def shared_renderer(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    root_field: FieldNode,
    root_type: GraphQLObjectType,
    query: str,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
) -> tuple[SharedRenderer, bool] | None:
    """A renderer for this subscription when its selection may be shared, with whether it asks for myBooking."""
    plan = _plans.get(
        (query, operation_name),
        lambda: shareability(schema, root_type, root_field.selection_set, fragments),
    )
    if not plan.shareable:
        return None
    try:
        group: Hashable = (query, operation_name, json.dumps(variables or {}, sort_keys=True))
    except (TypeError, ValueError):
        return None
    document = DocumentNode(definitions=(operation, *fragments.values()))
    root_key = root_field.alias.value if root_field.alias else root_field.name.value
    stats.shared_subscriptions += 1
    renderer = SharedRenderer(schema, document, operation_name, variables, group, root_key, plan.splice_keys)
    return renderer, plan.uses_my_booking


def new_request_id() -> str:
    return uuid.uuid4().hex


class SnapshotContext:
    """What a shared rendering resolves with: loaders primed from the snapshot, and no caller at all.

    Only caller-independent fields are rendered with it (see `shareability`), plus `myBooking`, whose loader is
    primed with the booking the rendering's key names. A load that was not primed reads the database on a
    short session of its own, as a WebSocket operation's context does.
    """

    def __init__(self, database: Database) -> None:
        self.database = database
        self.request_id = new_request_id()
        self.loaders = Loaders(cast("Context", self))

    async def call(
        self, operation: Callable[Concatenate[AsyncSession, P], Awaitable[T]], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        async with self.database.sessions() as session:
            return await operation(session, *args, **kwargs)

    async def current_user(self) -> None:
        return None

    async def actor(self) -> Actor:
        return Actor.anonymous()

    def as_context(self) -> Context:
        return cast("Context", self)
