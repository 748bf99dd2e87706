"""App Service style managed identity endpoint (``IDENTITY_ENDPOINT``).

azure-identity 1.27 (through MSAL 1.39) sends ``GET <IDENTITY_ENDPOINT>?api-version=
2019-08-01&resource=<resource>`` with the secret in ``X-IDENTITY-HEADER`` and
reads ``access_token`` and ``expires_on`` (Unix seconds) from the JSON response.
A user-assigned identity adds ``client_id``, ``object_id`` or ``mi_res_id``.

The token subject (``oid``) is the value of the first query parameter present
among ``principal_id``, ``object_id``, ``client_id`` and ``mi_res_id``, used
unchanged as the principal id. Without any of them the token is for the
bootstrap principal. The token audience is the ``resource`` parameter.
"""

from __future__ import annotations

import hmac
import time
from typing import List

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .errors import json_response
from .options import IDENTITY_PATH, TOKEN_LIFETIME_SECONDS
from .state import EmulatorState
from .web import plain_route

IDENTITY_API_VERSION = "2019-08-01"
PRINCIPAL_PARAMETERS = ("principal_id", "object_id", "client_id", "mi_res_id")


def _failure(status: int, message: str) -> Response:
    # App Service reports failures as {"statusCode": ..., "message": ...}.
    return json_response({"message": message, "statusCode": status}, status)


def routes(state: EmulatorState) -> List[Route]:
    """Return the identity endpoint route."""

    async def issue_token(request: Request) -> Response:
        secret = request.headers.get("x-identity-header", "")
        if not hmac.compare_digest(secret.encode(), state.identity_header.encode()):
            return _failure(401, "The X-IDENTITY-HEADER header is missing or wrong.")
        version = request.query_params.get("api-version")
        if version != IDENTITY_API_VERSION:
            return _failure(
                400,
                f"api-version {version!r} is not supported. "
                f"Use {IDENTITY_API_VERSION}.",
            )
        resource = request.query_params.get("resource", "").strip()
        if not resource:
            return _failure(400, "The resource query parameter is required.")
        principal = state.options.principal_id
        for parameter in PRINCIPAL_PARAMETERS:
            value = request.query_params.get(parameter)
            if value:
                principal = value
                break
        request.scope.setdefault("state", {})["principal_id"] = principal
        token = state.issuer.mint(principal, resource, lifetime=TOKEN_LIFETIME_SECONDS)
        body = {
            "access_token": token,
            "client_id": principal,
            "expires_on": str(int(time.time()) + TOKEN_LIFETIME_SECONDS),
            "resource": resource,
            "token_type": "Bearer",
        }
        return json_response(body)

    return [plain_route(IDENTITY_PATH, "GET", issue_token)]
