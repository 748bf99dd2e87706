"""Shared construction and request handling of the async clients."""

import copy
import logging
from typing import Any, AsyncIterator, Optional, Tuple

from azure.core import AsyncPipelineClient
from azure.core.async_paging import AsyncItemPaged, AsyncList
from azure.core.credentials_async import AsyncTokenCredential
from azure.core.pipeline.policies import AsyncRedirectPolicy, AsyncRetryPolicy
from azure.core.rest import AsyncHttpResponse, HttpRequest

from .api_version import DEFAULT_VERSION, validate_api_version
from .async_challenge_policy import AsyncChallengeAuthPolicy
from .client_base import (
    build_configuration,
    next_page_request,
    read_list_page,
    resolve_url,
    validate_credential,
    validate_vault_url,
    with_api_version,
)
from .errors import raise_for_response

_LOGGER = logging.getLogger(__name__)


class AsyncKeyVaultClientBase:
    """Pipeline, vault URL and API version shared by the async clients."""

    def __init__(
        self, vault_url: str, credential: AsyncTokenCredential, **kwargs: Any
    ) -> None:
        validate_credential(credential, async_credential=True)
        self._vault_url = validate_vault_url(vault_url)
        self.api_version: str = validate_api_version(
            kwargs.pop("api_version", DEFAULT_VERSION)
        )

        verify = kwargs.pop("verify_challenge_resource", True)
        auth_policy = kwargs.pop(
            "authentication_policy", None
        ) or AsyncChallengeAuthPolicy(credential, verify_challenge_resource=verify)
        config = build_configuration(
            auth_policy,
            retry_policy_type=AsyncRetryPolicy,
            redirect_policy_type=AsyncRedirectPolicy,
            **kwargs,
        )
        transport = kwargs.pop("transport", None)
        if transport is None:
            from .httpx_transport import AsyncHttpxTransport

            transport = AsyncHttpxTransport(**kwargs)
        self._client: AsyncPipelineClient[HttpRequest, AsyncHttpResponse] = (
            AsyncPipelineClient(
                base_url=self._vault_url, config=config, transport=transport, **kwargs
            )
        )

    @property
    def vault_url(self) -> str:
        """URL of the vault or Managed HSM the client operates on."""
        return self._vault_url

    async def close(self) -> None:
        """Close the sockets the client opened.

        Calling it is unnecessary when the client is used as an async context
        manager. The credential is not closed: close it separately.
        """
        await self._client.close()

    async def __aenter__(self) -> "AsyncKeyVaultClientBase":
        await self._client.__aenter__()
        return self

    async def __aexit__(self, *args: Any) -> None:
        await self._client.__aexit__(*args)

    async def send_request(
        self, request: HttpRequest, *, stream: bool = False, **kwargs: Any
    ) -> AsyncHttpResponse:
        """Send a custom request through the client's pipeline.

        A relative URL is resolved against the vault URL, and the client's
        ``api-version`` is added unless the URL already has one. The
        response is returned whatever its status; call its
        ``raise_for_status()`` to raise for an error status.

        :param request: The request to send.
        :type request: ~azure.core.rest.HttpRequest
        :keyword bool stream: Whether to stream the response body. Defaults to False.
        :return: The response.
        :rtype: ~azure.core.rest.AsyncHttpResponse
        """
        request_copy = copy.deepcopy(request)
        request_copy.url = with_api_version(
            resolve_url(self._vault_url, request_copy.url),
            self.api_version,
            overwrite=False,
        )
        return await self._client.send_request(request_copy, stream=stream, **kwargs)

    async def _send(
        self, request: HttpRequest, expected: Tuple[int, ...], **kwargs: Any
    ) -> AsyncHttpResponse:
        """Send an operation's request and raise for an unexpected status."""
        request.url = resolve_url(self._vault_url, request.url)
        response = await self._client.send_request(request, **kwargs)
        if response.status_code not in expected:
            raise_for_response(response)
        return response

    def _paged(
        self,
        first_request: HttpRequest,
        convert: Any,
        **kwargs: Any,
    ) -> AsyncItemPaged[Any]:
        """Page through a ``{"value": [...], "nextLink": ...}`` list.

        No request is sent until the first item is requested.
        """

        async def get_next(next_link: Optional[str]) -> AsyncHttpResponse:
            if next_link is None:
                request = copy.deepcopy(first_request)
            else:
                request = next_page_request(next_link, self.api_version)
            return await self._send(request, (200,), **kwargs)

        async def extract_data(
            response: AsyncHttpResponse,
        ) -> Tuple[Optional[str], AsyncIterator[Any]]:
            next_link, items = read_list_page(response, convert)
            return next_link, AsyncList(items)

        return AsyncItemPaged(get_next, extract_data)
