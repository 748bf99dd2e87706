"""Self-tests of the replay infrastructure, on synthetic recordings."""

from __future__ import annotations

import json
import ssl
from typing import Any, Optional

import httpx
import pytest
from azure.core import AsyncPipelineClient, PipelineClient
from azure.core.rest import HttpRequest

from .recording import (
    MISMATCH_STATUS,
    RecordedEntry,
    Replayer,
    normalize_path,
    route_shape,
)
from .server import ReplayServer
from .transport import AsyncReplayTransport, ReplayTransport

HOST = "https://Sanitized.managedhsm.azure.net"
CHALLENGE_HEADER = (
    'Bearer authorization="https://login.microsoftonline.com/tenant-1",'
    ' resource="https://managedhsm.azure.net"'
)
AUTH = {"Authorization": "Bearer token"}
JOB_URL = HOST + "/backup/job1/pending"


def make_entry(
    method: str,
    path: str,
    status: int = 200,
    body: Any = None,
    headers: Optional[dict[str, str]] = None,
    request_body: Any = None,
) -> RecordedEntry:
    return RecordedEntry(
        index=0,
        source="synthetic.json",
        method=method,
        uri=HOST + path,
        request_headers={},
        request_body=request_body,
        status_code=status,
        response_headers=headers or {"Content-Type": "application/json"},
        response_body=body,
    )


def challenge_entry(method: str, path: str) -> RecordedEntry:
    headers = {"WWW-Authenticate": CHALLENGE_HEADER, "Content-Length": "2"}
    return make_entry(method, path, 401, "OK", headers)


def poll_entry(status: str) -> RecordedEntry:
    return make_entry("GET", "/backup/job1/pending", body={"status": status})


def test_normalize_path_collapses_slashes() -> None:
    url = HOST + "///providers/Microsoft.Authorization/roleDefinitions?x=1"
    assert normalize_path(url) == "/providers/Microsoft.Authorization/roleDefinitions"


def test_route_shape_hides_names() -> None:
    path = "/providers/Microsoft.Authorization/roleAssignments/some-uuid"
    shape = "/providers/Microsoft.Authorization/roleAssignments/{name}"
    assert route_shape(path) == shape
    assert route_shape("/keys/k1/restore") == "/keys/{name}/restore"
    assert route_shape("/keys/providers/x") == "/keys/providers/x"


def test_replayer_serves_in_order() -> None:
    replayer = Replayer(
        [challenge_entry("GET", "/settings"), make_entry("GET", "/settings", body={})]
    )

    first = replayer.handle("GET", HOST + "/settings?api-version=7.6", {}, b"")
    second = replayer.handle("GET", HOST + "/settings", AUTH, b"")

    assert first.status_code == 401
    assert second.status_code == 200
    assert replayer.errors == []
    replayer.assert_all_used()


def test_replayer_skips_challenge_when_authorized() -> None:
    replayer = Replayer(
        [challenge_entry("GET", "/settings"), make_entry("GET", "/settings", body={})]
    )

    reply = replayer.handle("GET", HOST + "/settings", AUTH, b"")

    assert reply.status_code == 200
    assert len(replayer.skipped) == 1
    replayer.assert_all_used()


def test_replayer_rejects_unauthorized_request() -> None:
    replayer = Replayer([make_entry("GET", "/settings", body={})])

    reply = replayer.handle("GET", HOST + "/settings", {}, b"")

    assert reply.status_code == MISMATCH_STATUS
    assert "without an Authorization header" in replayer.errors[0]


def test_replayer_matches_generated_names() -> None:
    recorded_path = "/providers/Microsoft.Authorization/roleAssignments/some-uuid"
    body = {"name": "some-uuid"}
    replayer = Replayer([make_entry("PUT", recorded_path, 201, body)])

    own_name = "/providers/Microsoft.Authorization/roleAssignments/0f6e-generated"
    reply = replayer.handle("PUT", HOST + own_name, AUTH, b"{}")

    assert reply.status_code == 201
    assert json.loads(reply.body) == body


def test_replayer_repeats_last_poll() -> None:
    replayer = Replayer([poll_entry("InProgress"), poll_entry("Succeeded")])

    statuses = [
        json.loads(replayer.handle("GET", JOB_URL, AUTH, b"").body)["status"]
        for _ in range(4)
    ]

    assert statuses == ["InProgress", "Succeeded", "Succeeded", "Succeeded"]
    replayer.assert_all_used()


