"""Shared helpers of the unit tests: a fake credential, a respx service stub,
a capturing azure-core transport and a loader for the recorded traffic.

``tests/conftest.py`` is not importable as ``tests.conftest`` (``tests`` is no
package), so the constants and the credential the unit tests need live here.
"""

import json
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, Union
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from azure.core.credentials import AccessToken
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest._http_response_impl import HttpResponseImpl
from azure.core.utils import CaseInsensitiveDict

VAULT_HOST = "myhsm.managedhsm.azure.net"
VAULT_URL = f"https://{VAULT_HOST}"
# Host name of the vault in the recordings, lower-cased as httpx sends it.
RECORDED_HOST = "sanitized.managedhsm.azure.net"
RECORDED_VAULT_URL = f"https://{RECORDED_HOST}"
TENANT_ID = "00000000-0000-0000-0000-000000000000"
OTHER_TENANT_ID = "11111111-1111-1111-1111-111111111111"
SCOPE = "https://managedhsm.azure.net/.default"
CHALLENGE = (
    f'Bearer authorization="https://login.microsoftonline.com/{TENANT_ID}", '
    'resource="https://managedhsm.azure.net"'
)
JSON = "application/json"

RECORDINGS = (
    Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "recordings"
)


class FakeCredential:
    """TokenCredential that hands out numbered tokens and records every request."""

    def __init__(self, token: str = "fake-token", lifetime: int = 3600) -> None:
        self.token = token
        self.lifetime = lifetime
        self.requests: List[Tuple[Tuple[str, ...], Dict[str, Any]]] = []
        self._lock = threading.Lock()

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        with self._lock:
            self.requests.append((scopes, kwargs))
            number = len(self.requests)
        return AccessToken(f"{self.token}-{number}", int(time.time()) + self.lifetime)


# Recorded traffic


def load_recording(folder: str, name_part: str) -> List[Dict[str, Any]]:
    """Return the ``Entries`` of the one recording whose file name contains
    ``name_part``; skip the test when the recordings are not checked out."""
    directory = RECORDINGS / folder
    if not directory.is_dir():
        pytest.skip(f"recordings folder {directory} is absent")
    matches = sorted(
        path for path in directory.glob("*.json") if name_part in path.name
    )
    if len(matches) != 1:
        pytest.skip(
            f"expected one recording matching {name_part!r} in {directory}, "
            f"found {len(matches)}"
        )
    return json.loads(matches[0].read_text(encoding="utf-8"))["Entries"]


def recorded_entry(
    entries: List[Dict[str, Any]],
    method: str,
    path_part: str,
    status: int,
    index: int = 0,
) -> Dict[str, Any]:
    """Return the ``index``-th entry with this method and status whose URL
    path contains ``path_part``."""
    found = [
        entry
        for entry in entries
        if entry["RequestMethod"] == method
        and entry["StatusCode"] == status
        and path_part in urlsplit(entry["RequestUri"]).path
    ]
    if len(found) <= index:
        pytest.skip(f"no recorded {method} {path_part} with status {status} (#{index})")
    return found[index]


def recorded_job(
    entries: List[Dict[str, Any]],
    method: str,
    path: str,
    index: int = 0,
    polls_with_query: bool = False,
) -> List[Dict[str, Any]]:
    """Return the ``index``-th recorded 202 that started a job at ``path``,
    followed by the status polls of that job up to the terminal one.

    Python recordings also hold status GETs with ``api-version`` that the
    recorded test sent itself; those are skipped unless ``polls_with_query``.
    """
    starts = [
        position
        for position, entry in enumerate(entries)
        if entry["RequestMethod"] == method
        and entry["StatusCode"] == 202
        and urlsplit(entry["RequestUri"]).path == path
    ]
    if len(starts) <= index:
        pytest.skip(f"no recorded job started by {method} {path} (#{index})")
    start = entries[starts[index]]
    headers = {name.lower(): value for name, value in start["ResponseHeaders"].items()}
    status_path = urlsplit(headers["azure-asyncoperation"]).path
    job = [start]
    for entry in entries[starts[index] + 1 :]:
        uri = urlsplit(entry["RequestUri"])
        if (
            entry["RequestMethod"] != "GET"
            or uri.path != status_path
            or bool(uri.query) != polls_with_query
        ):
            continue
        job.append(entry)
        if entry["ResponseBody"]["status"] in ("Succeeded", "Failed", "Canceled"):
            break
    return job


