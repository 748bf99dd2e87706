"""Request builders for the Managed HSM administration REST API.

URL rules of the service: ``{scope}`` is inserted into RBAC paths as raw
text (``/``, ``/keys``, ``/keys/<name>``), while role definition, role
assignment, key and setting names are percent-encoded as one path segment.
"""

from typing import Any, Dict, Mapping, Optional
from urllib.parse import quote

from azure.core.rest import HttpRequest

from ._models import (
    RestoreOperationParameters,
    RoleAssignmentCreateParameters,
    RoleDefinitionCreateParameters,
    SASTokenParameter,
)

_JSON = "application/json"
_AUTHORIZATION = "/providers/Microsoft.Authorization"


def _segment(value: str) -> str:
    return quote(value, safe="")


def _scope_path(scope: str) -> str:
    # Leading slashes collapse, so scope "/" gives "/providers/..." as in the
    # service's own examples; everything else in the scope is kept verbatim.
    stripped = scope.lstrip("/")
    return f"/{stripped}" if stripped else ""


def _query(api_version: str, filter_expression: Optional[str] = None) -> Dict[str, str]:
    params = {"api-version": api_version}
    if filter_expression is not None:
        params["$filter"] = filter_expression
    return params


def _read(method: str, url: str, params: Mapping[str, str]) -> HttpRequest:
    return HttpRequest(method, url, params=dict(params), headers={"Accept": _JSON})


def _write(method: str, url: str, api_version: str, body: Any) -> HttpRequest:
    return HttpRequest(
        method,
        url,
        params={"api-version": api_version},
        headers={"Accept": _JSON, "Content-Type": _JSON},
        json=body,
    )


# Role definitions


def build_list_role_definitions_request(
    scope: str, *, api_version: str, filter_expression: Optional[str] = None
) -> HttpRequest:
    url = f"{_scope_path(scope)}{_AUTHORIZATION}/roleDefinitions"
    return _read("GET", url, _query(api_version, filter_expression))


def build_get_role_definition_request(
    scope: str, name: str, *, api_version: str
) -> HttpRequest:
    url = f"{_scope_path(scope)}{_AUTHORIZATION}/roleDefinitions/{_segment(name)}"
    return _read("GET", url, _query(api_version))


def build_set_role_definition_request(
    scope: str, name: str, body: RoleDefinitionCreateParameters, *, api_version: str
) -> HttpRequest:
    url = f"{_scope_path(scope)}{_AUTHORIZATION}/roleDefinitions/{_segment(name)}"
    return _write("PUT", url, api_version, body)


def build_delete_role_definition_request(
    scope: str, name: str, *, api_version: str
) -> HttpRequest:
    url = f"{_scope_path(scope)}{_AUTHORIZATION}/roleDefinitions/{_segment(name)}"
    return _read("DELETE", url, _query(api_version))


# Role assignments


def build_list_role_assignments_request(
    scope: str, *, api_version: str, filter_expression: Optional[str] = None
) -> HttpRequest:
    url = f"{_scope_path(scope)}{_AUTHORIZATION}/roleAssignments"
    return _read("GET", url, _query(api_version, filter_expression))


def build_get_role_assignment_request(
    scope: str, name: str, *, api_version: str
) -> HttpRequest:
    url = f"{_scope_path(scope)}{_AUTHORIZATION}/roleAssignments/{_segment(name)}"
    return _read("GET", url, _query(api_version))


def build_create_role_assignment_request(
    scope: str, name: str, body: RoleAssignmentCreateParameters, *, api_version: str
) -> HttpRequest:
    url = f"{_scope_path(scope)}{_AUTHORIZATION}/roleAssignments/{_segment(name)}"
    return _write("PUT", url, api_version, body)


def build_delete_role_assignment_request(
    scope: str, name: str, *, api_version: str
) -> HttpRequest:
    url = f"{_scope_path(scope)}{_AUTHORIZATION}/roleAssignments/{_segment(name)}"
    return _read("DELETE", url, _query(api_version))


# Backup and restore jobs


def build_full_backup_request(
    body: SASTokenParameter, *, api_version: str
) -> HttpRequest:
    return _write("POST", "/backup", api_version, body)


def build_pre_full_backup_request(
    body: SASTokenParameter, *, api_version: str
) -> HttpRequest:
    return _write("POST", "/prebackup", api_version, body)


def build_full_restore_request(
    body: RestoreOperationParameters, *, api_version: str
) -> HttpRequest:
    return _write("PUT", "/restore", api_version, body)


def build_pre_full_restore_request(
    body: RestoreOperationParameters, *, api_version: str
) -> HttpRequest:
    return _write("PUT", "/prerestore", api_version, body)


def build_selective_key_restore_request(
    key_name: str, body: RestoreOperationParameters, *, api_version: str
) -> HttpRequest:
    return _write("PUT", f"/keys/{_segment(key_name)}/restore", api_version, body)


def build_job_status_request(status_url: str) -> HttpRequest:
    """Build a poll of a job's ``Azure-AsyncOperation`` URL, sent as given.

    The service hands out status URLs without ``api-version`` and accepts
    polls without it, so none is added.
    """
    return HttpRequest("GET", status_url)


# Settings


def build_list_settings_request(*, api_version: str) -> HttpRequest:
    return _read("GET", "/settings", _query(api_version))


def build_get_setting_request(name: str, *, api_version: str) -> HttpRequest:
    return _read("GET", f"/settings/{_segment(name)}", _query(api_version))


def build_update_setting_request(
    name: str, value: str, *, api_version: str
) -> HttpRequest:
    return _write("PATCH", f"/settings/{_segment(name)}", api_version, {"value": value})
