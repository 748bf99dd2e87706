"""Async pipeline policy that authorizes requests through Key Vault challenges.

It follows the protocol of :class:`~.challenge_policy.ChallengeAuthPolicy`
and reuses its helpers: a bodiless first request per host, resource
verification before a challenge is cached, CAE claims challenges, new Key
Vault challenges (for example after a tenant change) and token refresh.

Concurrent requests on one event loop share two kinds of ``asyncio.Lock``.
A per-host lock is held for the first request's whole challenge round trip,
so the other requests find the cached challenge instead of probing again.
A per-policy lock around token acquisition makes them reuse one token.
asyncio locks must not be shared between event loops, and a client may be
built outside any loop or used by several loops in turn (successive
``asyncio.run`` calls). So the locks are created inside the running loop on
first use and kept per loop.
"""

import asyncio
import logging
import threading
import weakref
from typing import Any, Dict, Optional

from azure.core.credentials_async import AsyncTokenCredential
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import AsyncHTTPPolicy
from azure.core.rest import AsyncHttpResponse, HttpRequest

from .challenge import (
    CHALLENGE_CACHE,
    HttpChallenge,
    origin_key,
    verify_challenge_resource,
)
from .challenge_policy import (
    Token,
    TokenKey,
    accept_challenge,
    bodiless_copy,
    has_body,
    parse_challenge,
    require_https,
    token_needs_refresh,
    token_request_options,
)

_LOGGER = logging.getLogger(__name__)

AsyncPipelineResponse = PipelineResponse[HttpRequest, AsyncHttpResponse]


class LoopLocalLocks:
    """``asyncio.Lock`` objects by key, one set per running event loop."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, Dict[str, asyncio.Lock]
        ] = weakref.WeakKeyDictionary()

    def get(self, key: str) -> asyncio.Lock:
        """Return the lock for ``key`` in the running loop, creating it if needed.

        :raises RuntimeError: if no event loop is running.
        """
        loop = asyncio.get_running_loop()
        # The guard is a thread lock because loops in other threads share the map.
        with self._guard:
            locks = self._locks.setdefault(loop, {})
            lock = locks.get(key)
            if lock is None:
                lock = locks[key] = asyncio.Lock()
            return lock


# Shared by every async client in the process, as the challenge cache is.
_PROBE_LOCKS = LoopLocalLocks()


class AsyncChallengeAuthPolicy(AsyncHTTPPolicy[HttpRequest, AsyncHttpResponse]):
    """Authorize requests to Key Vault and Managed HSM through bearer challenges.

    :param credential: Credential that provides access tokens, with an async
        ``get_token_info`` or ``get_token`` method.
    :type credential: ~azure.core.credentials_async.AsyncTokenCredential
    :keyword bool verify_challenge_resource: Whether a challenge's resource must
        cover the request's host. Defaults to True.
    """

    def __init__(self, credential: AsyncTokenCredential, **kwargs: Any) -> None:
        super().__init__()
        self._credential = credential
        self._verify = bool(kwargs.pop("verify_challenge_resource", True))
        self._tokens: Dict[TokenKey, Token] = {}
        self._token_locks = LoopLocalLocks()

    async def send(
        self, request: PipelineRequest[HttpRequest]
    ) -> AsyncPipelineResponse:
        url = request.http_request.url
        require_https(url)
        request.http_request.headers.pop("Authorization", None)

        challenge = CHALLENGE_CACHE.get(url)
        if challenge is None:
            async with _PROBE_LOCKS.get(origin_key(url)):
                challenge = CHALLENGE_CACHE.get(url)
                if challenge is None:
                    return await self._send_first_request(request)

        await self._authorize(request, challenge, claims=None, force=False)
        response = await self.next.send(request)
        return await self._handle_unauthorized(request, response, challenge)

    async def _send_first_request(
        self, request: PipelineRequest[HttpRequest]
    ) -> AsyncPipelineResponse:
        http_request = request.http_request
        if has_body(http_request):
            probe = PipelineRequest(bodiless_copy(http_request), request.context)
            response = await self.next.send(probe)
        else:
            response = await self.next.send(request)

        challenge = parse_challenge(response.http_response)  # type: ignore[arg-type]
        if challenge is None or challenge.is_claims_challenge:
            # Not a Key Vault challenge, so there is nothing to authorize with.
            return response
        accept_challenge(http_request.url, challenge, verify=self._verify)
        await self._authorize(request, challenge, claims=None, force=False)
        response = await self.next.send(request)
        return await self._handle_unauthorized(request, response, challenge)

    async def _handle_unauthorized(
        self,
        request: PipelineRequest[HttpRequest],
        response: AsyncPipelineResponse,
        used: HttpChallenge,
    ) -> AsyncPipelineResponse:
        challenge = parse_challenge(response.http_response)  # type: ignore[arg-type]
        if challenge is None:
            return response

        if challenge.is_claims_challenge:
            await self._authorize(request, used, claims=challenge.claims, force=True)
            return await self.next.send(request)

        # A new Key Vault challenge, for example after a tenant change.
        accept_challenge(request.http_request.url, challenge, verify=self._verify)
        await self._authorize(request, challenge, claims=None, force=True)
        response = await self.next.send(request)
        follow_up = parse_challenge(response.http_response)  # type: ignore[arg-type]
        if follow_up is not None and follow_up.is_claims_challenge:
            await self._authorize(
                request, challenge, claims=follow_up.claims, force=True
            )
            response = await self.next.send(request)
        return response

    async def _authorize(
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
        token = await self._token(
            scope, challenge.tenant_id, claims=claims, force=force
        )
        request.http_request.headers["Authorization"] = f"Bearer {token.token}"

    async def _token(
        self,
        scope: str,
        tenant_id: Optional[str],
        *,
        claims: Optional[str],
        force: bool,
    ) -> Token:
        key = (scope, tenant_id)
        async with self._token_locks.get("token"):
            token = self._tokens.get(key)
            if token is None or force or claims or token_needs_refresh(token):
                token = await self._request_token(scope, tenant_id, claims)
                self._tokens[key] = token
            return token

    async def _request_token(
        self, scope: str, tenant_id: Optional[str], claims: Optional[str]
    ) -> Token:
        options = token_request_options(tenant_id, claims)
        _LOGGER.debug("Requesting a token for %s (tenant %s)", scope, tenant_id)
        get_token_info = getattr(self._credential, "get_token_info", None)
        if callable(get_token_info):
            token: Token = await get_token_info(scope, options=options)
        else:
            token = await self._credential.get_token(scope, **options)
        return token
