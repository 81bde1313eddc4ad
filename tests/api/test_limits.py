"""Abusive queries are refused before they run."""

from __future__ import annotations

from boxoffice.db.models import Role


async def test_a_query_deeper_than_the_limit_is_refused(gql, api_settings) -> None:
    nesting = api_settings.max_query_depth
    query = "{ events { edges { node { " + "myBooking { event { " * nesting + "id" + " } }" * nesting + " } } } }"
    reply = await gql(query)
    assert reply.codes == ["BAD_USER_INPUT"]
    assert "depth" in reply.errors[0]["message"]
    assert reply.data is None


async def test_a_query_within_the_depth_limit_runs(gql) -> None:
    reply = await gql("{ events { edges { node { myBooking { event { organizer { name } } } } } } }")
    assert reply.errors == []


async def test_too_many_aliases_are_refused(gql, api_settings) -> None:
    fields = " ".join(f"a{n}: me {{ id }}" for n in range(api_settings.max_aliases + 1))
    reply = await gql("{ " + fields + " }")
    assert reply.codes == ["BAD_USER_INPUT"]
    assert "aliases" in reply.errors[0]["message"]


async def test_too_many_tokens_are_refused(gql, api_settings) -> None:
    reply = await gql("{ me { " + "id " * api_settings.max_tokens + "} }")
    assert reply.codes == ["BAD_USER_INPUT"]
    assert "token" in reply.errors[0]["message"].lower()


async def test_first_is_capped(gql, api_settings, make_user, token_for) -> None:
    token = token_for(await make_user(Role.ADMIN))
    for first in (api_settings.max_page_size + 1, 0, -1):
        events = await gql("query($n: Int!) { events(first: $n) { edges { cursor } } }", {"n": first})
        assert events.codes == ["BAD_USER_INPUT"]
        assert f"between 1 and {api_settings.max_page_size}" in events.errors[0]["message"]
        users = await gql("query($n: Int!) { users(first: $n) { edges { cursor } } }", {"n": first}, token=token)
        assert users.codes == ["BAD_USER_INPUT"]


async def test_a_forged_cursor_is_bad_input(gql) -> None:
    reply = await gql('{ events(after: "not-a-cursor") { edges { cursor } } }')
    assert reply.codes == ["BAD_USER_INPUT"]


async def test_pages_follow_one_another(gql, make_event) -> None:
    created = [await make_event() for _ in range(5)]
    seen: list[str] = []
    after = None
    while True:
        reply = await gql(
            "query($a: String) { events(first: 2, after: $a) "
            "{ edges { node { id } } pageInfo { hasNextPage endCursor } } }",
            {"a": after},
        )
        page = reply.data["events"]
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert sorted(seen, key=int) == [str(event.id) for event in created]
