"""Request pipeline shared by every route: logging, auth, api-version and RBAC.

An HSM operation runs these steps in order, as the live service does:

1. Authenticate the bearer token; a missing or invalid token gets the 401
   challenge before anything else, so bodiless challenge probes work.
2. Check ``api-version`` (400 ``BadParameter``), unless the route is exempt.
3. Read the body, at most :data:`~.options.MAX_BODY_BYTES` bytes (413).
4. Check the caller's data action on the target scope (403 ``Forbidden``).
5. Run the handler in the thread pool, because the store blocks.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, FrozenSet, Mapping, Optional

from starlette.concurrency import run_in_threadpool
from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import ServiceError, bad_parameter, empty_response, error_response
from .options import LATEST_API_VERSION, MAX_BODY_BYTES
from .state import EmulatorState
from .tokens import InvalidTokenError

logger = logging.getLogger(__name__)

Handler = Callable[["RequestContext"], Response]
TargetScope = Callable[["RequestContext"], str]

_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


class RbacScopeConvertor(Convertor[str]):
    """Path text before ``providers/Microsoft.Authorization``, e.g. ``keys/``."""

    regex = r"(?:[^/]+/)*?"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


class OptionalSegmentConvertor(Convertor[str]):
    """A path segment that may be empty, as in ``/keys/{name}/`` (latest version)."""

    regex = r"[^/]*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("rbacscope", RbacScopeConvertor())
register_url_convertor("optsegment", OptionalSegmentConvertor())


@dataclass(frozen=True)
class RequestContext:
    """Request data a handler needs, detached from the event loop.

    :ivar origin: ``https://host:port`` the client used (a loopback name and the
        emulator's port), for ids and status URLs.
    :ivar api_version: Validated ``api-version``, or ``None`` on exempt routes.
    """

    state: EmulatorState
    request_id: str
    principal_id: str
    method: str
    path: str
    origin: str
    path_params: Mapping[str, str]
    query: Mapping[str, str]
    api_version: Optional[str]
    body: bytes = b""
    extra: Dict[str, Any] = field(default_factory=dict)

    def json_body(self, *, required: bool = True) -> Optional[Dict[str, Any]]:
        """Parse the body as a JSON object.

        :param required: When true, an empty body is a 400 ``BadParameter``;
            otherwise it returns ``None``.
        :raises ServiceError: 400 ``BadParameter`` for invalid JSON or a non-object.
        """
        if not self.body.strip():
            if required:
                raise bad_parameter("The request body is missing. Send a JSON object.")
            return None
        try:
            parsed = json.loads(self.body)
        except (ValueError, RecursionError) as error:
            raise bad_parameter(
                f"The request body is not valid JSON: {error}."
            ) from error
        if not isinstance(parsed, dict):
            raise bad_parameter("The request body must be a JSON object.")
        return parsed


def request_origin(state: EmulatorState, request: Request) -> str:
    """Return the origin the client addressed, or the emulator URL for other hosts."""
    host = request.headers.get("host", "")
    name, _, port = host.rpartition(":")
    if name.lower() in _LOOPBACK_HOSTS and port == str(state.port):
        return f"https://{host}"
    return state.url


def challenge_response(state: EmulatorState, origin: str) -> Response:
    """Build the 401 bearer challenge with the emulator's origin as resource."""
    authority = f"https://login.microsoftonline.com/{state.options.tenant_id}"
    return empty_response(
        401,
        headers={
            "WWW-Authenticate": (
                f'Bearer authorization="{authority}", resource="{origin}"'
            )
        },
    )


