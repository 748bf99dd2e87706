"""Recorded test-proxy traffic and an in-order replayer for it.

A recording is the JSON written by the Azure SDK test proxy: an ``Entries`` list
whose items carry ``RequestUri``, ``RequestMethod``, ``RequestHeaders``,
``RequestBody``, ``StatusCode``, ``ResponseHeaders`` and ``ResponseBody``.
"""

from __future__ import annotations

import http
import json
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union
from urllib.parse import parse_qs, unquote, urlsplit

# Returned for a request that matches no recorded entry. azure-core's retry
# policy (1.41) leaves 501 alone, and the clients do not treat it as "not
# found", so the caller sees one HttpResponseError instead of retries.
MISMATCH_STATUS = 501

# How often one status poll entry may be served again before the replayer
# reports a client that keeps polling after the recording ended.
DEFAULT_MAX_POLL_REPEATS = 100

_STATUS_POLL_PATH = re.compile(r"^/(backup|restore)/[^/]+/pending$", re.IGNORECASE)
_TERMINAL_STATUSES = frozenset({"succeeded", "failed", "canceled", "cancelled"})

# Route shapes whose last segment is a client-chosen name (rule: a client that
# generates its own uuid still matches). Each pattern replaces the name with
# "{name}".
_NAME_SEGMENTS = (
    re.compile(r"(/providers/Microsoft\.Authorization/roleDefinitions/)[^/]+$", re.I),
    re.compile(r"(/providers/Microsoft\.Authorization/roleAssignments/)[^/]+$", re.I),
    re.compile(r"^(/keys/)(?!providers(?:/|$))[^/]+", re.I),
    re.compile(r"^(/deletedkeys/)[^/]+", re.I),
)

JsonBody = Union[dict[str, Any], list[Any], str, int, float, bool, None]


def normalize_path(url_or_path: str) -> str:
    """Return the decoded path of a URL with repeated leading slashes collapsed.

    JS clients send ``///providers/...`` for the scope ``/``. Other clients
    send ``/providers/...``, so both normalize to the same path.
    """
    path = urlsplit(url_or_path).path if "://" in url_or_path else url_or_path
    path = path.split("?", 1)[0]
    path = "/" + unquote(path).lstrip("/")
    if len(path) > 1:
        path = path.rstrip("/")
    return path


def route_shape(path: str) -> str:
    """Return ``path`` with client-chosen name segments replaced by ``{name}``."""
    for pattern in _NAME_SEGMENTS:
        path = pattern.sub(r"\1{name}", path)
    return path


def _header(headers: Mapping[str, str], name: str) -> Optional[str]:
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


def encode_body(body: JsonBody) -> bytes:
    """Return the wire bytes of a recorded body (JSON value, text or null)."""
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    return json.dumps(body).encode("utf-8")


@dataclass(frozen=True)
class RecordedEntry:
    """One recorded request and the response the service sent to it."""

    index: int
    source: str
    method: str
    uri: str
    request_headers: Mapping[str, str]
    request_body: JsonBody
    status_code: int
    response_headers: Mapping[str, str]
    response_body: JsonBody

    @property
    def path(self) -> str:
        """Normalized request path, without the query."""
        return normalize_path(self.uri)

    @property
    def origin(self) -> str:
        """Scheme and host of the recorded request URI."""
        parts = urlsplit(self.uri)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def query(self) -> dict[str, list[str]]:
        """Parsed query string of the recorded request URI."""
        return parse_qs(urlsplit(self.uri).query)

    @property
    def is_challenge(self) -> bool:
        """True for a 401 bearer challenge sent to an unauthorized request."""
        return (
            self.status_code == 401
            and _header(self.response_headers, "WWW-Authenticate") is not None
            and _header(self.request_headers, "Authorization") is None
        )

    @property
    def is_status_poll(self) -> bool:
        """True for a GET of a backup or restore job status URL."""
        return self.method == "GET" and bool(_STATUS_POLL_PATH.match(self.path))

    @property
    def job_status(self) -> Optional[str]:
        """The ``status`` field of a job status body, or None."""
        if isinstance(self.response_body, dict):
            status = self.response_body.get("status")
            return status if isinstance(status, str) else None
        return None

    @property
    def is_terminal_poll(self) -> bool:
        """True for a status poll whose body reports a finished job."""
        status = self.job_status
        return self.is_status_poll and (status or "").lower() in _TERMINAL_STATUSES

    def matches(self, method: str, path: str) -> bool:
        """Return whether a request with ``method`` and normalized ``path`` fits."""
        if method.upper() != self.method:
            return False
        return route_shape(path) == route_shape(self.path)

    def response_bytes(self) -> bytes:
        """Return the recorded response body as wire bytes."""
        return encode_body(self.response_body)

    def describe(self) -> str:
        """Return a one-line summary for error messages."""
        return (
            f"#{self.index} {self.method} {self.path} -> {self.status_code}"
            f" ({self.source})"
        )


