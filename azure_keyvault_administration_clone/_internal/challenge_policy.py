"""Pipeline policy that authorizes requests through Key Vault challenges.

Protocol: the first request to a host goes out without a token and without
its body. The 401 response names the token's resource (or scope) and tenant.
The policy checks the resource against the request's host, caches the
challenge for the host, gets a token and sends the original request. Later
requests to the host use the cached challenge straight away. A 401 to an
authorized request is either a CAE claims challenge (get a token with those
claims and retry once) or a new Key Vault challenge, for example after the
vault moved to another tenant (accept it, get a token and retry; a claims
challenge may follow once more).

All per-request state lives in local variables and the pipeline request, so
one request's URL or body can never be sent with another request. The only
state on the policy object is the token cache, keyed by scope and tenant.
"""

import logging
import threading
import time
from typing import Any, Dict, Optional, Tuple, Union
from urllib.parse import urlsplit

from azure.core.credentials import AccessToken, AccessTokenInfo, TokenCredential
from azure.core.exceptions import ServiceRequestError
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import HTTPPolicy
from azure.core.rest import HttpRequest, HttpResponse

from .challenge import (
    CHALLENGE_CACHE,
    HttpChallenge,
    origin_key,
    verify_challenge_resource,
)

_LOGGER = logging.getLogger(__name__)

# A token is replaced when it has less than this many seconds left.
REFRESH_MARGIN_SECONDS = 300
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})

Token = Union[AccessToken, AccessTokenInfo]
TokenKey = Tuple[str, Optional[str]]


def require_https(url: str) -> None:
    """Raise before a token is attached to a URL that is not ``https``."""
    if urlsplit(url).scheme.lower() != "https":
        raise ServiceRequestError(
            "Bearer token authentication is not permitted for non-TLS protected "
            "(non-https) URLs. Use the https:// URL of the vault."
        )


def token_needs_refresh(token: Optional[Token]) -> bool:
    if token is None:
        return True
    now = time.time()
    refresh_on = getattr(token, "refresh_on", None)
    if refresh_on is not None and refresh_on <= now:
        return True
    return token.expires_on - now < REFRESH_MARGIN_SECONDS


def token_request_options(
    tenant_id: Optional[str], claims: Optional[str]
) -> Dict[str, Any]:
    options: Dict[str, Any] = {"enable_cae": True}
    if tenant_id:
        options["tenant_id"] = tenant_id
    if claims:
        options["claims"] = claims
    return options


def accept_challenge(url: str, challenge: HttpChallenge, *, verify: bool) -> None:
    """Verify a challenge, then cache it for the URL's host.

    A challenge that fails the resource check is never cached, so no later
    request can get a token for its resource.
    """
    scope = challenge.token_scope()
    if not scope:
        raise ValueError("The authentication challenge names no resource or scope")
    if verify:
        verify_challenge_resource(url, scope)
    CHALLENGE_CACHE.set(url, challenge)


def parse_challenge(response: HttpResponse) -> Optional[HttpChallenge]:
    """Return the Bearer challenge of a 401 response, or None."""
    if response.status_code != 401:
        return None
    header = response.headers.get("WWW-Authenticate")
    if not header:
        return None
    try:
        return HttpChallenge(header)
    except ValueError:
        _LOGGER.debug(
            "Ignoring a WWW-Authenticate header that is not a Bearer challenge"
        )
        return None


def bodiless_copy(request: HttpRequest) -> HttpRequest:
    """Copy a request without its body and Authorization, to elicit a challenge."""
    headers = {
        name: value
        for name, value in request.headers.items()
        if name.lower() not in ("authorization", "content-length")
    }
    if request.method.upper() in _BODY_METHODS:
        headers["Content-Length"] = "0"
    return HttpRequest(request.method, request.url, headers=headers)


def has_body(request: HttpRequest) -> bool:
    try:
        content = request.content
    except Exception:  # unusual request types: assume a body
        return True
    return content is not None and content != b"" and content != ""


