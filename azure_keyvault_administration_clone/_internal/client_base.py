"""Shared construction and request handling of the sync clients."""

import copy
import logging
from typing import (
    Any,
    Callable,
    Iterable,
    Iterator,
    List,
    Optional,
    Tuple,
    TypeVar,
    Union,
)
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from azure.core import PipelineClient
from azure.core.configuration import Configuration
from azure.core.credentials import TokenCredential
from azure.core.paging import ItemPaged
from azure.core.pipeline.policies import (
    CustomHookPolicy,
    HeadersPolicy,
    HttpLoggingPolicy,
    ProxyPolicy,
    RedirectPolicy,
    RetryPolicy,
    UserAgentPolicy,
)
from azure.core.rest import AsyncHttpResponse, HttpRequest, HttpResponse

from .._version import VERSION
from .api_version import DEFAULT_VERSION, validate_api_version
from .challenge_policy import ChallengeAuthPolicy
from .errors import raise_for_response
from .logging_policy import RedactingNetworkTraceLoggingPolicy

_LOGGER = logging.getLogger(__name__)

SDK_MONIKER = f"keyvault-administration-clone/{VERSION}"
# Diagnostic headers of Key Vault responses that are safe to log.
LOGGABLE_HEADERS = {
    "x-ms-keyvault-network-info",
    "x-ms-keyvault-region",
    "x-ms-keyvault-service-version",
}

ItemT = TypeVar("ItemT")


def validate_vault_url(vault_url: Any) -> str:
    """Return the vault URL without trailing ``/`` and spaces.

    :raises TypeError: if it is not a string.
    :raises ValueError: if it is empty or has no scheme and host.
    """
    if vault_url is None or vault_url == "":
        raise ValueError(
            "vault_url is missing: pass the URL of the Managed HSM, for example "
            "'https://<hsm-name>.managedhsm.azure.net'"
        )
    if not isinstance(vault_url, str):
        raise TypeError(
            f"vault_url must be a string such as "
            f"'https://<hsm-name>.managedhsm.azure.net', not {type(vault_url).__name__}"
        )
    stripped = vault_url.strip(" /")
    parts = urlsplit(stripped)
    if not parts.scheme or not parts.netloc:
        raise ValueError(
            f"vault_url '{vault_url}' is not a URL: pass the URL of the Managed HSM, "
            "for example 'https://<hsm-name>.managedhsm.azure.net'"
        )
    return stripped


def validate_credential(credential: Any, async_credential: bool = False) -> None:
    if not credential:
        raise ValueError(
            "credential is missing: pass an object that provides access tokens, "
            "such as a credential from azure-identity"
            + (" (azure.identity.aio for async clients)" if async_credential else "")
        )
    if not (hasattr(credential, "get_token") or hasattr(credential, "get_token_info")):
        raise TypeError(
            f"credential of type {type(credential).__name__} has neither get_token "
            "nor get_token_info; pass a credential from azure-identity"
        )


def with_api_version(url: str, api_version: str, *, overwrite: bool) -> str:
    """Add the ``api-version`` query parameter to a URL.

    With ``overwrite`` the client's version replaces one already present;
    otherwise an existing one is kept.
    """
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    has_version = any(name == "api-version" for name, _ in query)
    if has_version and not overwrite:
        return url
    query = [(name, value) for name, value in query if name != "api-version"]
    query.append(("api-version", api_version))
    return urlunsplit(parts._replace(query=urlencode(query)))


def resolve_url(vault_url: str, url: str) -> str:
    """Resolve a URL relative to the vault; an absolute URL is kept."""
    if urlsplit(url).scheme:
        return url
    return f"{vault_url}/{url.lstrip('/')}"


def next_page_request(next_link: str, api_version: str) -> HttpRequest:
    """Build the request for a list's next page.

    The service's next link keeps its query, but the client's api-version
    replaces any in it.
    """
    return HttpRequest("GET", with_api_version(next_link, api_version, overwrite=True))


def read_list_page(
    response: Union[HttpResponse, AsyncHttpResponse], convert: Callable[[Any], ItemT]
) -> Tuple[Optional[str], List[ItemT]]:
    """Return the next link and the converted items of a list response."""
    body = response.json() if response.text() else {}
    if not isinstance(body, dict):
        body = {}
    items: Iterable[Any] = body.get("value") or []
    next_link = body.get("nextLink") or None
    return next_link, [convert(item) for item in items if isinstance(item, dict)]


