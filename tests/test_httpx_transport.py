"""Tests for the httpx-based azure-core transports.

respx intercepts httpx for exact request and error checks. A threaded HTTP server
on 127.0.0.1 (plain and TLS) covers what respx cannot show: bytes on the wire,
timeouts, truncated bodies, proxies and socket cleanup.
"""

from __future__ import annotations

import datetime
import gc
import gzip
import io
import ipaddress
import json
import logging
import socket
import ssl
import threading
import time
import warnings
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from azure.core import AsyncPipelineClient, PipelineClient
from azure.core.exceptions import (
    DecodeError,
    IncompleteReadError,
    ServiceRequestError,
    ServiceRequestTimeoutError,
    ServiceResponseError,
    ServiceResponseTimeoutError,
)
from azure.core.pipeline import AsyncPipeline, Pipeline
from azure.core.pipeline.policies import (
    AsyncRetryPolicy,
    HttpLoggingPolicy,
    RetryPolicy,
)
from azure.core.pipeline.transport import HttpRequest as LegacyHttpRequest
from azure.core.rest import HttpRequest

from azure_keyvault_administration_clone._internal.httpx_transport import (
    AsyncHttpxTransport,
    AsyncHttpxTransportResponse,
    HttpxTransport,
    HttpxTransportResponse,
    LegacyAsyncHttpxTransportResponse,
    LegacyHttpxTransportResponse,
)

MOCK_URL = "https://127.0.0.1:8443"
CHUNKS = [b"first-", b"second-", b"third"]
GZIP_TEXT = b"compressed payload " * 20


# ---------------------------------------------------------------------------
# Local server
# ---------------------------------------------------------------------------


class _RecordingServer(ThreadingHTTPServer):
    daemon_threads = True
    records: list[dict[str, Any]]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _RecordingServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = self.headers.get("Content-Length")
        return self.rfile.read(int(length)) if length else b""

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _handle(self) -> None:
        body = self._read_body()
        record = {
            "method": self.command,
            "path": self.path,
            "headers": list(self.headers.items()),
            "body": body,
        }
        self.server.records.append(record)
        path = self.path.split("?")[0]

        if path.endswith("/slow"):
            time.sleep(1.0)
            self._send(200, b"late", {})
        elif path.endswith("/gzip"):
            self._send(
                200,
                gzip.compress(GZIP_TEXT),
                {"Content-Encoding": "gzip", "Content-Type": "text/plain"},
            )
        elif path.endswith("/chunks"):
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("X-Response-Thing", "streamed")
            self.end_headers()
            for chunk in CHUNKS:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        elif path.endswith("/truncated"):
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"only ten b")
            self.wfile.flush()
            self.close_connection = True
        elif path.endswith("/cookie"):
            self._send(200, b"", {"Set-Cookie": "session=abc; Path=/"})
        else:
            echo = {
                "method": self.command,
                "path": self.path,
                "body": body.decode("latin-1"),
            }
            self._send(
                200,
                json.dumps(echo).encode(),
                {
                    "Content-Type": "application/json; charset=utf-8",
                    "X-Response-Thing": "a",
                },
            )

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle


def _start_server(context: ssl.SSLContext | None = None) -> _RecordingServer:
    server = _RecordingServer(("127.0.0.1", 0), _Handler)
    server.records = []
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


def _server_url(server: _RecordingServer, scheme: str = "http") -> str:
    host, port = server.server_address[:2]
    return f"{scheme}://{host!s}:{port}"


@pytest.fixture(scope="module")
def http_server() -> Iterator[_RecordingServer]:
    server = _start_server()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def server(http_server: _RecordingServer) -> _RecordingServer:
    http_server.records.clear()
    return http_server


@pytest.fixture
def base_url(server: _RecordingServer) -> str:
    return _server_url(server)


@pytest.fixture(autouse=True)
def _no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def _self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / "cert.pem"
    key_path = directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture(scope="module")
