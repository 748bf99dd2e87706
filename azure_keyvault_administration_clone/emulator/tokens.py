"""Access tokens: HS256 JWTs signed with a secret kept in the emulator's database."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any, Collection, Dict

import jwt

from .options import TOKEN_LIFETIME_SECONDS

ALGORITHM = "HS256"


class InvalidTokenError(Exception):
    """A bearer token that is malformed, forged, expired or for another audience."""


@dataclass(frozen=True)
class TokenIssuer:
    """Mints and validates the emulator's access tokens.

    :ivar secret: HMAC key; tokens from another data directory fail validation.
    :ivar tenant_id: Value of the ``tid`` claim.
    """

    secret: bytes
    tenant_id: str

    def mint(
        self,
        principal_id: str,
        audience: str,
        *,
        lifetime: int = TOKEN_LIFETIME_SECONDS,
    ) -> str:
        """Return a token for ``principal_id`` valid for ``lifetime`` seconds."""
        now = int(time.time())
        claims: Dict[str, Any] = {
            "aud": audience,
            "exp": now + lifetime,
            "iat": now,
            "nbf": now,
            "iss": f"https://sts.windows.net/{self.tenant_id}/",
            "oid": principal_id,
            "sub": principal_id,
            "tid": self.tenant_id,
            "uti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self.secret, algorithm=ALGORITHM)

    def validate(self, token: str, audiences: Collection[str]) -> Dict[str, Any]:
        """Return the claims of ``token`` or raise :class:`InvalidTokenError`.

        The signature, ``exp``, ``nbf`` and an ``aud`` equal to one of
        ``audiences`` (ignoring a trailing slash) are checked, and ``oid`` must
        be a non-empty string.
        """
        try:
            claims: Dict[str, Any] = jwt.decode(
                token,
                self.secret,
                algorithms=[ALGORITHM],
                options={"verify_aud": False, "require": ["exp", "iat", "oid", "aud"]},
                leeway=5,
            )
        except jwt.PyJWTError as error:
            raise InvalidTokenError(f"token rejected: {error}") from error
        audience = claims.get("aud")
        if not isinstance(audience, str) or audience.rstrip("/") not in {
            value.rstrip("/") for value in audiences
        }:
            raise InvalidTokenError(f"token audience {audience!r} is not accepted")
        principal = claims.get("oid")
        if not isinstance(principal, str) or not principal:
            raise InvalidTokenError("token has no oid claim")
        return claims