def build_configuration(
    auth_policy: Any,
    *,
    retry_policy_type: Any = RetryPolicy,
    redirect_policy_type: Any = RedirectPolicy,
    **kwargs: Any,
) -> Configuration:  # type: ignore[type-arg]
    """Build the pipeline configuration.

    Async clients pass the async retry and redirect policy types, because
    the sync ones can't run in an async pipeline.
    """
    config: Configuration = Configuration(**kwargs)  # type: ignore[type-arg]
    config.headers_policy = kwargs.get("headers_policy") or HeadersPolicy(**kwargs)
    config.user_agent_policy = kwargs.get("user_agent_policy") or UserAgentPolicy(
        sdk_moniker=SDK_MONIKER, **kwargs
    )
    config.proxy_policy = kwargs.get("proxy_policy") or ProxyPolicy(**kwargs)
    config.logging_policy = kwargs.get(
        "logging_policy"
    ) or RedactingNetworkTraceLoggingPolicy(**kwargs)
    http_logging_policy = kwargs.get("http_logging_policy") or HttpLoggingPolicy(
        **kwargs
    )
    http_logging_policy.allowed_header_names.update(LOGGABLE_HEADERS)
    config.http_logging_policy = http_logging_policy
    config.retry_policy = kwargs.get("retry_policy") or retry_policy_type(**kwargs)
    config.custom_hook_policy = kwargs.get("custom_hook_policy") or CustomHookPolicy(
        **kwargs
    )
    config.redirect_policy = kwargs.get("redirect_policy") or redirect_policy_type(
        **kwargs
    )
    config.authentication_policy = auth_policy
    return config


class KeyVaultClientBase:
    """Pipeline, vault URL and API version shared by the sync clients."""

    def __init__(
        self, vault_url: str, credential: TokenCredential, **kwargs: Any
    ) -> None:
        validate_credential(credential)
        self._vault_url = validate_vault_url(vault_url)
        self.api_version: str = validate_api_version(
            kwargs.pop("api_version", DEFAULT_VERSION)
        )

        verify = kwargs.pop("verify_challenge_resource", True)
        auth_policy = kwargs.pop("authentication_policy", None) or ChallengeAuthPolicy(
            credential, verify_challenge_resource=verify
        )
        config = build_configuration(auth_policy, **kwargs)
        transport = kwargs.pop("transport", None)
        if transport is None:
            from .httpx_transport import HttpxTransport

            transport = HttpxTransport(**kwargs)
        self._client: PipelineClient[HttpRequest, HttpResponse] = PipelineClient(
            base_url=self._vault_url, config=config, transport=transport, **kwargs
        )

    @property
    def vault_url(self) -> str:
        """URL of the vault or Managed HSM the client operates on."""
        return self._vault_url

    def close(self) -> None:
        """Close the sockets the client opened.

        Calling it is unnecessary when the client is used as a context manager.
        """
        self._client.close()

    def __enter__(self) -> "KeyVaultClientBase":
        self._client.__enter__()
        return self

    def __exit__(self, *args: Any) -> None:
        self._client.__exit__(*args)

    def send_request(
        self, request: HttpRequest, *, stream: bool = False, **kwargs: Any
    ) -> HttpResponse:
        """Send a custom request through the client's pipeline.

        A relative URL is resolved against the vault URL, and the client's
        ``api-version`` is added unless the URL already has one. The
        response is returned whatever its status; call its
        ``raise_for_status()`` to raise for an error status.

        :param request: The request to send.
        :type request: ~azure.core.rest.HttpRequest
        :keyword bool stream: Whether to stream the response body. Defaults to False.
        :return: The response.
        :rtype: ~azure.core.rest.HttpResponse
        """
        request_copy = copy.deepcopy(request)
        request_copy.url = with_api_version(
            resolve_url(self._vault_url, request_copy.url),
            self.api_version,
            overwrite=False,
        )
        return self._client.send_request(request_copy, stream=stream, **kwargs)

    def _send(
        self, request: HttpRequest, expected: Tuple[int, ...], **kwargs: Any
    ) -> HttpResponse:
        """Send an operation's request and raise for an unexpected status."""
        request.url = resolve_url(self._vault_url, request.url)
        response = self._client.send_request(request, **kwargs)
        if response.status_code not in expected:
            raise_for_response(response)
        return response

    def _paged(
        self,
        first_request: HttpRequest,
        convert: Any,
        **kwargs: Any,
    ) -> ItemPaged[Any]:
        """Page through a ``{"value": [...], "nextLink": ...}`` list."""

        def get_next(next_link: Optional[str]) -> HttpResponse:
            if next_link is None:
                request = copy.deepcopy(first_request)
            else:
                request = next_page_request(next_link, self.api_version)
            return self._send(request, (200,), **kwargs)

        def extract_data(response: HttpResponse) -> Tuple[Optional[str], Iterator[Any]]:
            next_link, items = read_list_page(response, convert)
            return next_link, iter(items)

        return ItemPaged(get_next, extract_data)
