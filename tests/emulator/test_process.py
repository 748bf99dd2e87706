"""The command-line server, its export lines, and persistence across restarts."""

from __future__ import annotations

import os
import queue
import shlex
import socket
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from typing import Dict, Iterator, List

import httpx
import pytest

from azure_keyvault_administration_clone.emulator import start_emulator

from .support import API, CRYPTO_AUDITOR, RBAC, assign_role, make_client, run_backup

MODULE = "azure_keyvault_administration_clone.emulator"
EXPORT_NAMES = [
    "MANAGED_HSM_URL",
    "SSL_CERT_FILE",
    "REQUESTS_CA_BUNDLE",
    "IDENTITY_ENDPOINT",
    "IDENTITY_HEADER",
]


def test_help_documents_options() -> None:
    result = subprocess.run(
        [sys.executable, "-m", MODULE, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    for option in (
        "--host",
        "--port",
        "--data-dir",
        "--in-memory",
        "--name",
        "--tenant-id",
        "--principal-id",
        "--job-seconds",
        "--retry-after",
        "--cert",
        "--key",
        "--log-level",
    ):
        assert option in result.stdout, option
    assert "seconds" in result.stdout


def test_non_loopback_host_rejected() -> None:
    result = subprocess.run(
        [sys.executable, "-m", MODULE, "--host", "0.0.0.0", "--in-memory"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "loopback" in result.stderr


@pytest.fixture
def server_process(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            MODULE,
            "--port",
            "0",
            "--data-dir",
            str(tmp_path / "data"),
            "--job-seconds",
            "0.1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def read_exports(process: subprocess.Popen[str], count: int) -> List[str]:
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return [lines.get(timeout=30) for _ in range(count)]


def test_server_prints_exports_and_serves(
    server_process: subprocess.Popen[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = read_exports(server_process, len(EXPORT_NAMES))
    env: Dict[str, str] = {}
    for line in lines:
        words = shlex.split(line)
        assert words[0] == "export"
        name, _, value = words[1].partition("=")
        env[name] = value
    assert list(env) == EXPORT_NAMES
    assert env["MANAGED_HSM_URL"].startswith("https://127.0.0.1:")
    assert env["IDENTITY_ENDPOINT"] == env["MANAGED_HSM_URL"] + "/msi/token"
    assert os.path.isfile(env["SSL_CERT_FILE"])

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    from azure.identity import ManagedIdentityCredential

    token = ManagedIdentityCredential().get_token(env["MANAGED_HSM_URL"] + "/.default")
    with httpx.Client(base_url=env["MANAGED_HSM_URL"]) as http:
        response = http.get(
            f"/settings?{API}", headers={"Authorization": f"Bearer {token.token}"}
        )
    assert response.status_code == 200


def test_restart_keeps_state(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    name = str(uuid.uuid4())
    role = str(uuid.uuid4())
    with start_emulator(data_dir=data_dir, job_seconds=0.1) as first:
        with make_client(first) as http:
            http.post(f"/keys/k1/create?{API}", json={"kty": "EC"})
            kid = http.get(f"/keys/k1?{API}").json()["key"]["kid"]
            assign_role(http, "kept-principal", CRYPTO_AUDITOR, name=name)
            http.put(
                f"{RBAC}/roleDefinitions/{role}?{API}",
                json={"properties": {"roleName": "kept"}},
            )
            http.patch(
                f"/settings/AllowKeyManagementOperationsThroughARM?{API}",
                json={"value": "true"},
            )
            folder = run_backup(http)
        old_token = first.token(audience="https://managedhsm.azure.net")
    with start_emulator(data_dir=data_dir, job_seconds=0.1) as second:
        with make_client(second) as http:
            key = http.get(f"/keys/k1?{API}").json()["key"]
            assert key["kid"].rsplit("/", 2)[-2:] == kid.rsplit("/", 2)[-2:]
            assert http.get(f"{RBAC}/roleAssignments/{name}?{API}").status_code == 200
            definition = http.get(f"{RBAC}/roleDefinitions/{role}?{API}").json()
            assert definition["properties"]["roleName"] == "kept"
            setting = http.get(
                f"/settings/AllowKeyManagementOperationsThroughARM?{API}"
            ).json()
            assert setting["value"] == "true"
            query = f"$filter=principalId eq '{second.principal_id}'"
            bootstrap = http.get(f"{RBAC}/roleAssignments?{API}&{query}").json()[
                "value"
            ]
            assert len(bootstrap) == 3
            assert (second.blob_root / "testaccount" / "backups" / folder).is_dir()
        # Tokens stay valid because the signing secret is stored in the data directory.
        with httpx.Client(base_url=second.url, verify=second.ssl_context()) as http:
            response = http.get(
                f"/settings?{API}", headers={"Authorization": f"Bearer {old_token}"}
            )
        assert response.status_code == 200


def test_sigterm_removes_in_memory_files(tmp_path: Path) -> None:
    env = dict(os.environ, TMPDIR=str(tmp_path))
    process = subprocess.Popen(
        [sys.executable, "-m", MODULE, "--in-memory", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        lines = read_exports(process, len(EXPORT_NAMES))
        ca_file = Path(shlex.split(lines[1])[1].partition("=")[2])
        assert ca_file.is_file()

        process.terminate()
        returncode = process.wait(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)

    assert returncode == 0
    assert not ca_file.exists()
    assert list(tmp_path.iterdir()) == []


def test_listening_socket_disables_nagle() -> None:
    # asyncio sets TCP_NODELAY on accepted connections only when the listening
    # socket was created with proto=IPPROTO_TCP.
    with start_emulator() as hsm:
        listening = hsm._instance.socket

        assert listening.proto == socket.IPPROTO_TCP


def test_failed_start_removes_in_memory_files(tmp_path: Path) -> None:
    occupied_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    occupied_socket.bind(("127.0.0.1", 0))
    occupied_socket.listen()
    port = occupied_socket.getsockname()[1]
    env = dict(os.environ, TMPDIR=str(tmp_path))
    try:
        result = subprocess.run(
            [sys.executable, "-m", MODULE, "--in-memory", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env=env,
        )
    finally:
        occupied_socket.close()

    assert result.returncode != 0
    assert str(port) in result.stderr
    assert list(tmp_path.iterdir()) == []
