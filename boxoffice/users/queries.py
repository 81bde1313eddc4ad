"""Read-only user queries for the API: batches for loaders and the admin's user list."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.auth.actor import Actor
from boxoffice.db.models import User
from boxoffice.errors import BadUserInput, Forbidden


@dataclass(frozen=True)
class UserPage:
    users: list[User]
    has_next_page: bool


async def users_by_ids(session: AsyncSession, user_ids: list[int]) -> dict[int, User]:
    if not user_ids:
        return {}
    rows = await session.execute(select(User).where(User.id.in_(user_ids)))
    return {user.id: user for user in rows.scalars()}


def _after_id(after: str | None) -> int:
    if after is None:
        return 0
    if not after.isascii() or not after.isdigit() or len(after) > 18:
        raise BadUserInput("after is not a cursor this API gave out")
    return int(after)


async def list_users(
    session: AsyncSession, actor: Actor, *, first: int, after: str | None, max_page_size: int
) -> UserPage:
    """Real (non-synthetic) users in id order, for ADMINs; the cursor is the last id seen."""
    if not actor.is_admin:
        raise Forbidden("Only admins can do this")
    if not 1 <= first <= max_page_size:
        raise BadUserInput(f"first must be between 1 and {max_page_size}, got {first}")
    query = select(User).where(User.synthetic.is_(False), User.id > _after_id(after)).order_by(User.id).limit(first + 1)
    users = list((await session.execute(query)).scalars())
    return UserPage(users[:first], has_next_page=len(users) > first)
