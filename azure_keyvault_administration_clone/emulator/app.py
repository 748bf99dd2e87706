"""The emulator's Starlette application."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware

from . import api_backup, api_identity, api_keys, api_rbac, api_settings
from .state import EmulatorState
from .web import RequestLogMiddleware, http_exception_handler


def create_app(state: EmulatorState) -> Starlette:
    """Build the ASGI app serving every route of ``state``.

    RBAC routes are listed before the keys routes, so a path that contains
    ``/providers/Microsoft.Authorization/`` is always routed as RBAC, even when
    its scope starts with ``/keys``.
    """
    routes = [
        *api_identity.routes(state),
        *api_rbac.routes(state),
        *api_backup.routes(state),
        *api_settings.routes(state),
        *api_keys.routes(state),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(RequestLogMiddleware)],
        exception_handlers={HTTPException: http_exception_handler},
    )
