"""The per-request GraphQL context: one session, the caller, and DataLoaders that batch within the request."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import cached_property
from typing import Any, Concatenate, ParamSpec, TypeVar

import asyncpg
from fastapi.requests import HTTPConnection
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.fastapi import BaseContext

from boxoffice.api.loaders import Loaders
from boxoffice.api.overload import BUSY_MESSAGE, Admission
from boxoffice.auth.actor import Actor
from boxoffice.auth.service import load_user, refuse_token_of
from boxoffice.auth.throttle import AuthThrottle
from boxoffice.auth.tokens import TokenCodec, TokenSubject, bearer_token
from boxoffice.config import Settings
from boxoffice.db.driver import KEEP_CONNECTION, driver_connection
from boxoffice.db.models import User
from boxoffice.db.session import Database
from boxoffice.errors import RateLimited, Unauthenticated
from boxoffice.live.hub import LiveHub
from boxoffice.live.read_cache import PublicReadCache

# How long a WebSocket connection trusts its last look at the caller's account (each operation reads it afresh:
# api/freshness.py); and how often a running subscription reads it again before a push.
_LONG_LIVED_USER_TTL_SECONDS = 5.0
SUBSCRIBER_RECHECK_SECONDS = 2.0

P = ParamSpec("P")
T = TypeVar("T")


class Context(BaseContext):
    def __init__(
        self,
        *,
        database: Database,
        settings: Settings,
        tokens: TokenCodec,
        throttle: AuthThrottle,
        connection: HTTPConnection,
        read_cache: PublicReadCache,
        live_hub: LiveHub,
        admission: Admission | None = None,
    ) -> None:
        super().__init__()
        self.database = database
        self.settings = settings
        self.tokens = tokens
        self.throttle = throttle
        # Opened on first use: a request served from the read cache never builds one.
        self._session: AsyncSession | None = None
        self.connection = connection
        self.read_cache = read_cache
        self.live_hub = live_hub
        # HTTP requests take a place in the database's line on first use and keep it to the end (api/overload.py).
        self._admission = admission
        self._admitted = False
        self._closed = False
        self._long_lived = connection.scope["type"] == "websocket"
        # One AsyncSession cannot run two statements at once, but sibling fields resolve concurrently.
        self._session_lock = asyncio.Lock()
        self._user_lookup: asyncio.Task[User | None] | None = None
        self._user_looked_up_at = 0.0
        self._actor: tuple[User | None, Actor] | None = None
        # Set by any database call of the request's own (not the read cache's loads): its answer may hold what
        # is not the same for every signed-out caller, or not announced by the feed (api/public_answers.py).
        self.read_beyond_public_cache = False

    @property
    def session(self) -> AsyncSession:
        """This request's session, opened on first use (closed by the context getter when the request ends)."""
        if self._session is None:
            self._session = self.database.sessions()
            # Closed when the request ends: its raw operations (the caller's read, then the booking, say) share
            # one checkout of the pooled connection rather than taking it from the pool again for each.
            self._session.info[KEEP_CONNECTION] = True
        return self._session

    @cached_property
    def request_id(self) -> str:
        """The id an unexpected error is logged and answered with; made on first use (most requests never need one:
        it was ~2% of a cached read)."""
        return uuid.uuid4().hex

    @cached_property
    def loaders(self) -> Loaders:
        """This request's DataLoaders, built on first use."""
        return Loaders(self)

    def forget_loaders(self) -> None:
        """Fresh DataLoaders on next use: each operation of a long-lived (WebSocket) context reads rows afresh."""
        self.__dict__.pop("loaders", None)

    async def close(self) -> None:
        """The request is over: its session (if any) closes, its place in the database's line goes on."""
        self._closed = True
        try:
            if self._session is not None:
                await self._session.close()
        finally:
            self.leave()

    async def call(
        self, operation: Callable[Concatenate[AsyncSession, P], Awaitable[T]], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run one service or query function on this request's session, one at a time."""
        self.read_beyond_public_cache = True
        return await self._call(operation, *args, **kwargs)

    async def _call(
        self, operation: Callable[Concatenate[AsyncSession, P], Awaitable[T]], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        if self._long_lived:
            # A WebSocket context lives as long as the connection, while its operations come and go and are
            # cancelled mid-read when a client completes them: each call gets its own short session, so a
            # cancelled one cannot leave a shared session unusable, and no pooled connection is held between.
            async with self.database.sessions() as session:
                return await operation(session, *args, **kwargs)
        async with self._session_lock:
            if not self._admitted and self._admission is not None:
                await self._admission.acquire()
                if self._closed:
                    # The request ended while this (shielded) lookup waited: its place goes straight back.
                    self._admission.release()
                    raise RateLimited(BUSY_MESSAGE)
                self._admitted = True
            return await operation(self.session, *args, **kwargs)

    def leave(self) -> None:
        """The request is over: its place in the database's line goes to the next in line."""
        if self._admitted and self._admission is not None:
            self._admitted = False
            self._admission.release()

    async def on_connection(self, read: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        """Run one read straight on this request's pooled asyncpg connection (as `call` does), then hand it back.

        For the public read cache's loads, which are public by construction: they leave the answer shareable."""
        return await self._call(_run_on_driver, read)

    async def release_connection(self) -> None:
        """End the request session's read-only transaction so its pooled connection is free during long work."""
        async with self._session_lock:
            if self._session is not None:
                await self._session.commit()

    def public_answers(self) -> PublicReadCache | None:
        """Where this request's answer may be kept for every signed-out caller, or found: over HTTP, without an
        Authorization header (a bad token must still be refused), None otherwise."""
        if self._long_lived or "authorization" in self.connection.headers:
            return None
        return self.read_cache

    @property
    def client_address(self) -> str | None:
        return self.connection.client.host if self.connection.client else None

    def _authorization(self) -> str | None:
        # On WebSocket the token arrives in the connection_init payload, after this context was built.
        params = self.connection_params
        if isinstance(params, dict):
            value = params.get("Authorization") or params.get("authorization")
            if value is not None:
                return str(value)
        return self.connection.headers.get("authorization")

    async def _lookup_user(self) -> User | None:
        token = bearer_token(self._authorization())
        if token is None:
            return None
        subject = self.tokens.subject(token)
        return refuse_token_of(await self.call(load_user, subject.user_id), subject.version)

    def token_subject(self) -> TokenSubject | None:
        """Who the caller's token says they are (signature and expiry checked), None when no token was sent; the
        account is not read: for an operation that reads and checks it itself (bookEvent, under its lock)."""
        token = bearer_token(self._authorization())
        return None if token is None else self.tokens.subject(token)

    async def current_user(self) -> User | None:
        """The signed-in caller, None when no token was sent; a token that was sent but is bad is UNAUTHENTICATED.

        Looked up once per request (concurrent callers share the lookup); on a WebSocket, whose context lasts
        as long as the connection, again once the last lookup is a few seconds old, so a role change or a
        deleted account also reaches open connections.
        """
        stale = self._long_lived and time.monotonic() - self._user_looked_up_at > _LONG_LIVED_USER_TTL_SECONDS
        if self._user_lookup is None or stale:
            self._user_lookup = asyncio.ensure_future(self._lookup_user())
            self._user_looked_up_at = time.monotonic()
        # Shielded: one cancelled field must not cancel the lookup the other fields are waiting on.
        return await asyncio.shield(self._user_lookup)

    async def require_user(self) -> User:
        user = await self.current_user()
        if user is None:
            raise Unauthenticated("Sign in first: this needs a valid token (`Authorization: Bearer <token>`)")
        return user

    async def actor(self) -> Actor:
        """The caller's rights for this operation, built from the account as read for it (see current_user)."""
        user = await self.current_user()
        if self._actor is None or self._actor[0] is not user:
            self._actor = (user, Actor.anonymous() if user is None else Actor.user(user.id, user.role))
        return self._actor[1]

    async def recheck_subscriber(self) -> User | None:
        """Before a subscription's push: the caller as they are now, or UNAUTHENTICATED when the token has expired
        or the account is gone (which ends the subscription with that error). The token is checked every time,
        the account read again at most every few seconds (one primary-key read), so a role change or a deletion
        reaches a stream within seconds without a read per push."""
        token = bearer_token(self._authorization())
        if token is None:
            return None
        self.tokens.user_id(token)  # UNAUTHENTICATED once expired
        if time.monotonic() - self._user_looked_up_at > SUBSCRIBER_RECHECK_SECONDS:
            self.forget_user()
        return await self.current_user()

    def forget_user(self) -> None:
        """Look the caller up again on next use, e.g. per operation on a long-lived WebSocket."""
        self._user_lookup = None
        # The Actor too: a re-read may refresh the very same User object in the session, with a new role.
        self._actor = None


async def _run_on_driver(session: AsyncSession, read: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
    async with driver_connection(session) as connection:
        return await read(connection)


def build_context(app_state: Any, connection: HTTPConnection) -> Context:
    """A request's (or a WebSocket connection's) context; its owner calls `close()` when it is over."""
    return Context(
        database=app_state.database,
        settings=app_state.settings,
        tokens=app_state.tokens,
        throttle=app_state.auth_throttle,
        connection=connection,
        read_cache=app_state.read_cache,
        live_hub=app_state.live_hub,
        admission=app_state.admission if connection.scope["type"] == "http" else None,
    )


def make_context_getter(
    app_state: Any,
) -> Callable[[HTTPConnection], AsyncIterator[Context]]:
    """The FastAPI dependency Strawberry calls for every HTTP request and every WebSocket connection."""

    async def context_getter(connection: HTTPConnection) -> AsyncIterator[Context]:
        context = build_context(app_state, connection)
        try:
            yield context
        finally:
            await context.close()

    return context_getter
