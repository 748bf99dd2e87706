"""Local Managed HSM emulator speaking the live service's HTTPS wire contract.

It serves role definitions and assignments, full backup and restore jobs,
selective key restore, account settings and a minimal keys data plane, all
behind bearer-token auth with the live service's 401 challenge and local RBAC
enforcement. State is kept in SQLite.

Run it as a server::

    python -m azure_keyvault_administration_clone.emulator --port 0
    # or: mhsm-emulator --data-dir ./.mhsm-emulator

Once it listens it prints these lines to stdout, with shell-quoted values, and
flushes; a script reads them from the server's output::

    export MANAGED_HSM_URL=https://127.0.0.1:50123
    export SSL_CERT_FILE=/path/tls/ca.pem
    export REQUESTS_CA_BUNDLE=/path/tls/ca.pem
    export IDENTITY_ENDPOINT=https://127.0.0.1:50123/msi/token
    export IDENTITY_HEADER=...

With those variables set, azure-identity's ``DefaultAzureCredential()`` and
``ManagedIdentityCredential()`` get tokens from the emulator. The challenge
names the emulator's origin as resource, so azure-keyvault-keys needs
``KeyClient(url, credential, verify_challenge_resource=False)``.
``ManagedIdentityCredential(client_id="<id>")`` (or ``object_id`` in
``identity_config``) gets a token for principal ``<id>``, which starts with no
roles.

In-process use (for tests)::

    from azure_keyvault_administration_clone.emulator import start_emulator

    with start_emulator(job_seconds=0.2) as hsm:
        hsm.url, hsm.ca_file, hsm.env, hsm.principal_id
        token = hsm.token()                # bootstrap principal
        other = hsm.token("some-principal")  # a principal without roles

:func:`start_emulator` takes the fields of :class:`EmulatorOptions` as keyword
arguments and returns an :class:`EmulatorHandle` with ``url``, ``port``,
``ca_file``, ``identity_endpoint``, ``identity_header``, ``principal_id``,
``tenant_id``, ``data_dir``, ``blob_root``, ``env``, ``token(principal_id=None,
*, audience=None, lifetime=3600)``, ``ssl_context()`` and ``stop()``. Without
``data_dir`` the state is in memory and the files go to a temporary directory.

The bootstrap principal (``--principal-id``, default
:data:`DEFAULT_PRINCIPAL_ID`) has Managed HSM Administrator, Crypto User and
Crypto Officer at scope ``/``. Backup containers map to directories under
``<data dir>/blobs/<account>/<container>``. A backup creates its container
directory on demand. Any SAS token with ``sv`` and ``sig`` fields is accepted.
Only loopback addresses can be bound.
"""

from __future__ import annotations

from .options import (
    ADMIN_API_VERSIONS,
    DEFAULT_PRINCIPAL_ID,
    DEFAULT_TENANT_ID,
    EmulatorOptions,
)
from .server import EmulatorHandle, start_emulator

__all__ = [
    "ADMIN_API_VERSIONS",
    "DEFAULT_PRINCIPAL_ID",
    "DEFAULT_TENANT_ID",
    "EmulatorHandle",
    "EmulatorOptions",
    "start_emulator",
]