def authenticate(state: EmulatorState, request: Request) -> Optional[str]:
    """Return the principal of a valid bearer token, or ``None``."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    try:
        claims = state.issuer.validate(token.strip(), state.audiences)
    except InvalidTokenError as error:
        logger.info(
            "Rejected bearer token on %s %s: %s",
            request.method,
            request.url.path,
            error,
        )
        return None
    return str(claims["oid"])


def check_api_version(value: Optional[str], accepted: FrozenSet[str]) -> str:
    """Return ``value`` if it is an accepted api-version, else raise 400."""
    if value is None or not value:
        raise bad_parameter(
            "The api-version query parameter is missing. Use e.g. "
            f"api-version={LATEST_API_VERSION}."
        )
    if value not in accepted:
        raise bad_parameter(
            f"The specified version ({value}) is not recognized. Consider using the "
            f"latest supported version ({LATEST_API_VERSION})."
        )
    return value


async def read_body(request: Request) -> bytes:
    """Read the request body, raising 413 past :data:`MAX_BODY_BYTES`."""
    too_large = ServiceError(
        413,
        "RequestBodyTooLarge",
        f"The request body exceeds the limit of {MAX_BODY_BYTES} bytes.",
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise too_large
    chunks = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > MAX_BODY_BYTES:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def hsm_route(
    state: EmulatorState,
    path: str,
    method: str,
    handler: Handler,
    *,
    action: str,
    target: TargetScope,
    api_versions: Optional[FrozenSet[str]],
) -> Route:
    """Build a route that runs ``handler`` behind the full pipeline.

    :param action: Data action the caller needs on ``target(context)``.
    :param api_versions: Accepted ``api-version`` values; ``None`` exempts the
        route (job status polls).
    """

    async def endpoint(request: Request) -> Response:
        request_id = _request_id(request)
        try:
            origin = request_origin(state, request)
            principal = authenticate(state, request)
            if principal is None:
                return challenge_response(state, origin)
            request.scope.setdefault("state", {})["principal_id"] = principal
            api_version = None
            if api_versions is not None:
                api_version = check_api_version(
                    request.query_params.get("api-version"), api_versions
                )
            body = await read_body(request)
            context = RequestContext(
                state=state,
                request_id=request_id,
                principal_id=principal,
                method=request.method,
                path=request.url.path,
                origin=origin,
                path_params=dict(request.path_params),
                query=dict(request.query_params),
                api_version=api_version,
                body=body,
            )
            return await run_in_threadpool(
                _authorize_and_run, context, handler, action, target
            )
        except ServiceError as error:
            _record_error(request, error)
            return error_response(error, request_id)

    return Route(path, endpoint, methods=[method])


def plain_route(
    path: str, method: str, endpoint: Callable[[Request], Awaitable[Response]]
) -> Route:
    """Build a route whose endpoint needs none of the HSM pipeline."""

    async def wrapped(request: Request) -> Response:
        try:
            return await endpoint(request)
        except ServiceError as error:
            _record_error(request, error)
            return error_response(error, _request_id(request))

    return Route(path, wrapped, methods=[method])


def _authorize_and_run(
    context: RequestContext, handler: Handler, action: str, target: TargetScope
) -> Response:
    context.state.require(context.principal_id, action, target(context))
    return handler(context)


def _record_error(request: Request, error: ServiceError) -> None:
    # The request log line reports the code only, because messages may echo
    # request input.
    request.scope.setdefault("state", {})["error_code"] = error.code


def _request_id(request: Request) -> str:
    state = request.scope.setdefault("state", {})
    request_id = state.get("request_id")
    if not isinstance(request_id, str):
        request_id = str(uuid.uuid4())
        state["request_id"] = request_id
    return request_id


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    """Render routing errors (unknown path, wrong method) in the Key Vault shape."""
    assert isinstance(exc, HTTPException)
    request_id = _request_id(request)
    if exc.status_code == 404:
        error = ServiceError(
            404,
            "NotFound",
            f"No operation matches {request.method} {request.url.path}.",
        )
    elif exc.status_code == 405:
        error = ServiceError(
            405,
            "MethodNotAllowed",
            f"Method {request.method} is not allowed on {request.url.path}.",
            headers=exc.headers,
        )
    else:
        error = ServiceError(exc.status_code, "BadRequest", str(exc.detail))
    _record_error(request, error)
    return error_response(error, request_id)


class RequestLogMiddleware:
    """ASGI middleware that normalizes the path, tags and logs every request.

    Repeated leading slashes are collapsed (JS clients send ``///providers/...``
    for scope ``/``). Every response gets an ``x-ms-request-id`` header, and an
    exception that escapes the app becomes a 500 ``InternalError``. One log line
    per request names the method, the path without its query (which could carry
    secrets), the status, the principal and the duration in milliseconds.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith("//"):
            path = "/" + path.lstrip("/")
            scope["path"] = path
            scope["raw_path"] = path.encode()
        request_id = str(uuid.uuid4())
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = time.perf_counter()
        status = {"code": 0}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-ms-request-id", request_id.encode()))
                headers.append((b"cache-control", b"no-cache"))
                headers.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as error:
            logger.exception("Unhandled error on %s %s", scope["method"], path)
            if status["code"] == 0:
                response = error_response(
                    ServiceError(
                        500,
                        "InternalError",
                        f"Unexpected error: {type(error).__name__}.",
                    ),
                    request_id,
                )
                await response(scope, receive, send_with_id)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            error_code = state.get("error_code")
            logger.info(
                "%s %s %d principal=%s %.1fms%s",
                scope["method"],
                path,
                status["code"],
                state.get("principal_id", "-"),
                elapsed,
                f" error={error_code}" if error_code else "",
            )