def tls_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[_RecordingServer, Path]]:
    cert_path, key_path = _self_signed_certificate(tmp_path_factory.mktemp("tls"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    server = _start_server(context)
    yield server, cert_path
    server.shutdown()
    server.server_close()


@pytest.fixture
def closed_port() -> int:
    """Return a port on 127.0.0.1 that refuses connections."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _header(record: dict[str, Any], name: str) -> str | None:
    values = [v for k, v in record["headers"] if k.lower() == name.lower()]
    return values[0] if values else None


def _resource_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]


# ---------------------------------------------------------------------------
# Sync: requests and responses
# ---------------------------------------------------------------------------


def test_send_exact_request_via_respx() -> None:
    request = HttpRequest(
        "PUT",
        f"{MOCK_URL}/keys/k1?api-version=7.5",
        headers={"X-Custom-Header": "Value-1", "Authorization": "Bearer t"},
        json={"kty": "RSA", "size": 2048},
    )
    with respx.mock:
        route = respx.put(f"{MOCK_URL}/keys/k1?api-version=7.5").respond(
            201, json={"ok": True}, headers={"X-Ms-Request-Id": "r1"}
        )
        with HttpxTransport() as transport:
            response = transport.send(request)

    sent = route.calls.last.request
    assert sent.method == "PUT"
    assert str(sent.url) == f"{MOCK_URL}/keys/k1?api-version=7.5"
    assert sent.headers["X-Custom-Header"] == "Value-1"
    assert sent.headers["Authorization"] == "Bearer t"
    assert sent.headers["Content-Type"] == "application/json"
    assert json.loads(sent.content) == {"kty": "RSA", "size": 2048}
    assert isinstance(response, HttpxTransportResponse)
    assert response.status_code == 201
    assert response.headers["x-ms-request-id"] == "r1"
    assert response.json() == {"ok": True}
    assert response.is_closed


def test_response_status_headers_text_json(base_url: str) -> None:
    with HttpxTransport() as transport:
        response = transport.send(HttpRequest("GET", f"{base_url}/echo?a=1"))

    assert response.status_code == 200
    assert response.reason == "OK"
    assert response.headers["x-response-thing"] == "a"
    assert response.headers["X-RESPONSE-THING"] == "a"
    assert "X-Response-Thing" in list(response.headers.keys())
    assert response.content_type == "application/json; charset=utf-8"
    assert json.loads(response.text()) == response.json()
    assert response.json()["path"] == "/echo?a=1"


def test_header_names_and_values_preserved(server: _RecordingServer) -> None:
    request = HttpRequest(
        "GET",
        f"{_server_url(server)}/echo",
        headers={"X-Ms-Client-Request-Id": "abc-123", "x-lower": "MiXeD Value"},
    )
    with HttpxTransport() as transport:
        transport.send(request)

    headers = server.records[-1]["headers"]
    assert ("X-Ms-Client-Request-Id", "abc-123") in headers
    assert ("x-lower", "MiXeD Value") in headers


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_bodiless_request_sends_content_length_zero(
    server: _RecordingServer, method: str
) -> None:
    with HttpxTransport() as transport:
        transport.send(HttpRequest(method, f"{_server_url(server)}/echo"))
        transport.send(HttpRequest(method, f"{_server_url(server)}/echo", content=b""))

    for record in server.records:
        assert record["method"] == method
        assert _header(record, "Content-Length") == "0"
        assert _header(record, "Transfer-Encoding") is None
        assert record["body"] == b""


@pytest.mark.parametrize(
    ("kwargs", "expected_body", "expected_type"),
    [
        ({"content": b"\x00raw\xff"}, b"\x00raw\xff", None),
        ({"content": "plain text"}, b"plain text", "text/plain"),
        ({"content": "h\u00e9llo"}, "h\u00e9llo".encode(), "text/plain"),
        ({"json": {"a": [1, 2]}}, b'{"a": [1, 2]}', "application/json"),
        (
            {"data": {"a": "1", "b": "two words"}},
            b"a=1&b=two+words",
            "application/x-www-form-urlencoded",
        ),
    ],
    ids=["bytes", "str", "non-ascii-str", "json", "form"],
)
def test_body_sent_exactly(
    server: _RecordingServer,
    kwargs: dict[str, Any],
    expected_body: bytes,
    expected_type: str | None,
) -> None:
    with HttpxTransport() as transport:
        transport.send(HttpRequest("POST", f"{_server_url(server)}/echo", **kwargs))

    record = server.records[-1]
    assert record["body"] == expected_body
    assert _header(record, "Content-Length") == str(len(expected_body))
    assert _header(record, "Content-Type") == expected_type


def test_file_body_sent_with_length(server: _RecordingServer) -> None:
    body = io.BytesIO(b"skip:file-bytes")
    body.seek(5)
    with HttpxTransport() as transport:
        transport.send(HttpRequest("PUT", f"{_server_url(server)}/echo", content=body))

    record = server.records[-1]
    assert record["body"] == b"file-bytes"
    assert _header(record, "Content-Length") == "10"


def test_iterable_body_sent_chunked(server: _RecordingServer) -> None:
    request = HttpRequest(
        "PUT", f"{_server_url(server)}/echo", content=iter([b"ab", b"cd"])
    )
    with HttpxTransport() as transport:
        transport.send(request)

    record = server.records[-1]
    assert record["body"] == b"abcd"
    assert _header(record, "Transfer-Encoding") == "chunked"


def test_multipart_files_and_data(server: _RecordingServer) -> None:
    request = HttpRequest(
        "POST",
        f"{_server_url(server)}/echo",
        files={"upload": ("a.txt", b"hello file", "text/plain")},
        data={"field": "value"},
    )
    with HttpxTransport() as transport:
        transport.send(request)

    record = server.records[-1]
    content_type = _header(record, "Content-Type") or ""
    assert content_type.startswith("multipart/form-data; boundary=")
    assert b'name="field"\r\n\r\nvalue' in record["body"]
    assert b'name="upload"; filename="a.txt"' in record["body"]
    assert b"hello file" in record["body"]


def test_sync_transport_rejects_async_body(base_url: str) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"x"

    request = HttpRequest("POST", f"{base_url}/echo", content=chunks())
    with HttpxTransport() as transport, pytest.raises(TypeError, match="Async"):
        transport.send(request)


def test_cookies_not_stored(server: _RecordingServer) -> None:
    with HttpxTransport() as transport:
        transport.send(HttpRequest("GET", f"{_server_url(server)}/cookie"))
        transport.send(HttpRequest("GET", f"{_server_url(server)}/echo"))

    assert _header(server.records[-1], "Cookie") is None


# ---------------------------------------------------------------------------
# Sync: streaming
# ---------------------------------------------------------------------------


def test_stream_iter_bytes(base_url: str) -> None:
    with HttpxTransport(connection_data_block_size=4) as transport:
        response = transport.send(HttpRequest("GET", f"{base_url}/chunks"), stream=True)
        assert not response.is_stream_consumed
        chunks = list(response.iter_bytes())

    assert b"".join(chunks) == b"".join(CHUNKS)
    assert max(len(chunk) for chunk in chunks) <= 4
    assert response.is_stream_consumed
    assert response.is_closed


def test_stream_gzip_decoded_or_raw(base_url: str) -> None:
    with HttpxTransport() as transport:
        decoded = transport.send(HttpRequest("GET", f"{base_url}/gzip"), stream=True)
        raw = transport.send(HttpRequest("GET", f"{base_url}/gzip"), stream=True)
        decoded_bytes = b"".join(decoded.iter_bytes())
        raw_bytes = b"".join(raw.iter_raw())

    assert decoded_bytes == GZIP_TEXT
    assert gzip.decompress(raw_bytes) == GZIP_TEXT


def test_stream_download_pipeline_client(base_url: str) -> None:
    client = PipelineClient(base_url, transport=HttpxTransport())
    with client:
        response = client.send_request(
            HttpRequest("GET", f"{base_url}/chunks"), stream=True
        )
        downloaded = b"".join(response.stream_download(client._pipeline))

    assert downloaded == b"".join(CHUNKS)
    assert response.headers["x-response-thing"] == "streamed"


def test_stream_read_then_content(base_url: str) -> None:
    with HttpxTransport() as transport:
        response = transport.send(HttpRequest("GET", f"{base_url}/gzip"), stream=True)
        assert response.read() == GZIP_TEXT

    assert response.content == GZIP_TEXT
    assert response.text() == GZIP_TEXT.decode()


def test_truncated_body_raises_incomplete_read(base_url: str) -> None:
    with HttpxTransport() as transport:
        with pytest.raises(IncompleteReadError) as not_streamed:
            transport.send(HttpRequest("GET", f"{base_url}/truncated"))
        response = transport.send(
            HttpRequest("GET", f"{base_url}/truncated"), stream=True
        )
        with pytest.raises(IncompleteReadError) as streamed:
            b"".join(response.iter_bytes())

    assert isinstance(not_streamed.value.__cause__, httpx.RemoteProtocolError)
    assert isinstance(streamed.value.__cause__, httpx.RemoteProtocolError)


# ---------------------------------------------------------------------------
# Sync: legacy requests
# ---------------------------------------------------------------------------


def test_legacy_request_returns_legacy_response(server: _RecordingServer) -> None:
    request = LegacyHttpRequest("POST", f"{_server_url(server)}/echo")
    request.set_json_body({"legacy": True})
    with HttpxTransport() as transport:
        response = transport.send(request)

    assert isinstance(response, LegacyHttpxTransportResponse)
    assert server.records[-1]["body"] == b'{"legacy": true}'
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert json.loads(response.body())["method"] == "POST"
    assert json.loads(response.text())["method"] == "POST"


def test_legacy_stream_download_in_pipeline(base_url: str) -> None:
    pipeline = Pipeline(HttpxTransport())
    with pipeline:
        result = pipeline.run(
            LegacyHttpRequest("GET", f"{base_url}/chunks"), stream=True
        )
        downloaded = b"".join(result.http_response.stream_download(pipeline))

    assert downloaded == b"".join(CHUNKS)


# ---------------------------------------------------------------------------
# Sync: errors
# ---------------------------------------------------------------------------


def test_connect_error_is_service_request_error(closed_port: int) -> None:
    request = HttpRequest("GET", f"http://127.0.0.1:{closed_port}/keys")
    with HttpxTransport() as transport:
        with pytest.raises(ServiceRequestError) as caught:
            transport.send(request)

    assert type(caught.value) is ServiceRequestError
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert caught.value.inner_exception is caught.value.__cause__


def test_error_message_omits_secrets(closed_port: int) -> None:
    request = HttpRequest(
        "GET",
        f"http://127.0.0.1:{closed_port}/blob?sv=1&sig=SECRETSIG",
        headers={"Authorization": "Bearer SECRETTOKEN"},
    )
    with HttpxTransport() as transport:
        with pytest.raises(ServiceRequestError) as caught:
            transport.send(request)

    for text in (str(caught.value), caught.value.message, caught.value.exc_msg):
        assert "SECRETSIG" not in text
        assert "SECRETTOKEN" not in text
        assert "sv=1" not in text
    assert f"GET http://127.0.0.1:{closed_port}/blob" in str(caught.value)


def test_read_timeout_is_response_timeout(base_url: str) -> None:
    with HttpxTransport(read_timeout=0.2) as transport:
        with pytest.raises(ServiceResponseTimeoutError) as caught:
            transport.send(HttpRequest("GET", f"{base_url}/slow"))

    assert isinstance(caught.value, ServiceResponseError)
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)


def test_per_request_read_timeout(base_url: str) -> None:
    with HttpxTransport() as transport:
        with pytest.raises(ServiceResponseTimeoutError):
            transport.send(HttpRequest("GET", f"{base_url}/slow"), read_timeout=0.2)
        with pytest.raises(ServiceResponseTimeoutError):
            transport.send(
                HttpRequest("GET", f"{base_url}/slow"), connection_timeout=(5, 0.2)
            )


@pytest.mark.parametrize(
    ("httpx_error", "expected"),
    [
        (httpx.ConnectTimeout, ServiceRequestTimeoutError),
        (httpx.PoolTimeout, ServiceRequestTimeoutError),
        (httpx.ConnectError, ServiceRequestError),
        (httpx.ProxyError, ServiceRequestError),
        (httpx.UnsupportedProtocol, ServiceRequestError),
        (httpx.LocalProtocolError, ServiceRequestError),
        (httpx.ReadTimeout, ServiceResponseTimeoutError),
        (httpx.WriteTimeout, ServiceResponseTimeoutError),
        (httpx.ReadError, ServiceResponseError),
        (httpx.WriteError, ServiceResponseError),
        (httpx.RemoteProtocolError, ServiceResponseError),
        (httpx.DecodingError, DecodeError),
    ],
)
def test_send_error_mapping(httpx_error: type[Exception], expected: type) -> None:
    with respx.mock:
        respx.get(f"{MOCK_URL}/x").mock(side_effect=httpx_error("boom"))
        with HttpxTransport() as transport:
            with pytest.raises(expected) as caught:
                transport.send(HttpRequest("GET", f"{MOCK_URL}/x"))

    assert type(caught.value) is expected
    assert isinstance(caught.value.__cause__, httpx_error)


# ---------------------------------------------------------------------------
# Sync: clients, TLS and proxies
# ---------------------------------------------------------------------------


def test_per_request_verify_uses_separate_client() -> None:
    def primary_handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="primary")

    primary = httpx.Client(transport=httpx.MockTransport(primary_handler))
    transport = HttpxTransport(client=primary, client_owner=False)
    with respx.mock:
        route = respx.get(f"{MOCK_URL}/x").respond(200, text="extra")
        default_response = transport.send(HttpRequest("GET", f"{MOCK_URL}/x"))
        extra_response = transport.send(
            HttpRequest("GET", f"{MOCK_URL}/x"), connection_verify=False
        )
        transport.close()

    assert default_response.text() == "primary"
    assert extra_response.text() == "extra"
    assert route.call_count == 1
    assert not primary.is_closed
    primary.close()


def test_tls_verification_per_request(
    tls_server: tuple[_RecordingServer, Path],
) -> None:
    server, cert_path = tls_server
    url = f"{_server_url(server, 'https')}/echo"
    with HttpxTransport() as transport:
        with pytest.raises(ServiceRequestError) as caught:
            transport.send(HttpRequest("GET", url))
        unverified = transport.send(HttpRequest("GET", url), connection_verify=False)
        with_ca = transport.send(
            HttpRequest("GET", url), connection_verify=str(cert_path)
        )

    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert unverified.status_code == 200
    assert with_ca.status_code == 200


def test_tls_ca_accepts_path_objects(
    tls_server: tuple[_RecordingServer, Path],
) -> None:
    server, cert_path = tls_server
    url = f"{_server_url(server, 'https')}/echo"
    with HttpxTransport(connection_verify=cert_path) as transport:
        constructed = transport.send(HttpRequest("GET", url))
    with HttpxTransport() as transport:
        per_request = transport.send(
            HttpRequest("GET", url), connection_verify=cert_path
        )

    assert constructed.status_code == 200
    assert per_request.status_code == 200


def test_tls_ca_from_constructor_and_env(
    tls_server: tuple[_RecordingServer, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, cert_path = tls_server
    url = f"{_server_url(server, 'https')}/echo"
    with HttpxTransport(connection_verify=str(cert_path)) as transport:
        assert transport.send(HttpRequest("GET", url)).status_code == 200

    monkeypatch.setenv("SSL_CERT_FILE", str(cert_path))
    with HttpxTransport() as transport:
        assert transport.send(HttpRequest("GET", url)).status_code == 200
    with HttpxTransport(use_env_settings=False) as transport:
        with pytest.raises(ServiceRequestError):
            transport.send(HttpRequest("GET", url))


def test_proxy_from_environment(
    server: _RecordingServer, closed_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = f"http://127.0.0.1:{closed_port}/through-proxy"
    monkeypatch.setenv("HTTP_PROXY", _server_url(server))
    with HttpxTransport() as transport:
        response = transport.send(HttpRequest("GET", target))
    with HttpxTransport(use_env_settings=False) as transport:
        with pytest.raises(ServiceRequestError):
            transport.send(HttpRequest("GET", target))

    assert response.status_code == 200
    assert server.records[-1]["path"] == target


def test_per_request_proxies(server: _RecordingServer, closed_port: int) -> None:
    target = f"http://127.0.0.1:{closed_port}/through-proxy"
    with HttpxTransport() as transport:
        response = transport.send(
            HttpRequest("GET", target), proxies={"http": _server_url(server)}
        )

    assert response.status_code == 200
    assert server.records[-1]["path"] == target


# ---------------------------------------------------------------------------
# Sync: pipeline integration
# ---------------------------------------------------------------------------


def test_retry_resends_file_body() -> None:
    body = io.BytesIO(b"prefix|payload")
    body.seek(7)
    client = PipelineClient(
        MOCK_URL,
        transport=HttpxTransport(),
        policies=[RetryPolicy(retry_backoff_factor=0), HttpLoggingPolicy()],
    )
    with respx.mock:
        route = respx.put(f"{MOCK_URL}/upload").mock(
            side_effect=[httpx.Response(503), httpx.Response(200, text="done")]
        )
        with client:
            response = client.send_request(
                HttpRequest("PUT", f"{MOCK_URL}/upload", content=body)
            )

    assert response.status_code == 200
    assert route.call_count == 2
    assert [call.request.content for call in route.calls] == [b"payload", b"payload"]


def test_retry_after_connect_error_resends_json() -> None:
    # RetryPolicy retries errors only for idempotent methods, so this uses PUT.
    client = PipelineClient(
        MOCK_URL,
        transport=HttpxTransport(),
        policies=[RetryPolicy(retry_backoff_factor=0)],
    )
    with respx.mock:
        route = respx.put(f"{MOCK_URL}/keys").mock(
            side_effect=[httpx.ConnectError("refused"), httpx.Response(200, json={})]
        )
        with client:
            response = client.send_request(
                HttpRequest("PUT", f"{MOCK_URL}/keys", json={"n": 1})
            )

    assert response.status_code == 200
    assert [call.request.content for call in route.calls] == [b'{"n": 1}'] * 2


def test_http_logging_policy_redacts_token(
    base_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = PipelineClient(
        base_url, transport=HttpxTransport(), policies=[HttpLoggingPolicy()]
    )
    request = HttpRequest(
        "GET", f"{base_url}/echo", headers={"Authorization": "Bearer SECRETTOKEN"}
    )
    with caplog.at_level(logging.INFO), client:
        response = client.send_request(request)

    assert response.status_code == 200
    assert "Response status: 200" in caplog.text
    assert "SECRETTOKEN" not in caplog.text


# ---------------------------------------------------------------------------
# Sync: lifecycle
# ---------------------------------------------------------------------------


def test_reopens_lazily_after_close(base_url: str) -> None:
    transport = HttpxTransport()
    transport.send(HttpRequest("GET", f"{base_url}/echo"))
    first_client = transport.client
    transport.close()
    response = transport.send(HttpRequest("GET", f"{base_url}/echo"))
    transport.close()

    assert first_client is not None
    assert first_client.is_closed
    assert response.status_code == 200
    assert transport.client is None


def test_client_owner_false_keeps_client_open(base_url: str) -> None:
    client = httpx.Client()
    transport = HttpxTransport(client=client, client_owner=False)
    with transport:
        transport.send(HttpRequest("GET", f"{base_url}/echo"))

    assert not client.is_closed
    client.close()
    with pytest.raises(ValueError, match="closed"):
        transport.send(HttpRequest("GET", f"{base_url}/echo"))


def test_client_owner_true_closes_passed_client() -> None:
    client = httpx.Client()
    with HttpxTransport(client=client):
        pass

    assert client.is_closed


def test_client_owner_false_requires_client() -> None:
    with pytest.raises(ValueError, match="client_owner"):
        HttpxTransport(client_owner=False)


def test_unknown_constructor_kwargs_ignored() -> None:
    transport = HttpxTransport(api_version="7.5", logging_enable=True)

    assert transport.connection_config.timeout == 300


def test_close_leaves_no_resource_warning(base_url: str) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        transport = HttpxTransport()
        transport.send(HttpRequest("GET", f"{base_url}/echo"))
        transport.send(HttpRequest("GET", f"{base_url}/echo"), connection_verify=False)
        streamed = transport.send(HttpRequest("GET", f"{base_url}/chunks"), stream=True)
        transport.close()
        del transport, streamed
        gc.collect()

    assert _resource_warnings(caught) == []


# ---------------------------------------------------------------------------
# Async
# ---------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_async_send_exact_request_via_respx() -> None:
    request = HttpRequest(
        "POST",
        f"{MOCK_URL}/keys/k1/create",
        headers={"X-Custom-Header": "Value-1"},
        json={"kty": "EC"},
    )
    with respx.mock:
        route = respx.post(f"{MOCK_URL}/keys/k1/create").respond(
            200, json={"kid": "k1"}, headers={"X-Ms-Request-Id": "r2"}
        )
        async with AsyncHttpxTransport() as transport:
            response = await transport.send(request)

    sent = route.calls.last.request
    assert sent.headers["X-Custom-Header"] == "Value-1"
    assert json.loads(sent.content) == {"kty": "EC"}
    assert isinstance(response, AsyncHttpxTransportResponse)
    assert response.status_code == 200
    assert response.headers["x-ms-request-id"] == "r2"
    assert response.json() == {"kid": "k1"}
    assert response.is_closed


@pytest.mark.asyncio
async def test_async_response_and_content_length_zero(
    server: _RecordingServer,
) -> None:
    async with AsyncHttpxTransport() as transport:
        response = await transport.send(
            HttpRequest("POST", f"{_server_url(server)}/echo")
        )

    assert response.status_code == 200
    assert response.headers["X-RESPONSE-THING"] == "a"
    assert response.json()["method"] == "POST"
    assert _header(server.records[-1], "Content-Length") == "0"


@pytest.mark.asyncio
async def test_async_bodies_sent_exactly(server: _RecordingServer) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"as"
        yield b"ync"

    url = f"{_server_url(server)}/echo"
    async with AsyncHttpxTransport() as transport:
        await transport.send(HttpRequest("PUT", url, content=chunks()))
        await transport.send(HttpRequest("PUT", url, content=iter([b"sy", b"nc"])))
        await transport.send(HttpRequest("PUT", url, content=io.BytesIO(b"file")))
        await transport.send(HttpRequest("PUT", url, content="h\u00e9"))

    bodies = [record["body"] for record in server.records]
    assert bodies == [b"async", b"sync", b"file", "h\u00e9".encode()]
    assert _header(server.records[2], "Content-Length") == "4"
    assert _header(server.records[3], "Content-Length") == "3"


@pytest.mark.asyncio
async def test_async_stream_iter_bytes_and_raw(base_url: str) -> None:
    async with AsyncHttpxTransport(connection_data_block_size=4) as transport:
        streamed = await transport.send(
            HttpRequest("GET", f"{base_url}/chunks"), stream=True
        )
        chunks = [chunk async for chunk in streamed.iter_bytes()]
        raw = await transport.send(HttpRequest("GET", f"{base_url}/gzip"), stream=True)
        raw_bytes = b"".join([chunk async for chunk in raw.iter_raw()])

    assert b"".join(chunks) == b"".join(CHUNKS)
    assert max(len(chunk) for chunk in chunks) <= 4
    assert streamed.is_closed
    assert gzip.decompress(raw_bytes) == GZIP_TEXT


@pytest.mark.asyncio
async def test_async_stream_download_pipeline_client(base_url: str) -> None:
    client = AsyncPipelineClient(base_url, transport=AsyncHttpxTransport())
    async with client:
        response = await client.send_request(
            HttpRequest("GET", f"{base_url}/gzip"), stream=True
        )
        downloaded = b"".join(
            [chunk async for chunk in response.stream_download(client._pipeline)]
        )

    assert downloaded == GZIP_TEXT


@pytest.mark.asyncio
async def test_async_legacy_request_in_pipeline(base_url: str) -> None:
    request = LegacyHttpRequest("PUT", f"{base_url}/echo")
    request.set_bytes_body(b"legacy-bytes")
    pipeline = AsyncPipeline(AsyncHttpxTransport())
    async with pipeline:
        result = await pipeline.run(request)
        streamed = await pipeline.run(
            LegacyHttpRequest("GET", f"{base_url}/chunks"), stream=True
        )
        downloaded = b"".join(
            [chunk async for chunk in streamed.http_response.stream_download(pipeline)]
        )

    response = result.http_response
    assert isinstance(response, LegacyAsyncHttpxTransportResponse)
    assert json.loads(response.text())["body"] == "legacy-bytes"
    assert downloaded == b"".join(CHUNKS)


@pytest.mark.asyncio
async def test_async_connect_error(closed_port: int) -> None:
    async with AsyncHttpxTransport() as transport:
        with pytest.raises(ServiceRequestError) as caught:
            await transport.send(
                HttpRequest("GET", f"http://127.0.0.1:{closed_port}/?sig=SECRETSIG")
            )

    assert type(caught.value) is ServiceRequestError
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert "SECRETSIG" not in str(caught.value)


@pytest.mark.asyncio
async def test_async_read_timeout(base_url: str) -> None:
    async with AsyncHttpxTransport(read_timeout=0.2) as transport:
        with pytest.raises(ServiceResponseTimeoutError) as caught:
            await transport.send(HttpRequest("GET", f"{base_url}/slow"))

    assert isinstance(caught.value, ServiceResponseError)


@pytest.mark.asyncio
async def test_async_truncated_stream(base_url: str) -> None:
    async with AsyncHttpxTransport() as transport:
        response = await transport.send(
            HttpRequest("GET", f"{base_url}/truncated"), stream=True
        )
        with pytest.raises(IncompleteReadError):
            await response.read()


@pytest.mark.asyncio
async def test_async_per_request_verify_client() -> None:
    async def primary_handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="primary")

    primary = httpx.AsyncClient(transport=httpx.MockTransport(primary_handler))
    transport = AsyncHttpxTransport(client=primary, client_owner=False)
    with respx.mock:
        route = respx.get(f"{MOCK_URL}/x").respond(200, text="extra")
        default_response = await transport.send(HttpRequest("GET", f"{MOCK_URL}/x"))
        extra_response = await transport.send(
            HttpRequest("GET", f"{MOCK_URL}/x"), connection_verify=False
        )
        await transport.close()

    assert default_response.text() == "primary"
    assert extra_response.text() == "extra"
    assert route.call_count == 1
    assert not primary.is_closed
    await primary.aclose()


@pytest.mark.asyncio
async def test_async_retry_resends_file_body() -> None:
    body = io.BytesIO(b"payload")
    client = AsyncPipelineClient(
        MOCK_URL,
        transport=AsyncHttpxTransport(),
        policies=[AsyncRetryPolicy(retry_backoff_factor=0), HttpLoggingPolicy()],
    )
    with respx.mock:
        route = respx.put(f"{MOCK_URL}/upload").mock(
            side_effect=[httpx.Response(503), httpx.Response(200)]
        )
        async with client:
            response = await client.send_request(
                HttpRequest("PUT", f"{MOCK_URL}/upload", content=body)
            )

    assert response.status_code == 200
    assert [call.request.content for call in route.calls] == [b"payload", b"payload"]


@pytest.mark.asyncio
async def test_async_reopens_lazily_after_close(base_url: str) -> None:
    transport = AsyncHttpxTransport()
    await transport.send(HttpRequest("GET", f"{base_url}/echo"))
    await transport.close()
    response = await transport.send(HttpRequest("GET", f"{base_url}/echo"))
    await transport.close()

    assert response.status_code == 200
    assert transport.client is None


@pytest.mark.asyncio
async def test_async_sleep_waits() -> None:
    transport = AsyncHttpxTransport()
    start = time.monotonic()
    await transport.sleep(0.05)

    assert time.monotonic() - start >= 0.04


@pytest.mark.asyncio
async def test_async_close_leaves_no_resource_warning(base_url: str) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        transport = AsyncHttpxTransport()
        await transport.send(HttpRequest("GET", f"{base_url}/echo"))
        await transport.send(
            HttpRequest("GET", f"{base_url}/echo"), connection_verify=False
        )
        streamed = await transport.send(
            HttpRequest("GET", f"{base_url}/chunks"), stream=True
        )
        await transport.close()
        del transport, streamed
        gc.collect()

    assert _resource_warnings(caught) == []
