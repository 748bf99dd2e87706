"""Thin REST layer: one request builder per service operation.

Each ``build_*`` function returns an :class:`azure.core.rest.HttpRequest`
whose URL is relative to the vault URL. The clients send it through their
pipeline and turn the JSON response into public models.
"""

from ._requests import (
    build_create_role_assignment_request,
    build_delete_role_assignment_request,
    build_delete_role_definition_request,
    build_full_backup_request,
    build_full_restore_request,
    build_get_role_assignment_request,
    build_get_role_definition_request,
    build_get_setting_request,
    build_job_status_request,
    build_list_role_assignments_request,
    build_list_role_definitions_request,
    build_list_settings_request,
    build_pre_full_backup_request,
    build_pre_full_restore_request,
    build_selective_key_restore_request,
    build_set_role_definition_request,
    build_update_setting_request,
)

__all__ = [
    "build_create_role_assignment_request",
    "build_delete_role_assignment_request",
    "build_delete_role_definition_request",
    "build_full_backup_request",
    "build_full_restore_request",
    "build_get_role_assignment_request",
    "build_get_role_definition_request",
    "build_get_setting_request",
    "build_job_status_request",
    "build_list_role_assignments_request",
    "build_list_role_definitions_request",
    "build_list_settings_request",
    "build_pre_full_backup_request",
    "build_pre_full_restore_request",
    "build_selective_key_restore_request",
    "build_set_role_definition_request",
    "build_update_setting_request",
]