@dataclass
class Recording:
    """A loaded recording file."""

    path: Path
    entries: list[RecordedEntry]
    variables: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """File name without the ``.json`` suffix."""
        return self.path.stem

    @property
    def origins(self) -> list[str]:
        """Distinct recorded origins (``https://host``), in first-use order."""
        seen: dict[str, None] = {}
        for entry in self.entries:
            seen.setdefault(entry.origin, None)
        return list(seen)

    @property
    def origin(self) -> str:
        """Origin of the first entry, the vault URL the recorded test used."""
        return self.entries[0].origin

    @property
    def api_version(self) -> Optional[str]:
        """First ``api-version`` query value that was not sanitized away."""
        for entry in self.entries:
            for value in entry.query.get("api-version", []):
                if value.lower() != "sanitized":
                    return value
        return None

    @property
    def challenge_tenants(self) -> list[str]:
        """Tenant ids named by the recorded bearer challenges."""
        tenants = []
        for entry in self.entries:
            if entry.is_challenge:
                tenant = challenge_tenant(entry)
                if tenant:
                    tenants.append(tenant)
        return tenants


def challenge_tenant(entry: RecordedEntry) -> Optional[str]:
    """Return the tenant id in a challenge's ``authorization`` URL, if any."""
    header = _header(entry.response_headers, "WWW-Authenticate") or ""
    match = re.search(r'authorization(?:_uri)?="?https?://[^/"]+/([^/",\s]+)', header)
    return match.group(1) if match else None


def load_recording(path: Union[str, Path]) -> Recording:
    """Load a test-proxy recording file."""
    file_path = Path(path)
    with file_path.open(encoding="utf-8") as stream:
        document = json.load(stream)
    raw_entries = document.get("Entries")
    if not isinstance(raw_entries, list) or not raw_entries:
        raise ValueError(f"{file_path}: missing or empty 'Entries' list")
    entries = [
        RecordedEntry(
            index=index,
            source=file_path.name,
            method=str(raw["RequestMethod"]).upper(),
            uri=raw["RequestUri"],
            request_headers=dict(raw.get("RequestHeaders") or {}),
            request_body=raw.get("RequestBody"),
            status_code=int(raw["StatusCode"]),
            response_headers=dict(raw.get("ResponseHeaders") or {}),
            response_body=raw.get("ResponseBody"),
        )
        for index, raw in enumerate(raw_entries)
    ]
    return Recording(
        path=file_path, entries=entries, variables=dict(document.get("Variables") or {})
    )


