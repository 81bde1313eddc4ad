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
from boxoffice.db.session import Database
from boxoffice.resolvers.loaders import Loaders

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


def shareability(
    schema: GraphQLSchema,
    root_type: GraphQLObjectType,
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> Shareability:
    """Whether what `selection_set` selects below `root_type` is the same for every caller, but `myBooking`."""
    uses_my_booking = False
    seen_fragments: set[str] = set()

    def walk(parent: GraphQLObjectType, selections: SelectionSetNode | None) -> bool:
        nonlocal uses_my_booking
        if selections is None:
            return True
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                if not _is_caller_independent(parent, name, schema):
                    return False
                if (parent.name, name) == MY_BOOKING:
                    uses_my_booking = True
                if name == "__typename":
                    continue
                child = get_named_type(parent.fields[name].type)
                if selection.selection_set is not None:
                    if not isinstance(child, GraphQLObjectType) or not walk(child, selection.selection_set):
                        return False
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if condition is not None and condition.name.value != parent.name:
                    return False
                if not walk(parent, selection.selection_set):
                    return False
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = fragments.get(name)
                if fragment is None or fragment.type_condition.name.value != parent.name:
                    return False
                if name in seen_fragments:
                    continue
                seen_fragments.add(name)
                if not walk(parent, fragment.selection_set):
                    return False
            else:
                return False
        return True

    shareable = walk(root_type, selection_set)
    return Shareability(shareable, uses_my_booking)


def _encode(payload: Mapping[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


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
    ) -> None:
        self._schema = schema
        self._document = document
        self._operation_name = operation_name
        self._variables = dict(variables or {})
        self._group = group

    def payload(
        self,
        renderings: dict[Hashable, asyncio.Future[str]],
        variant: Hashable,
        build: Callable[[], tuple[object, object]],
    ) -> Awaitable[str]:
        """The encoded `next` payload for this group and `variant` of the snapshot whose `renderings` these are.

        `build` gives the rendering's context and root value; it is called only by the first subscriber.
        """
        key = (self._group, variant)
        rendering = renderings.get(key)
        if rendering is None:
            context, root = build()
            stats.renderings += 1
            rendering = asyncio.ensure_future(self._render(context, root))
            renderings[key] = rendering
        # Shielded: a subscriber that leaves mid-render must not cancel the others' rendering.
        return asyncio.shield(rendering)

    async def _render(self, context: object, root: object) -> str:
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
                return _encode({"data": None, "errors": [shape_error(e, request_id).formatted for e in errors]})
            result = executor.build_per_event_executor(root).execute_operation(False)
            if executor.is_awaitable(result):
                result = await result
        except Exception as error:
            shaped = shape_error(GraphQLError(str(error), original_error=error), request_id)
            return _encode({"data": None, "errors": [shaped.formatted]})
        payload: dict[str, Any] = {"data": result.data}  # type: ignore[union-attr]
        if result.errors:  # type: ignore[union-attr]
            payload["errors"] = [shape_error(e, request_id).formatted for e in result.errors]  # type: ignore[union-attr]
        return _encode(payload)


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
    stats.shared_subscriptions += 1
    return SharedRenderer(schema, document, operation_name, variables, group), plan.uses_my_booking


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

    def as_context(self) -> Context:
        return cast("Context", self)
