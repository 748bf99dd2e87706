"""Account settings: ``GET /settings``, ``GET`` and ``PATCH /settings/{name}``.

The only setting is ``AllowKeyManagementOperationsThroughARM``, a boolean whose
value travels as the string ``"true"`` or ``"false"`` (case-sensitive). Unknown
names get 400 ``InvalidSetting``, not 404, as on the live service.
"""

from __future__ import annotations

from typing import Dict, List

from starlette.responses import Response
from starlette.routing import Route

from .errors import ServiceError, bad_parameter, json_response
from .options import ADMIN_API_VERSIONS
from .rbac import DataAction
from .state import EmulatorState
from .web import RequestContext, hsm_route

#: Known settings and their defaults; every known setting is of type boolean.
SETTING_DEFAULTS: Dict[str, str] = {"AllowKeyManagementOperationsThroughARM": "false"}
BOOLEAN_VALUES = ("true", "false")


def _setting(context: RequestContext, name: str) -> Dict[str, str]:
    stored = context.state.store.get_setting(name)
    value = stored if stored is not None else SETTING_DEFAULTS[name]
    return {"name": name, "type": "boolean", "value": value}


def _known_name(context: RequestContext) -> str:
    name = context.path_params["name"]
    if name not in SETTING_DEFAULTS:
        raise ServiceError(
            400,
            "InvalidSetting",
            "Invalid setting name. Please check the spelling of the setting name "
            "to update.",
        )
    return name


def list_settings(context: RequestContext) -> Response:
    """Return every setting as ``{"settings": [...]}``."""
    return json_response(
        {"settings": [_setting(context, name) for name in SETTING_DEFAULTS]}
    )


def get_setting(context: RequestContext) -> Response:
    """Return one setting."""
    return json_response(_setting(context, _known_name(context)))


def update_setting(context: RequestContext) -> Response:
    """Set a setting from ``{"value": "true" | "false"}`` and return it."""
    name = _known_name(context)
    body = context.json_body(required=False)
    if body is None:
        raise ServiceError(400, "Nocontentprovided", "No content provided")
    value = body.get("value")
    if not isinstance(value, str):
        raise bad_parameter("The request body must contain 'value' as a string.")
    if value not in BOOLEAN_VALUES:
        raise bad_parameter(
            f'Value {value!r} is not valid for boolean setting {name}. Use "true" or '
            '"false" (lower case).'
        )
    context.state.store.set_setting(name, value)
    return json_response(_setting(context, name))


def routes(state: EmulatorState) -> List[Route]:
    """Return the settings routes; every one targets scope ``/``."""
    table = [
        ("/settings", "GET", list_settings, DataAction.SETTINGS_READ),
        ("/settings/{name}", "GET", get_setting, DataAction.SETTINGS_READ),
        ("/settings/{name}", "PATCH", update_setting, DataAction.SETTINGS_WRITE),
    ]
    return [
        hsm_route(
            state,
            path,
            method,
            handler,
            action=action,
            target=lambda _context: "/",
            api_versions=ADMIN_API_VERSIONS,
        )
        for path, method, handler, action in table
    ]
