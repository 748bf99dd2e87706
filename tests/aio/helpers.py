"""Helpers of the async tests: constants, fake credentials, a respx service
stub and a loader for the recorded traffic.

``tests/conftest.py`` is not importable as a module of a package, so the
constants and credentials the async tests need live here.
"""

import asyncio
import base64
import json
import os
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple, Union
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from azure.core.credentials import AccessToken, AccessTokenInfo

VAULT_HOST = "myhsm.managedhsm.azure.net"
VAULT_URL = f"https://{VAULT_HOST}"
TENANT_ID = "00000000-0000-0000-0000-000000000000"
OTHER_TENANT_ID = "11111111-1111-1111-1111-111111111111"
SCOPE = "https://managedhsm.azure.net/.default"
CHALLENGE = (
    f'Bearer authorization="https://login.microsoftonline.com/{TENANT_ID}", '
    'resource="https://managedhsm.azure.net"'
)
OTHER_TENANT_CHALLENGE = (
    f'Bearer authorization="https://login.microsoftonline.com/{OTHER_TENANT_ID}", '
    'resource="https://managedhsm.azure.net"'
)
CLAIMS = '{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}'
CAE_CHALLENGE = (
    'Bearer realm="", authorization_uri="https://login.microsoftonline.com/'
    'common/oauth2/authorize", error="insufficient_claims", claims="'
    + base64.urlsafe_b64encode(CLAIMS.encode()).decode().rstrip("=")
    + '"'
)
JSON = "application/json"

CONTAINER_URL = "https://account.blob.core.windows.net/backup"
FOLDER_NAME = "mhsm-myhsm-2025060500291014"
FOLDER_URL = f"{CONTAINER_URL}/{FOLDER_NAME}"
SAS = "sv=2024-08-04&ss=b&srt=co&sp=rwdl&se=2030-01-01T00%3A00%3A00Z&sig=c2ln"
PRINCIPAL_ID = "00000000-0000-0000-0000-0000000000aa"
DEFINITION_ID = (
    "Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/"
    "7b127d3c-77bd-4e3e-bbe0-dbb8971fa7f8"
)
BACKUP_STATUS_URL = f"{VAULT_URL}/backup/job-1/pending"
RESTORE_STATUS_URL = f"{VAULT_URL}/restore/job-1/pending"

# Recordings of the live service; RECORDINGS_DIR overrides the default
# location next to the repository.
RECORDINGS = Path(
    os.environ.get(
        "RECORDINGS_DIR",
        Path(__file__).resolve().parents[3] / "shared" / "reference" / "recordings",
    )
)


class AsyncFakeCredential:
    """Async credential that hands out numbered tokens and records requests.

    ``delay`` seconds pass inside ``get_token``, so concurrent callers overlap
    as they would with a real token endpoint.
    """

    def __init__(
        self, token: str = "fake-token", lifetime: int = 3600, delay: float = 0.0
    ) -> None:
        self.token = token
        self.lifetime = lifetime
        self.delay = delay
        self.requests: List[Tuple[Tuple[str, ...], Dict[str, Any]]] = []
        self.closed = False

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.requests.append((scopes, kwargs))
        number = len(self.requests)
        if self.delay:
            await asyncio.sleep(self.delay)
        return AccessToken(f"{self.token}-{number}", int(time.time()) + self.lifetime)

    async def close(self) -> None:
        self.closed = True

    async def __aenter__(self) -> "AsyncFakeCredential":
        return self

    async def __aexit__(self, *args: Any) -> None:
        await self.close()


