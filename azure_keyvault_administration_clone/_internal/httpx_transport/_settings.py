"""httpx client settings and builders, and the per-request transport keywords."""

from __future__ import annotations

import logging
import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any, Optional, Tuple, Union

import httpx
from azure.core.configuration import ConnectionConfiguration

from ._types import CertType, VerifyType

# Logger named after the package, so every httpx_transport module logs
# under one name.
_LOGGER = logging.getLogger(__package__)


@dataclass(frozen=True)
class _ClientSettings:
    """Settings that httpx fixes per client, used as the key of the client cache."""

    verify: VerifyType
    cert: Optional[CertType]
    proxies: Tuple[Tuple[str, Optional[str]], ...]


def _normalize_cert(cert: Any) -> Optional[CertType]:
    if cert is None or isinstance(cert, str):
        return cert
    return tuple(cert)


def _normalize_proxies(
    proxies: Optional[Mapping[str, Optional[str]]],
) -> Tuple[Tuple[str, Optional[str]], ...]:
    """Convert a requests-style proxy mapping into sorted httpx mount patterns.

    requests keys such as ``"https"`` or ``"all"`` become ``"https://"`` and
    ``"all://"``. Keys that already contain ``://`` (``"http://host"``) are kept.
    """
    if not proxies:
        return ()
    patterns = []
    for key, url in proxies.items():
        pattern = key if "://" in key else f"{key}://"
        patterns.append((pattern, url))
    return tuple(sorted(patterns))


def _default_ca_context(trust_env: bool) -> ssl.SSLContext:
    """Create a verifying SSL context with the CA bundle httpx would use."""
    if trust_env and os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    if trust_env and os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def _ssl_config(
    verify: VerifyType, cert: Optional[CertType], trust_env: bool
) -> Union[bool, ssl.SSLContext]:
    """Build the ``verify`` argument for httpx.

    A CA path or a client certificate is turned into an SSLContext here, because
    httpx (0.29 checked) warns DeprecationWarning for ``verify=<str>`` and ``cert=``.
    """
    if isinstance(verify, ssl.SSLContext):
        context = verify
    elif isinstance(verify, str):
        if os.path.isdir(verify):
            context = ssl.create_default_context(capath=verify)
        else:
            context = ssl.create_default_context(cafile=verify)
    elif cert is None:
        return verify
    elif verify:
        context = _default_ca_context(trust_env)
    else:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE

    if cert is not None:
        if isinstance(cert, str):
            context.load_cert_chain(cert)
        else:
            context.load_cert_chain(*cert)
    return context


def _reject_all_cookies() -> CookieJar:
    """Create a cookie jar that stores nothing.

    Responses then cannot change later requests, as with the aiohttp
    ``DummyCookieJar`` that azure-core's ``AioHttpTransport`` uses.
    """
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


def _timeout(config: ConnectionConfiguration) -> httpx.Timeout:
    return httpx.Timeout(
        connect=config.timeout,
        read=config.read_timeout,
        write=config.read_timeout,
        pool=config.timeout,
    )


def _build_sync_client(
    settings: _ClientSettings, trust_env: bool, timeout: httpx.Timeout
) -> httpx.Client:
    ssl_config = _ssl_config(settings.verify, settings.cert, trust_env)
    mounts: dict[str, Optional[httpx.BaseTransport]] = {}
    for pattern, url in settings.proxies:
        if url:
            mounts[pattern] = httpx.HTTPTransport(
                verify=ssl_config, trust_env=trust_env, proxy=url
            )
        else:
            mounts[pattern] = None
    return httpx.Client(
        verify=ssl_config,
        trust_env=trust_env,
        mounts=mounts or None,
        timeout=timeout,
        follow_redirects=False,
        cookies=_reject_all_cookies(),
    )


def _build_async_client(
    settings: _ClientSettings, trust_env: bool, timeout: httpx.Timeout
) -> httpx.AsyncClient:
    ssl_config = _ssl_config(settings.verify, settings.cert, trust_env)
    mounts: dict[str, Optional[httpx.AsyncBaseTransport]] = {}
    for pattern, url in settings.proxies:
        if url:
            mounts[pattern] = httpx.AsyncHTTPTransport(
                verify=ssl_config, trust_env=trust_env, proxy=url
            )
        else:
            mounts[pattern] = None
    return httpx.AsyncClient(
        verify=ssl_config,
        trust_env=trust_env,
        mounts=mounts or None,
        timeout=timeout,
        follow_redirects=False,
        cookies=_reject_all_cookies(),
    )


@dataclass(frozen=True)
class _SendOptions:
    stream: bool
    timeout: httpx.Timeout
    settings: _ClientSettings


def _pop_send_options(
    kwargs: dict[str, Any],
    config: ConnectionConfiguration,
    default_settings: _ClientSettings,
) -> _SendOptions:
    """Pop the azure-core transport keywords from ``kwargs``.

    :raises ValueError: if ``connection_timeout`` is a tuple and ``read_timeout``
        is also given.
    """
    stream = bool(kwargs.pop("stream", False))
    connection_timeout = kwargs.pop("connection_timeout", config.timeout)
    if isinstance(connection_timeout, tuple):
        # requests-style (connect, read) pair, which RequestsTransport also accepts.
        if "read_timeout" in kwargs:
            raise ValueError(
                "connection_timeout is a (connect, read) tuple, so read_timeout "
                "must not be passed as well."
            )
        connection_timeout, read_timeout = connection_timeout
    else:
        read_timeout = kwargs.pop("read_timeout", config.read_timeout)
    timeout = httpx.Timeout(
        connect=connection_timeout,
        read=read_timeout,
        write=read_timeout,
        pool=connection_timeout,
    )

    proxies = kwargs.pop("proxies", None)
    settings = _ClientSettings(
        verify=_normalize_verify(
            kwargs.pop("connection_verify", default_settings.verify)
        ),
        cert=_normalize_cert(kwargs.pop("connection_cert", default_settings.cert)),
        proxies=(_normalize_proxies(proxies) if proxies else default_settings.proxies),
    )
    if kwargs:
        _LOGGER.debug("Ignoring transport keyword arguments: %s", sorted(kwargs))
    return _SendOptions(stream=stream, timeout=timeout, settings=settings)


def _normalize_verify(verify: Any) -> Any:
    """Accept a CA bundle path given as ``os.PathLike``, as well as a string."""
    if isinstance(verify, os.PathLike):
        return os.fspath(verify)
    return verify
