"""Signed access tokens (JWT, HMAC) and the signing secret behind them."""

from __future__ import annotations

import os
import secrets
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from jwt.algorithms import HMACAlgorithm

from boxoffice.config import DEVELOPMENT_SECRET, Settings
from boxoffice.errors import Unauthenticated

_REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "jti"]
_SECRET_FILE = "jwt_secret"


def _stored_secret(data_dir: Path) -> str:
    """A random secret kept in the data directory, created once, so tokens survive restarts.

    Several workers may start together: the file is written under a temporary name and linked into
    place, which fails if another process got there first; then everyone reads the same secret.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / _SECRET_FILE
    if not path.exists():
        temporary = data_dir / f".{_SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_text().strip()


def signing_secret(settings: Settings) -> str:
    """The configured secret; the development default is swapped for a stored random one outside production."""
    if settings.jwt_secret.strip() and settings.jwt_secret != DEVELOPMENT_SECRET:
        return settings.jwt_secret
    # Settings already refuses an empty or default secret in production; this is development or test, where
    # an empty BOXOFFICE_JWT_SECRET means "unset" rather than "sign with the empty key".
    return _stored_secret(settings.data_dir)


@dataclass(frozen=True)
class TokenSubject:
    user_id: int
    version: int


class VerifiedTokens:
    """Tokens whose signature and claims were already checked, with their subject and expiry: a bounded LRU.

    Only tokens that passed every check enter it, so a bad or forged token is checked (and refused) every time.
    A hit is still refused once the token's `exp` has passed, by the same rule PyJWT applies (`exp <= now`). What
    the token's account may do is not cached here: the caller's row is read per operation (api/context.py).
    """

    def __init__(self, capacity: int = 10_000, clock: Callable[[], float] = time.time) -> None:
        self.capacity = capacity
        self.clock = clock
        self._entries: OrderedDict[str, tuple[TokenSubject, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, token: object) -> bool:
        return token in self._entries

    def get(self, token: str) -> TokenSubject | None:
        """The cached subject; None when the token is unknown. UNAUTHENTICATED when it has expired meanwhile."""
        entry = self._entries.get(token)
        if entry is None:
            return None
        subject, expires_at = entry
        if expires_at <= self.clock():
            del self._entries[token]
            raise Unauthenticated(EXPIRED_MESSAGE)
        self._entries.move_to_end(token)
        return subject

    def put(self, token: str, subject: TokenSubject, expires_at: float) -> None:
        self._entries[token] = (subject, expires_at)
        self._entries.move_to_end(token)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)


EXPIRED_MESSAGE = "Your session has expired; sign in again"


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime


class _PreparedHMAC(HMACAlgorithm):
    """HMAC with our one secret vetted and encoded once. PyJWT prepares the key again on every decode otherwise:
    it checks the secret is not a PEM, SSH, DER or JWK key (parsing attempts that raise), ~40% of verifying a token
    here. Any other key is prepared (and vetted) as PyJWT always does."""

    def __init__(self, hash_alg: Callable[[], Any], secret: str) -> None:
        super().__init__(hash_alg)
        self._secret = secret
        self._prepared = super().prepare_key(secret)

    def prepare_key(self, key: str | bytes) -> bytes:
        return self._prepared if key is self._secret else super().prepare_key(key)


_HMAC_HASHES = {"HS256": HMACAlgorithm.SHA256, "HS384": HMACAlgorithm.SHA384, "HS512": HMACAlgorithm.SHA512}


def _decoder(secret: str, algorithm: str) -> jwt.PyJWT:
    """A PyJWT that knows only `algorithm`, with `secret` prepared once; every check is still PyJWT's own."""
    decoder = jwt.PyJWT()
    signatures = decoder._jws
    for name in list(signatures.get_algorithms()):
        signatures.unregister_algorithm(name)
    signatures.register_algorithm(algorithm, _PreparedHMAC(_HMAC_HASHES[algorithm], secret))
    return decoder


@dataclass(frozen=True)
class TokenCodec:
    secret: str
    algorithm: str
    issuer: str
    audience: str
    ttl: timedelta
    # Per process: a token is verified once, then its subject is looked up by the token's text until it expires.
    verified: VerifiedTokens = field(default_factory=VerifiedTokens, compare=False, repr=False)
    _decoder: jwt.PyJWT = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_decoder", _decoder(self.secret, self.algorithm))

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenCodec:
        return cls(
            secret=signing_secret(settings),
            algorithm=settings.jwt_algorithm,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            ttl=timedelta(minutes=settings.token_ttl_minutes),
        )

    def issue(self, user_id: int, now: datetime | None = None, *, version: int = 0) -> IssuedToken:
        """A token for `user_id`, carrying the user's token version (bumped by a password change)."""
        issued_at = (now or datetime.now(UTC)).replace(microsecond=0)
        expires_at = issued_at + self.ttl
        claims = {
            "sub": str(user_id),
            "ver": version,
            "iat": issued_at,
            "exp": expires_at,
            "iss": self.issuer,
            "aud": self.audience,
            "jti": uuid.uuid4().hex,
        }
        return IssuedToken(jwt.encode(claims, self.secret, algorithm=self.algorithm), expires_at)

    def user_id(self, token: str) -> int:
        """The user a token was issued to, or UNAUTHENTICATED with the reason."""
        return self.subject(token).user_id

    def subject(self, token: str) -> TokenSubject:
        """The user a token was issued to and the token version it carries, or UNAUTHENTICATED with the reason."""
        cached = self.verified.get(token)
        if cached is not None:
            return cached
        try:
            claims = self._decoder.decode(
                token,
                self.secret,
                # Only our own algorithm: never `none`, never an asymmetric one fed our secret as a public key.
                algorithms=[self.algorithm],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": _REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError as error:
            raise Unauthenticated(EXPIRED_MESSAGE) from error
        except jwt.InvalidAudienceError as error:
            raise Unauthenticated("This token was not issued for this API") from error
        except jwt.InvalidIssuerError as error:
            raise Unauthenticated("This token was not issued by this server") from error
        except jwt.InvalidTokenError as error:
            raise Unauthenticated("The token is invalid; sign in again") from error
        subject = claims["sub"]
        if not isinstance(subject, str) or not subject.isdigit():
            raise Unauthenticated("The token is invalid; sign in again")
        # Tokens issued before versions existed carry none: version 0, what every account started at.
        version = claims.get("ver", 0)
        if not isinstance(version, int) or isinstance(version, bool):
            raise Unauthenticated("The token is invalid; sign in again")
        verified = TokenSubject(int(subject), version)
        # `nbf` (never issued here) would make a token valid only later: such a token is checked every time.
        # `iat` was checked not to be in the future, and stays so; `exp` is what PyJWT compares, as an int.
        if "nbf" not in claims:
            self.verified.put(token, verified, float(int(claims["exp"])))
        return verified


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` value; None when there is none."""
    if header is None or not header.strip():
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Send the token as `Authorization: Bearer <token>`")
    return token.strip()
