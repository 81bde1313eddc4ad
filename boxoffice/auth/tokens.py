"""Signed access tokens (JWT, HMAC) and the signing secret behind them."""

from __future__ import annotations

import os
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt

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


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime


@dataclass(frozen=True)
class TokenCodec:
    secret: str
    algorithm: str
    issuer: str
    audience: str
    ttl: timedelta

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
        try:
            claims = jwt.decode(
                token,
                self.secret,
                # Only our own algorithm: never `none`, never an asymmetric one fed our secret as a public key.
                algorithms=[self.algorithm],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": _REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError as error:
            raise Unauthenticated("Your session has expired; sign in again") from error
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
        return TokenSubject(int(subject), version)


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` value; None when there is none."""
    if header is None or not header.strip():
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Send the token as `Authorization: Bearer <token>`")
    return token.strip()