class AsyncTokenInfoCredential(AsyncFakeCredential):
    """Async credential with ``get_token_info``, the newer azure-core protocol."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.info_requests: List[Tuple[Tuple[str, ...], Dict[str, Any]]] = []

    async def get_token_info(
        self, *scopes: str, options: Optional[Dict[str, Any]] = None
    ) -> AccessTokenInfo:
        self.info_requests.append((scopes, dict(options or {})))
        number = len(self.info_requests)
        return AccessTokenInfo(
            f"{self.token}-info-{number}", int(time.time()) + self.lifetime
        )


# respx service stub

Reply = Union[httpx.Response, Callable[[httpx.Request], httpx.Response]]


def challenge_response(header: str = CHALLENGE) -> httpx.Response:
    return httpx.Response(401, headers={"WWW-Authenticate": header}, content=b"")


def json_response(
    status: int, body: Any, headers: Optional[Dict[str, str]] = None
) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def job_response(
    status: int,
    job_status: str,
    *,
    status_url: Optional[str] = None,
    retry_after: Optional[str] = None,
    **fields: Any,
) -> httpx.Response:
    """Build a job status response, with ``Azure-AsyncOperation`` if given."""
    headers: Dict[str, str] = {}
    if status_url is not None:
        headers["Azure-AsyncOperation"] = status_url
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    body = {"status": job_status, "jobId": "job-1", "statusDetails": None}
    body.update(fields)
    return json_response(status, body, headers)


class ServiceStub:
    """respx side effect that behaves like a Managed HSM front end.

    A request without ``Authorization`` is recorded as a probe and gets
    ``challenge`` as its response. Authorized requests are recorded and get
    the ``replies`` in order. An authorized request with no reply left fails
    the test.
    """

    def __init__(self, *replies: Reply, challenge: str = CHALLENGE) -> None:
        self.challenge = challenge
        self.replies: List[Reply] = list(replies)
        self.probes: List[httpx.Request] = []
        self.requests: List[httpx.Request] = []

    def add(self, *replies: Reply) -> "ServiceStub":
        self.replies.extend(replies)
        return self

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if "Authorization" not in request.headers:
            self.probes.append(request)
            return challenge_response(self.challenge)
        self.requests.append(request)
        if not self.replies:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        reply = self.replies.pop(0)
        return reply(request) if callable(reply) else reply

    def methods_and_paths(self) -> List[Tuple[str, str]]:
        return [(request.method, request.url.path) for request in self.requests]


def query_of(url: Union[str, httpx.URL]) -> Dict[str, List[str]]:
    return parse_qs(urlsplit(str(url)).query, keep_blank_values=True)


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content) if request.content else None


def wire_form(request: httpx.Request) -> Dict[str, Any]:
    """Return what identifies a request on the wire, without the token."""
    return {
        "method": request.method,
        "path": request.url.raw_path.split(b"?", 1)[0].decode(),
        "query": query_of(request.url),
        "accept": request.headers.get("Accept"),
        "content_type": request.headers.get("Content-Type"),
        "body": body_of(request),
    }


# Recorded traffic


def load_recording(name_part: str) -> List[Dict[str, Any]]:
    """Return the ``Entries`` of the one Python recording whose file name
    contains ``name_part``; skip the test when the recordings are absent."""
    directory = RECORDINGS / "python"
    if not directory.is_dir():
        pytest.skip(
            f"recordings folder {directory} is absent; set RECORDINGS_DIR to the "
            "folder that contains python/*.json"
        )
    matches = sorted(
        path for path in directory.glob("*.json") if name_part in path.name
    )
    if len(matches) != 1:
        pytest.skip(
            f"expected one recording matching {name_part!r} in {directory}, "
            f"found {len(matches)}"
        )
    entries: List[Dict[str, Any]] = json.loads(matches[0].read_text("utf-8"))["Entries"]
    return entries


def recorded_response(entry: Dict[str, Any]) -> httpx.Response:
    """Build the httpx response that a recorded entry describes."""
    headers = {
        name: value
        for name, value in entry["ResponseHeaders"].items()
        if name.lower()
        not in ("content-length", "content-encoding", "transfer-encoding")
    }
    body = entry.get("ResponseBody")
    if body is None:
        content = b""
    elif isinstance(body, str):
        content = body.encode("utf-8")
    else:
        content = json.dumps(body).encode("utf-8")
    return httpx.Response(entry["StatusCode"], headers=headers, content=content)


def rehost(response: httpx.Response) -> httpx.Response:
    """Point a recorded ``Azure-AsyncOperation`` URL at the test vault."""
    link = response.headers.get("Azure-AsyncOperation")
    if link:
        response.headers["Azure-AsyncOperation"] = VAULT_URL + urlsplit(link).path
    return response
