"""Which subscription selections may be rendered once and shared: decided from the document alone."""

from __future__ import annotations

from graphql import FieldNode, GraphQLObjectType, OperationDefinitionNode, get_named_type, parse

from boxoffice.api.fanout import Shareability, shareability
from boxoffice.config import Settings
from boxoffice.schema.root import build_schema


def _of(query: str) -> Shareability:
    schema = build_schema(Settings())._schema
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {d.name.value: d for d in document.definitions if d.kind == "fragment_definition"}  # type: ignore[attr-defined]
    root = operation.selection_set.selections[0]
    assert isinstance(root, FieldNode) and schema.subscription_type is not None
    event_type = get_named_type(schema.subscription_type.fields[root.name.value].type)
    assert isinstance(event_type, GraphQLObjectType)
    return shareability(schema, event_type, root.selection_set, fragments)  # type: ignore[arg-type]


def test_plain_fields_and_the_organizer_are_shared() -> None:
    assert _of('subscription { eventUpdates(eventId: "1") { id title organizer { name } __typename } }') == (
        Shareability(shareable=True, uses_my_booking=False)
    )


def test_my_booking_is_shared_by_booking_through_fragments_too() -> None:
    query = """
    subscription { eventUpdates(eventId: "1") { ...E } }
    fragment E on Event { seatsRemaining ... on Event { myBooking { id status waitlistPosition event { id } } } }
    """
    # Its event changes with every snapshot: each booking gets a whole rendering, not a spliced answer.
    assert _of(query) == Shareability(shareable=True, uses_my_booking=True, splice_keys=None)


def test_a_field_behind_a_permission_check_is_not_shared() -> None:
    assert not _of('subscription { eventUpdates(eventId: "1") { id bookings { id } } }').shareable
    fragment = 'subscription { eventUpdates(eventId: "1") { ...B } } fragment B on Event { bookings { id } }'
    assert not _of(fragment).shareable


def test_my_booking_is_spliced_only_when_it_selects_the_booking_own_fields() -> None:
    spliced = 'subscription { eventUpdates(eventId: "1") { id mine: myBooking { id waitlistPosition } } }'
    assert _of(spliced).splice_keys == ("mine",)
    nested = 'subscription { eventUpdates(eventId: "1") { id myBooking { id event { seatsRemaining } } } }'
    assert _of(nested) == Shareability(shareable=True, uses_my_booking=True, splice_keys=None)
    directive = 'subscription ($s: Boolean!) { eventUpdates(eventId: "1") { id @skip(if: $s) myBooking { id } } }'
    assert _of(directive).splice_keys is None