@dataclass(frozen=True)
class ReceivedRequest:
    """A request the replayer received, as the client sent it."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes

    @property
    def path(self) -> str:
        """Normalized request path, without the query."""
        return normalize_path(self.url)

    @property
    def query(self) -> dict[str, list[str]]:
        """Parsed query string."""
        return parse_qs(urlsplit(self.url).query)

    def header(self, name: str) -> Optional[str]:
        """Return a header value by case-insensitive name, or None."""
        return _header(self.headers, name)

    def json(self) -> Any:
        """Return the body parsed as JSON, or None for an empty body."""
        return json.loads(self.body) if self.body else None


@dataclass(frozen=True)
class ReplayResponse:
    """The response the replayer chose for one request."""

    status_code: int
    headers: dict[str, str]
    body: bytes
    entry: Optional[RecordedEntry]

    @property
    def reason(self) -> str:
        """Standard reason phrase of the status code."""
        if self.entry is None:
            return "Replay Mismatch"
        try:
            return http.HTTPStatus(self.status_code).phrase
        except ValueError:
            return ""


_DROPPED_RESPONSE_HEADERS = frozenset(
    {"content-length", "transfer-encoding", "content-encoding", "connection"}
)


class Replayer:
    """Serve recorded responses to incoming requests, in recorded order.

    Each request must match the next unused entry by method and normalized
    path, with the query ignored and client-chosen names matched by route
    shape. Three relaxations apply:

    * a recorded 401 challenge is skipped when the request already carries
      ``Authorization`` (the client had the challenge cached);
    * a status poll that finds no recorded poll of its URL next gets the last
      poll entry served for that URL again (the client polls more often);
    * recorded polls of a URL whose terminal status was already served are
      skipped when the client has moved on (it polls less often).

    With ``require_authorization`` (the default) a request without an
    ``Authorization`` header matches only a recorded challenge.

    With ``fast_forward_polls`` a status poll gets the response of the last of
    the consecutive recorded polls of its URL (the job's final status), and
    ``Retry-After`` headers are served as ``0``. Programs that poll at their
    default pace, such as the samples, then replay a job in one poll instead
    of waiting as long as the recorded job took.

    A request that matches nothing gets a ``MISMATCH_STATUS`` response whose
    body names the expected and received request, and the mismatch is added
    to ``errors``. The replayer is thread-safe because sync pollers poll from
    a background thread.
    """

    def __init__(
        self,
        recordings: Union[Recording, Sequence[Recording], Sequence[RecordedEntry]],
        *,
        max_poll_repeats: int = DEFAULT_MAX_POLL_REPEATS,
        require_authorization: bool = True,
        fast_forward_polls: bool = False,
    ) -> None:
        self.entries: list[RecordedEntry] = _flatten(recordings)
        self.fast_forward_polls = fast_forward_polls
        self.max_poll_repeats = max_poll_repeats
        self.require_authorization = require_authorization
        self.received: list[ReceivedRequest] = []
        self.served: list[tuple[ReceivedRequest, RecordedEntry]] = []
        self.skipped: list[tuple[RecordedEntry, str]] = []
        self.errors: list[str] = []
        self._cursor = 0
        self._last_poll: dict[str, RecordedEntry] = {}
        self._poll_repeats: dict[int, int] = {}
        self._terminal_served: set[str] = set()
        self._lock = threading.Lock()

    @property
    def origins(self) -> list[str]:
        """Distinct recorded origins, in first-use order."""
        seen: dict[str, None] = {}
        for entry in self.entries:
            seen.setdefault(entry.origin, None)
        return list(seen)

    @property
    def served_challenges(self) -> list[RecordedEntry]:
        """Challenge entries that were served (not skipped)."""
        return [entry for _, entry in self.served if entry.is_challenge]

    def handle(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> ReplayResponse:
        """Record a request and return the recorded response chosen for it."""
        request = ReceivedRequest(method.upper(), url, dict(headers), body)
        with self._lock:
            self.received.append(request)
            entry = self._select(request)
            if entry is None:
                return self._mismatch(request)
            self.served.append((request, entry))
            if entry.is_status_poll:
                self._last_poll[entry.path] = entry
                if entry.is_terminal_poll:
                    self._terminal_served.add(entry.path)
        return self._response_for(entry)

    def record_error(self, message: str) -> None:
        """Add an error found outside request matching (e.g. by a server)."""
        with self._lock:
            self.errors.append(message)

    def unused_entries(self) -> list[RecordedEntry]:
        """Entries neither served nor skipped as optional."""
        with self._lock:
            return list(self.entries[self._cursor :])

    def assert_all_used(self) -> None:
        """Raise AssertionError listing mismatches and entries left unused."""
        problems = list(self.errors)
        unused = self.unused_entries()
        if unused:
            listing = "\n".join(f"  {entry.describe()}" for entry in unused)
            problems.append(f"{len(unused)} recorded entries were not used:\n{listing}")
        if problems:
            raise AssertionError("replay failed:\n" + "\n".join(problems))

    def _select(self, request: ReceivedRequest) -> Optional[RecordedEntry]:
        has_auth = request.header("Authorization") is not None
        while self._cursor < len(self.entries):
            entry = self.entries[self._cursor]
            if entry.is_challenge and has_auth:
                self._skip(entry, "challenge skipped: request already authorized")
                continue
            if entry.matches(request.method, request.path):
                if self.require_authorization and not (has_auth or entry.is_challenge):
                    # Serving this entry would reply to a challenge probe with
                    # the real response, hiding that the request carried no
                    # token.
                    return None
                self._cursor += 1
                if self.fast_forward_polls and entry.is_status_poll:
                    entry = self._last_consecutive_poll(entry)
                return entry
            if entry.is_status_poll and entry.path in self._terminal_served:
                self._skip(entry, "poll skipped: job already reported finished")
                continue
            break
        return self._repeat_poll(request)

    def _last_consecutive_poll(self, entry: RecordedEntry) -> RecordedEntry:
        while self._cursor < len(self.entries):
            following = self.entries[self._cursor]
            if not (following.is_status_poll and following.path == entry.path):
                break
            self._skip(entry, "poll skipped: fast-forwarded to the final status")
            entry = following
        return entry

    def _skip(self, entry: RecordedEntry, reason: str) -> None:
        self.skipped.append((entry, reason))
        self._cursor += 1

    def _repeat_poll(self, request: ReceivedRequest) -> Optional[RecordedEntry]:
        if request.method != "GET":
            return None
        entry = self._last_poll.get(request.path)
        if entry is None:
            return None
        repeats = self._poll_repeats.get(entry.index, 0) + 1
        if repeats > self.max_poll_repeats:
            return None
        self._poll_repeats[entry.index] = repeats
        return entry

    def _mismatch(self, request: ReceivedRequest) -> ReplayResponse:
        if self._cursor < len(self.entries):
            expected = self.entries[self._cursor].describe()
        else:
            expected = "no more requests (all recorded entries used)"
        message = (
            f"request #{len(self.received) - 1} {request.method} {request.url}"
            f" did not match the recording: expected {expected},"
            f" got {request.method} {request.path}"
        )
        if request.header("Authorization") is None and self.require_authorization:
            message += " without an Authorization header"
        self.errors.append(message)
        body = json.dumps(
            {"error": {"code": "ReplayMismatch", "message": message}}
        ).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        return ReplayResponse(MISMATCH_STATUS, headers, body, None)

    def _response_for(self, entry: RecordedEntry) -> ReplayResponse:
        headers = {
            key: value
            for key, value in entry.response_headers.items()
            if key.lower() not in _DROPPED_RESPONSE_HEADERS
        }
        if self.fast_forward_polls:
            headers = {
                key: "0" if key.lower() == "retry-after" else value
                for key, value in headers.items()
            }
        return ReplayResponse(entry.status_code, headers, entry.response_bytes(), entry)


def _flatten(
    recordings: Union[Recording, Sequence[Recording], Sequence[RecordedEntry]],
) -> list[RecordedEntry]:
    if isinstance(recordings, Recording):
        return list(recordings.entries)
    items: Iterable[Union[Recording, RecordedEntry]] = recordings
    entries: list[RecordedEntry] = []
    for item in items:
        if isinstance(item, Recording):
            entries.extend(item.entries)
        else:
            entries.append(item)
    # Renumber so that indexes stay unique after concatenation.
    return [
        RecordedEntry(
            index=position,
            source=entry.source,
            method=entry.method,
            uri=entry.uri,
            request_headers=entry.request_headers,
            request_body=entry.request_body,
            status_code=entry.status_code,
            response_headers=entry.response_headers,
            response_body=entry.response_body,
        )
        for position, entry in enumerate(entries)
    ]
