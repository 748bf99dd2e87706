"""Settings of one emulator instance and the fixed values of the wire contract."""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from pathlib import Path
from typing import FrozenSet, Optional

#: Tenant used in the ``authorization`` URL of the challenge and in token ``tid``.
DEFAULT_TENANT_ID = "00000000-0000-0000-0000-000000000000"

#: Principal (token ``oid``) that receives the bootstrap role assignments.
DEFAULT_PRINCIPAL_ID = "11111111-1111-1111-1111-111111111111"

#: HSM name used in backup folder names (``mhsm-<name>-<timestamp>``).
DEFAULT_HSM_NAME = "emulator"

#: Data directory of the command-line server when neither ``--data-dir`` nor
#: ``--in-memory`` is given.
DEFAULT_DATA_DIR = Path(".mhsm-emulator")

#: Audience of tokens issued for the live service; the emulator accepts it too.
SERVICE_AUDIENCE = "https://managedhsm.azure.net"

#: Versions of the administration API that the emulator accepts.
ADMIN_API_VERSIONS: FrozenSet[str] = frozenset(
    {
        "7.2",
        "7.3",
        "7.4-preview.1",
        "7.4",
        "7.5-preview.1",
        "7.5",
        "7.6-preview.1",
        "7.6-preview.2",
        "7.6",
        "2025-07-01",
    }
)

#: Versions accepted on the keys routes. azure-keyvault-keys 4.11 offers
#: 2016-10-01 and 7.0 to 7.6 besides its default 2025-07-01.
KEYS_API_VERSIONS: FrozenSet[str] = ADMIN_API_VERSIONS | {"2016-10-01", "7.0", "7.1"}

#: Versions in which a backup request must carry a SAS token, because
#: ``useManagedIdentity`` only exists from 7.5 on.
SAS_REQUIRED_API_VERSIONS: FrozenSet[str] = frozenset(
    {"7.2", "7.3", "7.4-preview.1", "7.4"}
)

#: Version named in the "version is not recognized" error message.
LATEST_API_VERSION = "2025-07-01"

#: Largest request body the emulator reads, in bytes.
MAX_BODY_BYTES = 1024 * 1024

#: Lifetime of tokens from the identity endpoint, in seconds.
TOKEN_LIFETIME_SECONDS = 3600

#: Path of the App Service style managed identity endpoint.
IDENTITY_PATH = "/msi/token"


@dataclass(frozen=True)
class EmulatorOptions:
    """Settings of one emulator instance.

    :ivar data_dir: Directory with the SQLite database, TLS files and blob folders.
        ``None`` together with ``in_memory`` uses a temporary directory that is
        removed on stop.
    :ivar in_memory: Keep the state in an in-memory SQLite database.
    :ivar host: Loopback address to bind (``127.0.0.1``, ``::1`` or ``localhost``).
    :ivar port: TCP port; 0 picks a free port.
    :ivar name: HSM name used in backup folder names.
    :ivar tenant_id: Tenant in the challenge and in token ``tid`` claims.
    :ivar principal_id: Principal that has the bootstrap role assignments and is
        the default subject of identity-endpoint tokens.
    :ivar job_seconds: Duration of every backup or restore job, in seconds.
    :ivar retry_after: ``Retry-After`` value of job responses, in whole seconds;
        ``None`` means ``ceil(job_seconds)``.
    :ivar cert_file: PEM server certificate to use instead of a generated one.
    :ivar key_file: PEM private key of ``cert_file``.
    :ivar ca_file: PEM bundle that clients should trust. Defaults to the generated
        CA, or to ``cert_file`` when a certificate is given.
    """

    data_dir: Optional[Path] = None
    in_memory: bool = False
    host: str = "127.0.0.1"
    port: int = 0
    name: str = DEFAULT_HSM_NAME
    tenant_id: str = DEFAULT_TENANT_ID
    principal_id: str = DEFAULT_PRINCIPAL_ID
    job_seconds: float = 1.0
    retry_after: Optional[int] = None
    cert_file: Optional[Path] = None
    key_file: Optional[Path] = None
    ca_file: Optional[Path] = None

    def validate(self) -> None:
        """Raise :class:`ValueError` naming the first invalid option."""
        if not is_loopback_host(self.host):
            raise ValueError(
                f"host {self.host!r} is not a loopback address. The emulator only "
                "binds to 127.0.0.1, ::1 or localhost"
            )
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port {self.port} is outside 0..65535")
        if not math.isfinite(self.job_seconds) or self.job_seconds < 0:
            raise ValueError(
                f"job_seconds {self.job_seconds} must be a finite number >= 0"
            )
        if self.retry_after is not None and self.retry_after < 0:
            raise ValueError(f"retry_after {self.retry_after} must be >= 0")
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("cert_file and key_file must be given together")
        if not self.name or "/" in self.name:
            raise ValueError(f"name {self.name!r} must be non-empty and contain no '/'")
        if not self.principal_id:
            raise ValueError("principal_id must not be empty")

    @property
    def effective_retry_after(self) -> int:
        """``Retry-After`` seconds sent with job responses."""
        if self.retry_after is not None:
            return self.retry_after
        return math.ceil(self.job_seconds)


def is_loopback_host(host: str) -> bool:
    """Return whether ``host`` names a loopback interface."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