def recorded_response(entry: Mapping[str, Any]) -> httpx.Response:
    """Build the httpx response that the recorded entry describes."""
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


# respx service stub

Reply = Union[httpx.Response, Callable[[httpx.Request], httpx.Response]]


def challenge_response(header: str = CHALLENGE) -> httpx.Response:
    return httpx.Response(401, headers={"WWW-Authenticate": header}, content=b"")


def json_response(
    status: int, body: Any, headers: Optional[Dict[str, str]] = None
) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


class ServiceStub:
    """respx side effect that behaves like a Managed HSM front end.

    A request without ``Authorization`` gets the bearer challenge. Authorized
    requests are recorded, and each gets the next reply from ``replies``.
    """

    def __init__(self, *replies: Reply, challenge: str = CHALLENGE) -> None:
        self.challenge = challenge
        self.replies: List[Reply] = list(replies)
        self.probes: List[httpx.Request] = []
        self.requests: List[httpx.Request] = []
        self._lock = threading.Lock()

    def add(self, *replies: Reply) -> "ServiceStub":
        self.replies.extend(replies)
        return self

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            if "Authorization" not in request.headers:
                self.probes.append(request)
                return challenge_response(self.challenge)
            self.requests.append(request)
            if not self.replies:
                raise AssertionError(
                    f"unexpected request {request.method} {request.url}"
                )
            reply = self.replies.pop(0)
        return reply(request) if callable(reply) else reply


def query_of(url: Union[str, httpx.URL]) -> Dict[str, List[str]]:
    return parse_qs(urlsplit(str(url)).query, keep_blank_values=True)


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content) if request.content else None


# Capturing azure-core transport, usable by the original package and the clone


class CannedResponse(HttpResponseImpl):
    """An ``azure.core.rest.HttpResponse`` with a fixed, already read body."""

    def __init__(
        self, request: Any, status_code: int, headers: Dict[str, str], content: bytes
    ) -> None:
        super().__init__(
            request=request,
            internal_response=None,
            status_code=status_code,
            reason="Canned",
            content_type=headers.get("Content-Type"),
            headers=CaseInsensitiveDict(headers),
            stream_download_generator=None,
        )
        self._content = content
        self._is_closed = True
        self._is_stream_consumed = True


class CapturedRequest:
    """Method, URL, headers and body of one request a transport received."""

    def __init__(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        content: Optional[bytes],
    ) -> None:
        self.method = method
        self.url = url
        self.headers = CaseInsensitiveDict(dict(headers))
        self.content = content or b""

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def query(self) -> Dict[str, List[str]]:
        return query_of(self.url)

    def json(self) -> Any:
        return json.loads(self.content) if self.content else None


def request_content(request: Any) -> Optional[bytes]:
    content = getattr(request, "content", None)
    if content is None:
        content = getattr(request, "data", None) or getattr(request, "body", None)
    if isinstance(content, str):
        return content.encode("utf-8")
    return content


class CapturingTransport(HttpTransport):
    """Transport that responds like a Managed HSM without any network.

    Requests without ``Authorization`` get the bearer challenge. Authorized
    requests are recorded in ``requests``, and ``responder`` returns the
    ``(status, headers, body)`` of their responses.
    """

    def __init__(
        self, responder: Callable[[CapturedRequest], Tuple[int, Dict[str, str], Any]]
    ) -> None:
        self.responder = responder
        self.requests: List[CapturedRequest] = []
        self.sleeps: List[float] = []

    def __enter__(self) -> "CapturingTransport":
        return self

    def __exit__(self, *args: Any) -> None:
        return None

    def open(self) -> None:
        return None

    def close(self) -> None:
        return None

    def sleep(self, duration: float) -> None:
        self.sleeps.append(duration)

    def send(self, request: Any, **kwargs: Any) -> CannedResponse:
        captured = CapturedRequest(
            request.method, request.url, request.headers, request_content(request)
        )
        if "Authorization" not in captured.headers:
            headers = {"WWW-Authenticate": CHALLENGE, "Content-Type": JSON}
            return CannedResponse(request, 401, headers, b"")
        self.requests.append(captured)
        status, headers, body = self.responder(captured)
        content = b"" if body is None else json.dumps(body).encode("utf-8")
        all_headers = {"Content-Type": "application/json; charset=utf-8", **headers}
        return CannedResponse(request, status, all_headers, content)
