"""Running the emulator: socket, TLS, uvicorn, and the in-process handle."""

from __future__ import annotations

import logging
import secrets
import shlex
import shutil
import signal
import socket
import ssl
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Any, Callable, Dict, List, Optional, Type

import uvicorn

from .app import create_app
from .options import (
    DEFAULT_DATA_DIR,
    IDENTITY_PATH,
    TOKEN_LIFETIME_SECONDS,
    EmulatorOptions,
)
from .state import EmulatorState
from .tls import TlsFiles, ensure_certificates

logger = logging.getLogger(__name__)

#: Names of the variables in :attr:`EmulatorHandle.env`, in output order.
EXPORT_NAMES = (
    "MANAGED_HSM_URL",
    "SSL_CERT_FILE",
    "REQUESTS_CA_BUNDLE",
    "IDENTITY_ENDPOINT",
    "IDENTITY_HEADER",
)


class _NotifyingServer(uvicorn.Server):
    """A uvicorn server that calls ``on_started`` once its sockets listen."""

    def __init__(self, config: uvicorn.Config, on_started: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_started = on_started

    async def startup(self, sockets: Optional[List[socket.socket]] = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self._on_started()

    async def shutdown(self, sockets: Optional[List[socket.socket]] = None) -> None:
        # Closing an idle TLS connection waits for the client's close_notify,
        # which an idle client never sends, so stop would hang until the
        # graceful-shutdown timeout. Idle connections are aborted instead;
        # connections with a response in flight still finish it.
        for connection in list(self.server_state.connections):
            connection.shutdown()
            transport = getattr(connection, "transport", None)
            if transport is not None and transport.is_closing():
                transport.abort()
        await super().shutdown(sockets=sockets)


class _Instance:
    """Everything prepared for one run: socket, TLS files, state and server."""

    def __init__(
        self, options: EmulatorOptions, on_started: Callable[[], None]
    ) -> None:
        options.validate()
        self.temp_dir: Optional[Path] = None
        if options.data_dir is not None:
            data_dir = options.data_dir
        elif options.in_memory:
            self.temp_dir = Path(tempfile.mkdtemp(prefix="mhsm-emulator-"))
            data_dir = self.temp_dir
        else:
            data_dir = DEFAULT_DATA_DIR
        try:
            self._prepare(options, data_dir, on_started)
        except BaseException:
            # A failed start (a port in use, unreadable certificates) must not
            # leave the in-memory mode's temporary directory or the socket behind.
            bound = getattr(self, "socket", None)
            if bound is not None:
                bound.close()
            if self.temp_dir is not None:
                shutil.rmtree(self.temp_dir, ignore_errors=True)
            raise

    def _prepare(
        self, options: EmulatorOptions, data_dir: Path, on_started: Callable[[], None]
    ) -> None:
        data_dir = data_dir.resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = data_dir

        self.tls = _tls_files(options, data_dir)
        self.socket = _bind(options.host, options.port)
        self.port = int(self.socket.getsockname()[1])
        url_host = f"[{options.host}]" if ":" in options.host else options.host
        self.url = f"https://{url_host}:{self.port}"

        self.identity_header = secrets.token_urlsafe(24)
        self.state = EmulatorState(
            options,
            data_dir=data_dir,
            url=self.url,
            port=self.port,
            identity_header=self.identity_header,
        )

        config = uvicorn.Config(
            create_app(self.state),
            ssl_certfile=str(self.tls.cert_file),
            ssl_keyfile=str(self.tls.key_file),
            log_config=None,
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,
        )
        self.server = _NotifyingServer(config, on_started)
        self.options = options

    @property
    def env(self) -> Dict[str, str]:
        ca_file = str(self.tls.ca_file)
        return {
            "MANAGED_HSM_URL": self.url,
            "SSL_CERT_FILE": ca_file,
            "REQUESTS_CA_BUNDLE": ca_file,
            "IDENTITY_ENDPOINT": self.url + IDENTITY_PATH,
            "IDENTITY_HEADER": self.identity_header,
        }

    def run(self) -> None:
        """Serve until the server's ``should_exit`` flag is set."""
        try:
            self.server.run(sockets=[self.socket])
        finally:
            self.close()

    def close(self) -> None:
        self.state.close()
        self.socket.close()
        if self.temp_dir is not None:
            shutil.rmtree(self.temp_dir, ignore_errors=True)


def export_lines(env: Dict[str, str]) -> List[str]:
    """Return ``export NAME=value`` lines with shell-quoted values."""
    return [f"export {name}={shlex.quote(env[name])}" for name in EXPORT_NAMES]


def run_forever(
    options: EmulatorOptions, on_started: Callable[[Dict[str, str]], None]
) -> None:
    """Run the emulator in the calling thread until SIGINT or SIGTERM.

    :param on_started: Called with the export variables once the port listens.
    """
    holder: List[_Instance] = []
    instance = _Instance(options, lambda: on_started(holder[0].env))
    holder.append(instance)
    logger.info(
        "Managed HSM emulator serving %s (data directory %s)",
        instance.url,
        instance.data_dir,
    )
    # uvicorn stops gracefully on SIGTERM and then raises the signal again for
    # the previous handler. The default handler would end the process before
    # the in-memory mode's temporary directory is removed, so exit normally.
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        instance.run()
    finally:
        signal.signal(signal.SIGTERM, previous)
        logger.info("Managed HSM emulator stopped")


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(0)


class EmulatorHandle:
    """A running in-process emulator; stop it with :meth:`stop` or a ``with`` block.

    :ivar url: Origin of the emulator, e.g. ``https://127.0.0.1:50123``; use it
        as ``vault_url`` and as the challenge resource.
    :ivar ca_file: PEM CA bundle that verifies the emulator's certificate.
    :ivar identity_endpoint: URL of the managed identity endpoint.
    :ivar identity_header: Secret for ``X-IDENTITY-HEADER`` (``IDENTITY_HEADER``).
    :ivar principal_id: Bootstrap principal (all roles needed by the samples).
    :ivar tenant_id: Tenant named in the challenge.
    :ivar data_dir: Directory with the database, TLS files and ``blobs/``.
    :ivar blob_root: Directory with one subdirectory per emulated storage account.
    """

    def __init__(self, instance: _Instance, thread: threading.Thread) -> None:
        self._instance = instance
        self._thread = thread
        self.url = instance.url
        self.port = instance.port
        self.ca_file = instance.tls.ca_file
        self.identity_endpoint = instance.url + IDENTITY_PATH
        self.identity_header = instance.identity_header
        self.principal_id = instance.options.principal_id
        self.tenant_id = instance.options.tenant_id
        self.data_dir = instance.data_dir
        self.blob_root = instance.state.blob_root

    @property
    def env(self) -> Dict[str, str]:
        """Variables the command-line server exports, by name."""
        return self._instance.env

    def token(
        self,
        principal_id: Optional[str] = None,
        *,
        audience: Optional[str] = None,
        lifetime: int = TOKEN_LIFETIME_SECONDS,
    ) -> str:
        """Mint a bearer token without the identity endpoint.

        :param principal_id: Token ``oid``; defaults to the bootstrap principal.
        :param audience: Token ``aud``; defaults to :attr:`url`.
        :param lifetime: Seconds until the token expires; negative values give
            an already expired token.
        """
        return self._instance.state.issuer.mint(
            principal_id or self.principal_id, audience or self.url, lifetime=lifetime
        )

    def ssl_context(self) -> ssl.SSLContext:
        """Return a client TLS context that trusts :attr:`ca_file`."""
        return ssl.create_default_context(cafile=str(self.ca_file))

    def stop(self, timeout: float = 10.0) -> None:
        """Shut the server down and wait up to ``timeout`` seconds for it."""
        self._instance.server.should_exit = True
        self._thread.join(timeout)
        if self._thread.is_alive():
            logger.warning("Emulator thread did not stop within %.1f s", timeout)

    def __enter__(self) -> EmulatorHandle:
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.stop()


def start_emulator(
    options: Optional[EmulatorOptions] = None,
    *,
    startup_timeout: float = 15.0,
    **fields: object,
) -> EmulatorHandle:
    """Start an emulator in a background thread and return once it listens.

    Keyword arguments are :class:`EmulatorOptions` fields and override
    ``options``. Without ``data_dir`` the state lives in memory and a temporary
    directory (removed on stop) contains TLS files and blobs. ``port`` defaults
    to 0, a free port.

    :raises ValueError: for invalid options.
    :raises RuntimeError: when the server does not start within ``startup_timeout``
        seconds.
    """
    base = options or EmulatorOptions()
    merged = replace(base, **fields)  # type: ignore[arg-type]
    if merged.data_dir is None:
        merged = replace(merged, in_memory=True)
    elif not isinstance(merged.data_dir, Path):
        merged = replace(merged, data_dir=Path(merged.data_dir))
    started = threading.Event()
    instance = _Instance(merged, started.set)
    thread = threading.Thread(target=instance.run, name="mhsm-emulator", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not started.wait(0.05):
        if not thread.is_alive() or time.monotonic() > deadline:
            instance.server.should_exit = True
            thread.join(5)
            raise RuntimeError(f"Managed HSM emulator did not start on {instance.url}")
    return EmulatorHandle(instance, thread)


def _tls_files(options: EmulatorOptions, data_dir: Path) -> TlsFiles:
    if options.cert_file is not None and options.key_file is not None:
        return TlsFiles(
            cert_file=options.cert_file,
            key_file=options.key_file,
            ca_file=options.ca_file or options.cert_file,
        )
    generated = ensure_certificates(data_dir / "tls")
    if options.ca_file is not None:
        return replace(generated, ca_file=options.ca_file)
    return generated


def _bind(host: str, port: int) -> socket.socket:
    address = "127.0.0.1" if host == "localhost" else host
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    # proto=IPPROTO_TCP makes asyncio set TCP_NODELAY on accepted connections;
    # without it, Nagle's algorithm delays each response by about 40 ms.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((address, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    return sock
