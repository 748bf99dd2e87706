"""HTTPS server on a loopback address that serves a ``Replayer``.

Besides the recorded routes it serves an App Service style managed identity
token endpoint, so that unmodified azure-identity credentials get a token
when ``IDENTITY_ENDPOINT`` and ``IDENTITY_HEADER`` point at it.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import secrets
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Optional, Union
from urllib.parse import parse_qs, urlsplit

from azure_keyvault_administration_clone.emulator.tls import (
    TlsFiles,
    ensure_certificates,
)

from .recording import Recording, Replayer, load_recording

_LOGGER = logging.getLogger(__name__)

IDENTITY_PATH = "/msi/token"
IDENTITY_TOKEN_LIFETIME = 3600

# Matches the resource or scope URL origin in a WWW-Authenticate challenge.
_CHALLENGE_RESOURCE = re.compile(r'((?:resource|scope)=)("?)https://[^/",\s]+')
_HANDSHAKE_TIMEOUT = 10.0
_CONNECTION_TIMEOUT = 60.0

RecordingSource = Union[Recording, str, Path]


def _format_origin(host: str, port: int) -> str:
    display_host = f"[{host}]" if ":" in host else host
    return f"https://{display_host}:{port}"


def _require_loopback(host: str) -> None:
    try:
        address = ipaddress.ip_address(host)
    except ValueError as error:
        raise ValueError(
            f"invalid bind address {host!r}: give a loopback IP such as 127.0.0.1"
        ) from error
    if not address.is_loopback:
        raise ValueError(f"bind address {host!r} is not a loopback address")


class _TLSServer(ThreadingHTTPServer):
    """Threading HTTP server that performs the TLS handshake per connection."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        context: ssl.SSLContext,
        owner: ReplayServer,
    ) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.ssl_context = context
        self.owner = owner
        super().__init__(address, handler)

    def get_request(self) -> tuple[Any, Any]:
        connection, client_address = self.socket.accept()
        wrapped = self.ssl_context.wrap_socket(
            connection, server_side=True, do_handshake_on_connect=False
        )
        return wrapped, client_address


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _TLSServer

    def setup(self) -> None:
        self.request.settimeout(_HANDSHAKE_TIMEOUT)
        self.request.do_handshake()
        self.request.settimeout(_CONNECTION_TIMEOUT)
        super().setup()

    def handle(self) -> None:
        try:
            super().handle()
        except (ssl.SSLError, ConnectionError, TimeoutError) as error:
            _LOGGER.debug("connection from %s closed: %s", self.client_address, error)

    def log_message(self, format: str, *args: Any) -> None:
        _LOGGER.debug("%s " + format, self.client_address[0], *args)

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _dispatch(self) -> None:
        body = self._read_body()
        owner = self.server.owner
        if urlsplit(self.path).path.rstrip("/").lower() == IDENTITY_PATH:
            status, headers, payload = owner.issue_identity_token(
                self.command, self.path, dict(self.headers.items())
            )
        else:
            status, headers, payload = owner.replay(
                self.command, self.path, dict(self.headers.items()), body
            )
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class ReplayServer:
    """Serve recordings (concatenated in the given order) over HTTPS.

    The server binds a loopback address (on a free port unless ``port`` is
    given) and writes a throwaway CA to a temporary directory (``ca_file``).
    Recorded vault origins in response headers and bodies are rewritten to the
    server's own origin, and so is the challenge ``resource``. Other hosts,
    such as the blob container URL, stay as recorded.
    """

    def __init__(
        self,
        recordings: Union[Replayer, RecordingSource, Sequence[RecordingSource]],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        directory: Optional[Union[str, Path]] = None,
    ) -> None:
        _require_loopback(host)
        self.replayer = _as_replayer(recordings)
        self.host = host
        self.identity_header = secrets.token_urlsafe(24)
        self.identity_requests: list[dict[str, Any]] = []
        self._requested_port = port
        self._directory = Path(directory) if directory is not None else None
        self._temporary: Optional[tempfile.TemporaryDirectory[str]] = None
        self._certificates: Optional[TlsFiles] = None
        self._httpd: Optional[_TLSServer] = None
        self._thread: Optional[threading.Thread] = None
        self._lock = threading.Lock()

    @property
    def port(self) -> int:
        """Bound TCP port, available after ``start``."""
        if self._httpd is None:
            raise RuntimeError("ReplayServer is not running. Call start() first.")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """Origin of the server, e.g. ``https://127.0.0.1:50123``."""
        return _format_origin(self.host, self.port)

    @property
    def ca_file(self) -> str:
        """Path of the PEM CA certificate that signed the server certificate."""
        if self._certificates is None:
            raise RuntimeError("ReplayServer is not running. Call start() first.")
        return str(self._certificates.ca_file)

    @property
    def identity_endpoint(self) -> str:
        """URL of the managed identity token endpoint."""
        return self.url + IDENTITY_PATH

    @property
    def env(self) -> dict[str, str]:
        """Environment variables that point clients and azure-identity here."""
        return {
            "MANAGED_HSM_URL": self.url,
            "SSL_CERT_FILE": self.ca_file,
            "REQUESTS_CA_BUNDLE": self.ca_file,
            "IDENTITY_ENDPOINT": self.identity_endpoint,
            "IDENTITY_HEADER": self.identity_header,
        }

    def start(self) -> ReplayServer:
        """Write certificates, bind the port and serve in a background thread."""
        if self._httpd is not None:
            return self
        directory = self._directory
        if directory is None:
            self._temporary = tempfile.TemporaryDirectory(prefix="replay-tls-")
            directory = Path(self._temporary.name)
        directory.mkdir(parents=True, exist_ok=True)
        # The emulator's throwaway CA and server certificate fit here as well.
        self._certificates = ensure_certificates(directory)

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(
            self._certificates.cert_file, self._certificates.key_file
        )
        self._httpd = _TLSServer(
            (self.host, self._requested_port), _Handler, context, self
        )
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"ReplayServer:{self.port}",
            daemon=True,
        )
        self._thread.start()
        _LOGGER.info("replay server listening on %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving and delete the temporary certificate directory."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            _LOGGER.info("replay server on port %s stopped", self.port)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None
        if self._temporary is not None:
            self._temporary.cleanup()
            self._temporary = None
        self._certificates = None

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *args: object) -> None:
        self.stop()

    def replay(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        """Serve one data-plane request from the replayer, with origins rewritten."""
        reply = self.replayer.handle(method, self.url + path, headers, body)
        if reply.entry is None:
            _LOGGER.error("replay mismatch: %s", self.replayer.errors[-1])
        rewritten = {
            name: self._rewrite_header(name, value)
            for name, value in reply.headers.items()
        }
        return reply.status_code, rewritten, self._rewrite_text(reply.body)

    def issue_identity_token(
        self, method: str, path: str, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        """Issue a token for an App Service managed identity token request."""
        query = parse_qs(urlsplit(path).query)
        lowered = {name.lower(): value for name, value in headers.items()}
        resource = (query.get("resource") or [""])[0]
        with self._lock:
            self.identity_requests.append(
                {"method": method, "path": path, "headers": dict(headers)}
            )
        problem = None
        if method != "GET":
            problem = f"identity endpoint expects GET, got {method}"
        elif lowered.get("x-identity-header") != self.identity_header:
            problem = "identity request has a missing or wrong X-IDENTITY-HEADER"
        elif not resource:
            problem = "identity request has no 'resource' query parameter"
        json_type = {"Content-Type": "application/json; charset=utf-8"}
        if problem is not None:
            self.replayer.record_error(problem)
            _LOGGER.error("%s (path %s)", problem, path)
            body = json.dumps({"statusCode": 400, "message": problem})
            return 400, json_type, body.encode("utf-8")
        token = {
            "access_token": "replay-token-" + secrets.token_hex(8),
            "expires_on": str(int(time.time()) + IDENTITY_TOKEN_LIFETIME),
            "resource": resource,
            "token_type": "Bearer",
        }
        return 200, json_type, json.dumps(token).encode("utf-8")

    def _rewrite_header(self, name: str, value: str) -> str:
        if name.lower() == "www-authenticate":
            value = _CHALLENGE_RESOURCE.sub(
                lambda match: match.group(1) + match.group(2) + self.url, value
            )
        return self._rewrite_origins(value)

    def _rewrite_text(self, body: bytes) -> bytes:
        if not body:
            return body
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return body
        # The recorder's sanitizer dropped the "/" between the storage host and
        # the container ("...windows.nethsmbackups"). Putting it back makes the
        # folder URLs in responses usable URLs again.
        text = _SANITIZED_BLOB_HOST.sub(r"\1/", text)
        return self._rewrite_origins(text).encode("utf-8")

    def _rewrite_origins(self, text: str) -> str:
        for origin in self.replayer.origins:
            pattern = re.compile(re.escape(origin) + r"(?::443)?(?=[/\"?\s]|$)", re.I)
            text = pattern.sub(self.url, text)
        return text


_SANITIZED_BLOB_HOST = re.compile(r"(\.blob\.core\.windows\.net)(?=[A-Za-z0-9])")


def _as_replayer(
    recordings: Union[Replayer, RecordingSource, Sequence[RecordingSource]],
) -> Replayer:
    if isinstance(recordings, Replayer):
        return recordings
    if isinstance(recordings, (Recording, str, Path)):
        recordings = [recordings]
    loaded = [
        item if isinstance(item, Recording) else load_recording(item)
        for item in recordings
    ]
    return Replayer(loaded)
