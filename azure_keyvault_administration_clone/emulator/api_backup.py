"""Full backup, full restore, selective key restore, their pre-checks and status polls.

Each start operation returns 202 with the job body, an ``Azure-AsyncOperation``
header ``<origin>/{backup|restore}/{jobId}/pending`` and ``Retry-After``. A
request without a SAS token and without ``useManagedIdentity: true`` is
rejected at once with 400 ``BadParameter``; other problems fail the job later
(see :mod:`.jobs`). Status polls need no ``api-version``.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

from starlette.responses import Response
from starlette.routing import Route

from .blobs import resolve_container, validate_folder_name
from .errors import ServiceError, bad_parameter, json_response
from .jobs import JobRequest, job_body
from .options import ADMIN_API_VERSIONS, SAS_REQUIRED_API_VERSIONS
from .rbac import DataAction
from .state import EmulatorState
from .store import JobRow
from .web import RequestContext, hsm_route

# NOTE: the data action that the live service checks for a selective key
# restore is not documented. The emulator requires restore/start/action, which
# the Administrator and Restore User roles grant.
_START_ACTIONS: Dict[str, str] = {
    "backup": DataAction.BACKUP_START,
    "prebackup": DataAction.BACKUP_START,
    "restore": DataAction.RESTORE_START,
    "prerestore": DataAction.RESTORE_START,
    "selective": DataAction.RESTORE_START,
}


def _sas_parameters(
    context: RequestContext, parameters: Any, field: str
) -> Tuple[str, Optional[str], bool]:
    """Validate a ``SASTokenParameter`` object.

    :return: ``(storageResourceUri, token, useManagedIdentity)``.
    """
    if not isinstance(parameters, dict):
        raise bad_parameter(f"'{field}' must be an object with 'storageResourceUri'.")
    uri = parameters.get("storageResourceUri")
    if not isinstance(uri, str) or not uri.strip():
        raise bad_parameter(
            f"'{field}.storageResourceUri' is required and must be a string."
        )
    token = parameters.get("token")
    if token is not None and not isinstance(token, str):
        raise bad_parameter(f"'{field}.token' must be a string.")
    managed = parameters.get("useManagedIdentity", False)
    if managed is None:
        managed = False
    if not isinstance(managed, bool):
        raise bad_parameter(f"'{field}.useManagedIdentity' must be a boolean.")
    if not managed and not token:
        raise bad_parameter(
            "Either a SAS token ('token') or 'useManagedIdentity': true is required to "
            "access the storage container."
        )
    if not token and context.api_version in SAS_REQUIRED_API_VERSIONS:
        raise bad_parameter(
            f"api-version {context.api_version} requires a SAS token ('token'), "
            "because managed identity access needs api-version 7.5 or later."
        )
    return uri, token, managed


def _job_request(context: RequestContext, operation: str) -> JobRequest:
    body = context.json_body()
    assert body is not None
    if operation in ("backup", "prebackup"):
        uri, token, managed = _sas_parameters(context, body, "body")
        folder = None
    else:
        uri, token, managed = _sas_parameters(
            context, body.get("sasTokenParameters"), "sasTokenParameters"
        )
        folder_field = "folder" if operation == "selective" else "folderToRestore"
        folder = body.get(folder_field)
        if not isinstance(folder, str) or not folder:
            raise bad_parameter(f"'{folder_field}' is required and must be a string.")
        validate_folder_name(folder)
    return JobRequest(
        operation=operation,
        container=resolve_container(uri, context.state.blob_root),
        sas_token=token,
        use_managed_identity=managed,
        folder=folder,
        key_name=context.path_params.get("name") if operation == "selective" else None,
    )


def _accepted(context: RequestContext, job: JobRow) -> Response:
    status_url = f"{context.origin}/{job.kind}/{job.job_id}/pending"
    headers = {
        "Azure-AsyncOperation": status_url,
        "Retry-After": str(context.state.options.effective_retry_after),
    }
    # The live service sends the backup 202 body in declaration order and every
    # other job body with sorted keys.
    return json_response(
        job_body(job), 202, headers=headers, sort_keys=job.kind != "backup"
    )


def _start_handler(operation: str) -> Callable[[RequestContext], Response]:
    def start(context: RequestContext) -> Response:
        job = context.state.jobs.start(_job_request(context, operation))
        return _accepted(context, job)

    start.__name__ = f"start_{operation}"
    return start


def _status_handler(kind: str) -> Callable[[RequestContext], Response]:
    def status(context: RequestContext) -> Response:
        job_id = context.path_params["job_id"]
        job = context.state.jobs.get(job_id)
        if job is None or job.kind != kind:
            raise ServiceError(
                404, "NotFound", f"No {kind} job with id {job_id} exists."
            )
        return json_response(job_body(job))

    status.__name__ = f"{kind}_status"
    return status


def routes(state: EmulatorState) -> List[Route]:
    """Return the backup and restore routes."""
    starts = [
        ("/backup", "POST", "backup"),
        ("/prebackup", "POST", "prebackup"),
        ("/restore", "PUT", "restore"),
        ("/prerestore", "PUT", "prerestore"),
        ("/keys/{name}/restore", "PUT", "selective"),
    ]
    result = [
        hsm_route(
            state,
            path,
            method,
            _start_handler(operation),
            action=_START_ACTIONS[operation],
            target=_selective_scope
            if operation == "selective"
            else (lambda _context: "/"),
            api_versions=ADMIN_API_VERSIONS,
        )
        for path, method, operation in starts
    ]
    for kind, action in (
        ("backup", DataAction.BACKUP_STATUS),
        ("restore", DataAction.RESTORE_STATUS),
    ):
        result.append(
            hsm_route(
                state,
                f"/{kind}/{{job_id}}/pending",
                "GET",
                _status_handler(kind),
                action=action,
                target=lambda _context: "/",
                api_versions=None,
            )
        )
    return result


def _selective_scope(context: RequestContext) -> str:
    return f"/keys/{context.path_params['name']}"