class ProbeLocks:
    """One lock per host, so that concurrent first requests probe once."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: Dict[str, threading.Lock] = {}

    def for_url(self, url: str) -> threading.Lock:
        key = origin_key(url)
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())


_PROBE_LOCKS = ProbeLocks()


class ChallengeAuthPolicy(HTTPPolicy[HttpRequest, HttpResponse]):
    """Authorize requests to Key Vault and Managed HSM through bearer challenges.

    :param credential: Credential that provides access tokens.
    :type credential: ~azure.core.credentials.TokenCredential
    :keyword bool verify_challenge_resource: Whether a challenge's resource must
        cover the request's host. Defaults to True.
    """

    def __init__(self, credential: TokenCredential, **kwargs: Any) -> None:
        super().__init__()
        self._credential = credential
        self._verify = bool(kwargs.pop("verify_challenge_resource", True))
        self._tokens: Dict[TokenKey, Token] = {}
        self._token_lock = threading.Lock()

    def send(
        self, request: PipelineRequest[HttpRequest]
    ) -> PipelineResponse[HttpRequest, HttpResponse]:
        url = request.http_request.url
        require_https(url)
        request.http_request.headers.pop("Authorization", None)

        challenge = CHALLENGE_CACHE.get(url)
        if challenge is None:
            with _PROBE_LOCKS.for_url(url):
                challenge = CHALLENGE_CACHE.get(url)
                if challenge is None:
                    return self._send_first_request(request)

        self._authorize(request, challenge, claims=None, force=False)
        response = self.next.send(request)
        return self._handle_unauthorized(request, response, challenge)

    def _send_first_request(
        self, request: PipelineRequest[HttpRequest]
    ) -> PipelineResponse[HttpRequest, HttpResponse]:
        http_request = request.http_request
        if has_body(http_request):
            probe = PipelineRequest(bodiless_copy(http_request), request.context)
            response = self.next.send(probe)
        else:
            response = self.next.send(request)

        challenge = parse_challenge(response.http_response)
        if challenge is None or challenge.is_claims_challenge:
            # Not a Key Vault challenge: nothing to authorize with.
            return response
        accept_challenge(http_request.url, challenge, verify=self._verify)
        self._authorize(request, challenge, claims=None, force=False)
        response = self.next.send(request)
        return self._handle_unauthorized(request, response, challenge)

    def _handle_unauthorized(
        self,
        request: PipelineRequest[HttpRequest],
        response: PipelineResponse[HttpRequest, HttpResponse],
        used: HttpChallenge,
    ) -> PipelineResponse[HttpRequest, HttpResponse]:
        challenge = parse_challenge(response.http_response)
        if challenge is None:
            return response

        if challenge.is_claims_challenge:
            self._authorize(request, used, claims=challenge.claims, force=True)
            return self.next.send(request)

        # A new Key Vault challenge, for example after a tenant change.
        accept_challenge(request.http_request.url, challenge, verify=self._verify)
        self._authorize(request, challenge, claims=None, force=True)
        response = self.next.send(request)
        follow_up = parse_challenge(response.http_response)
        if follow_up is not None and follow_up.is_claims_challenge:
            self._authorize(request, challenge, claims=follow_up.claims, force=True)
            response = self.next.send(request)
        return response

    def _authorize(
        self,
        request: PipelineRequest[HttpRequest],
        challenge: HttpChallenge,
        *,
        claims: Optional[str],
        force: bool,
    ) -> None:
        scope = challenge.token_scope()
        if self._verify:
            # A cached challenge may come from a client that skipped the check.
            verify_challenge_resource(request.http_request.url, scope)
        token = self._token(scope, challenge.tenant_id, claims=claims, force=force)
        request.http_request.headers["Authorization"] = f"Bearer {token.token}"

    def _token(
        self,
        scope: str,
        tenant_id: Optional[str],
        *,
        claims: Optional[str],
        force: bool,
    ) -> Token:
        key = (scope, tenant_id)
        with self._token_lock:
            token = self._tokens.get(key)
            if token is None or force or claims or token_needs_refresh(token):
                token = self._request_token(scope, tenant_id, claims)
                self._tokens[key] = token
            return token

    def _request_token(
        self, scope: str, tenant_id: Optional[str], claims: Optional[str]
    ) -> Token:
        options = token_request_options(tenant_id, claims)
        get_token_info = getattr(self._credential, "get_token_info", None)
        if callable(get_token_info):
            token: Token = get_token_info(scope, options=options)
        else:
            token = self._credential.get_token(scope, **options)
        return token
