"""The state of one running emulator: storage, tokens, roles and jobs."""

from __future__ import annotations

import logging
import secrets
import time
import uuid
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Sequence

from .errors import ServiceError
from .jobs import UNFINISHED_JOB_MESSAGE, JobRunner
from .options import SERVICE_AUDIENCE, EmulatorOptions
from .rbac import (
    BOOTSTRAP_ROLES,
    ROLE_DEFINITION_ID_PREFIX,
    Assignment,
    Permission,
    is_allowed,
    load_builtin_roles,
    permissions_from_wire,
)
from .store import AssignmentRow, Store
from .tokens import TokenIssuer

logger = logging.getLogger(__name__)

DATABASE_FILE = "emulator.db"
#: Namespace of the deterministic names of bootstrap role assignments.
BOOTSTRAP_NAMESPACE = uuid.UUID("6f1d6a40-58a4-4c36-9d3c-6a7b5c1e2f90")


class EmulatorState:
    """Everything the request handlers share.

    :param options: Validated options.
    :param data_dir: Directory for blobs (and the database unless in memory).
    :param url: Origin the emulator listens on, e.g. ``https://127.0.0.1:8443``.
    :param port: TCP port of ``url``.
    :param identity_header: Secret the identity endpoint expects in
        ``X-IDENTITY-HEADER``.
    """

    def __init__(
        self,
        options: EmulatorOptions,
        *,
        data_dir: Path,
        url: str,
        port: int,
        identity_header: str,
    ) -> None:
        self.options = options
        self.data_dir = data_dir
        self.url = url
        self.port = port
        self.identity_header = identity_header
        self.blob_root = data_dir / "blobs"

        database = None if options.in_memory else data_dir / DATABASE_FILE
        self.store = Store(database)
        secret = self.store.get_or_create_meta("token_secret", secrets.token_hex(32))
        self.issuer = TokenIssuer(bytes.fromhex(secret), options.tenant_id)

        self.builtin_roles: List[Dict[str, Any]] = load_builtin_roles()
        self._builtin_by_name = {
            role["name"].lower(): role for role in self.builtin_roles
        }
        self.audiences: FrozenSet[str] = frozenset(
            {
                SERVICE_AUDIENCE,
                url,
                f"https://127.0.0.1:{port}",
                f"https://localhost:{port}",
                f"https://[::1]:{port}",
            }
        )

        failed = self.store.fail_unfinished_jobs(
            int(time.time()), UNFINISHED_JOB_MESSAGE
        )
        for job_id in failed:
            logger.warning(
                "Job %s was in progress at the last stop and is now Failed", job_id
            )
        self._grant_bootstrap_roles()
        self.jobs = JobRunner(
            self.store, hsm_name=options.name, job_seconds=options.job_seconds
        )

    def close(self) -> None:
        """Stop job timers and close the database."""
        self.jobs.close()
        self.store.close()

    def builtin_role(self, name: str) -> Optional[Dict[str, Any]]:
        """Return the built-in role definition named ``name`` (a GUID), or ``None``."""
        return self._builtin_by_name.get(name.lower())

    def find_role_definition(self, name: str) -> Optional[Dict[str, Any]]:
        """Return the built-in or custom role definition named ``name``, or ``None``."""
        return self.builtin_role(name) or self.store.get_role_definition(name)

    def all_role_definitions(self) -> List[Dict[str, Any]]:
        """Return built-in roles in service order followed by custom roles."""
        return self.builtin_roles + self.store.list_role_definitions()

    def require(self, principal_id: str, action: str, target_scope: str) -> None:
        """Raise 403 ``Forbidden`` unless ``principal_id`` may perform ``action``."""
        permissions: Dict[str, Sequence[Permission]] = {
            str(role["name"]).lower(): permissions_from_wire(role)
            for role in self.all_role_definitions()
        }
        assignments = [
            Assignment(row.scope, row.principal_id, row.role_definition_id)
            for row in self.store.list_assignments()
        ]
        if is_allowed(principal_id, action, target_scope, assignments, permissions):
            return
        raise ServiceError(
            403,
            "Forbidden",
            f"Caller is not authorized to perform action on resource. Caller: "
            f"oid={principal_id}; Action: '{action}'; Scope: '{target_scope}'. Assign "
            "the caller a role that grants this data action at this scope or above.",
        )

    def _grant_bootstrap_roles(self) -> None:
        principal = self.options.principal_id
        for role in BOOTSTRAP_ROLES:
            name = str(uuid.uuid5(BOOTSTRAP_NAMESPACE, f"{principal.lower()}/{role}"))
            existing = self.store.insert_assignment(
                AssignmentRow(
                    name=name,
                    scope="/",
                    principal_id=principal,
                    role_definition_id=ROLE_DEFINITION_ID_PREFIX + role,
                )
            )
            if existing is None:
                logger.info(
                    "Assigned role %s at / to bootstrap principal %s", role, principal
                )