def test_replayer_limits_poll_repeats() -> None:
    replayer = Replayer([poll_entry("InProgress")], max_poll_repeats=2)

    codes = [replayer.handle("GET", JOB_URL, AUTH, b"").status_code for _ in range(4)]

    assert codes == [200, 200, 200, MISMATCH_STATUS]


def test_replayer_skips_polls_after_finish() -> None:
    replayer = Replayer(
        [
            poll_entry("Succeeded"),
            poll_entry("Succeeded"),
            make_entry("PUT", "/restore", 202, {"status": "InProgress"}),
        ]
    )

    replayer.handle("GET", JOB_URL, AUTH, b"")
    reply = replayer.handle("PUT", HOST + "/restore", AUTH, b"{}")

    assert reply.status_code == 202
    assert len(replayer.skipped) == 1
    replayer.assert_all_used()


def test_replayer_keeps_unfinished_polls() -> None:
    replayer = Replayer(
        [poll_entry("InProgress"), make_entry("PUT", "/restore", 202, {})]
    )

    reply = replayer.handle("PUT", HOST + "/restore", AUTH, b"{}")

    assert reply.status_code == MISMATCH_STATUS
    assert "expected #0 GET /backup/job1/pending" in replayer.errors[0]


def test_assert_all_used_lists_leftovers() -> None:
    replayer = Replayer([make_entry("GET", "/settings", body={})])

    with pytest.raises(AssertionError, match="1 recorded entries were not used"):
        replayer.assert_all_used()


def test_transport_returns_rest_response() -> None:
    entry = make_entry(
        "PATCH", "/settings/x", body={"value": "true"}, headers={"Content-Length": "1"}
    )
    transport = ReplayTransport(Replayer([entry]))
    client = PipelineClient(HOST, transport=transport)

    request = HttpRequest("PATCH", HOST + "/settings/x", json={"value": "true"})
    request.headers.update(AUTH)
    response = client.send_request(request)

    assert response.status_code == 200
    assert response.json() == {"value": "true"}
    assert response.headers["Content-Length"] != "1"
    assert transport.replayer.received[0].json() == {"value": "true"}


async def test_async_transport_returns_response() -> None:
    transport = AsyncReplayTransport(
        Replayer([make_entry("GET", "/settings", body={"settings": []})])
    )
    client = AsyncPipelineClient(HOST, transport=transport)

    request = HttpRequest("GET", HOST + "/settings", headers=AUTH)
    response = await client.send_request(request)
    await response.read()
    await transport.sleep(10)

    assert response.status_code == 200
    assert response.json() == {"settings": []}
    assert transport.sleeps == [10]


def test_server_rewrites_recorded_origins() -> None:
    backup = make_entry(
        "POST",
        "/backup",
        202,
        {"jobId": "job1", "kid": HOST + "/keys/k/1"},
        {"azure-asyncoperation": JOB_URL, "Content-Length": "3"},
    )
    replayer = Replayer([challenge_entry("POST", "/backup"), backup])

    with ReplayServer(replayer) as server:
        tls = ssl.create_default_context(cafile=server.ca_file)
        with httpx.Client(verify=tls, timeout=10) as http:
            challenge = http.post(server.url + "/backup")
            accepted = http.post(server.url + "/backup", headers=AUTH, json={})
        origin = server.url

    resource = challenge.headers["WWW-Authenticate"]
    assert f'resource="{origin}"' in resource
    assert challenge.content == b"OK"
    assert accepted.status_code == 202
    assert accepted.headers["azure-asyncoperation"] == origin + "/backup/job1/pending"
    assert accepted.json()["kid"] == origin + "/keys/k/1"
    replayer.assert_all_used()


def test_server_issues_identity_token() -> None:
    replayer = Replayer([make_entry("GET", "/settings", body={})])

    with ReplayServer(replayer) as server:
        tls = ssl.create_default_context(cafile=server.ca_file)
        params = {"api-version": "2019-08-01", "resource": "https://x"}
        good = httpx.get(
            server.identity_endpoint,
            params=params,
            headers={"X-IDENTITY-HEADER": server.identity_header},
            verify=tls,
        )
        bad = httpx.get(server.identity_endpoint, params=params, verify=tls)

    assert good.status_code == 200
    assert good.json()["resource"] == "https://x"
    assert good.json()["token_type"] == "Bearer"
    assert int(good.json()["expires_on"]) > 0
    assert bad.status_code == 400
    assert len(replayer.errors) == 1


def test_server_rejects_public_address() -> None:
    with pytest.raises(ValueError, match="not a loopback address"):
        ReplayServer(Replayer([make_entry("GET", "/settings")]), host="0.0.0.0")
