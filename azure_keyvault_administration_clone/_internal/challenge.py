"""Key Vault bearer challenges: parsing, resource verification and a cache.

A Key Vault or Managed HSM returns 401 to a request without a token, with
``WWW-Authenticate: Bearer authorization="https://login.microsoftonline.com/
<tenant>", resource="https://managedhsm.azure.net"``. The client asks its
credential for a token for that resource (or ``scope``) in that tenant.
"""

import base64
import binascii
import json
import re
import threading
from typing import Dict, Optional
from urllib.parse import urlsplit

_PARAMETER = re.compile(r'([A-Za-z_][\w-]*)\s*=\s*(?:"([^"]*)"|([^\s,"]*))')


class HttpChallenge:
    """A parsed ``WWW-Authenticate: Bearer ...`` header.

    :param str header: The header value.
    :raises ValueError: if the header is not a Bearer challenge with any
        parameters.
    """

    def __init__(self, header: str) -> None:
        scheme, _, rest = header.strip().partition(" ")
        if scheme.lower() != "bearer":
            raise ValueError(f"Not a Bearer challenge: '{scheme}'")
        self.parameters: Dict[str, str] = {}
        for match in _PARAMETER.finditer(rest):
            name, quoted, bare = match.groups()
            self.parameters[name.lower()] = quoted if quoted is not None else bare
        if not self.parameters:
            raise ValueError("The Bearer challenge has no parameters")

        self.authorization_uri = self.parameters.get(
            "authorization"
        ) or self.parameters.get("authorization_uri", "")
        self.resource = self.parameters.get("resource", "")
        self.scope = self.parameters.get("scope", "")
        self.claims = _decode_claims(self.parameters.get("claims"))
        self.tenant_id = _tenant_from_authority(self.authorization_uri)

    @property
    def is_claims_challenge(self) -> bool:
        """Whether this is a CAE claims challenge with no resource or scope."""
        return self.claims is not None and not (self.resource or self.scope)

    def token_scope(self) -> str:
        """Return the token scope: ``scope``, else ``resource`` + ``/.default``."""
        if self.scope:
            return self.scope
        if self.resource:
            return self.resource.rstrip("/") + "/.default"
        return ""


def _tenant_from_authority(authority: str) -> Optional[str]:
    if not authority:
        return None
    segments = [segment for segment in urlsplit(authority).path.split("/") if segment]
    if not segments:
        return None
    tenant = segments[0]
    # AD FS authorities ("https://host/adfs") take no tenant id.
    if tenant.lower().endswith("adfs"):
        return None
    return tenant


def _decode_claims(encoded: Optional[str]) -> Optional[str]:
    """Decode the base64url ``claims`` parameter, padding optional."""
    if not encoded:
        return None
    padded = encoded + "=" * (-len(encoded) % 4)
    try:
        decoded = base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
        json.loads(decoded)
    except (binascii.Error, UnicodeError, ValueError):
        return None
    return decoded


def origin_key(url: str) -> str:
    """Return the cache key of a URL's host: lower-case, with port 443 dropped."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port
    if port is None or port == 443:
        return host
    return f"{host}:{port}"


def verify_challenge_resource(request_url: str, token_scope: str) -> None:
    """Check that a challenge's resource covers the request's host.

    The host must equal the resource's host or be a subdomain of it
    (``myhsm.managedhsm.azure.net`` for ``https://managedhsm.azure.net``),
    on the same port.

    :raises ValueError: if it is not, before any token is requested.
    """
    request = urlsplit(request_url)
    resource = urlsplit(
        token_scope if "://" in token_scope else f"https://{token_scope}"
    )
    request_host = (request.hostname or "").lower()
    resource_host = (resource.hostname or "").lower()
    same_port = (request.port or 443) == (resource.port or 443)
    covered = request_host == resource_host or request_host.endswith(
        "." + resource_host
    )
    if not (resource_host and covered and same_port):
        raise ValueError(
            f"The challenge resource '{resource.scheme}://{resource.netloc}' does not "
            f"match the requested host '{request.netloc}'. Make sure the vault URL is "
            "right, or pass verify_challenge_resource=False to the client to skip "
            "this check."
        )


class ChallengeCache:
    """Accepted challenges by host, shared by every client in the process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._challenges: Dict[str, HttpChallenge] = {}

    def get(self, url: str) -> Optional[HttpChallenge]:
        with self._lock:
            return self._challenges.get(origin_key(url))

    def set(self, url: str, challenge: HttpChallenge) -> None:
        with self._lock:
            self._challenges[origin_key(url)] = challenge

    def remove(self, url: str) -> None:
        with self._lock:
            self._challenges.pop(origin_key(url), None)

    def clear(self) -> None:
        with self._lock:
            self._challenges.clear()


CHALLENGE_CACHE = ChallengeCache()
