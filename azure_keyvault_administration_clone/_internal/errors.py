"""Turning service error responses into azure-core exceptions."""

import json
from typing import Any, Dict, Mapping, NoReturn, Optional, Type, Union

from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
    ResourceNotModifiedError,
)
from azure.core.rest import AsyncHttpResponse, HttpResponse

ERROR_MAP: Dict[int, Type[HttpResponseError]] = {
    304: ResourceNotModifiedError,
    401: ClientAuthenticationError,
    404: ResourceNotFoundError,
    409: ResourceExistsError,
}


def _describe(error: Mapping[str, Any], depth: int = 0) -> str:
    lines = [
        f"Code: {error.get('code')}",
        f"Message: {error.get('message')}",
    ]
    inner = error.get("innererror")
    if isinstance(inner, Mapping) and depth < 5:
        lines.append("Inner error: " + _describe(inner, depth + 1))
    return "\n".join(lines)


def service_error(body: Any) -> Optional[Mapping[str, Any]]:
    """Return the ``error`` object of a Key Vault error body, if it has one."""
    if isinstance(body, Mapping):
        error = body.get("error")
        if isinstance(error, Mapping) and (error.get("code") or error.get("message")):
            return error
    return None


def _json_or_none(response: Any) -> Any:
    try:
        text = response.text()
    except Exception:  # a body that cannot be read has no error detail
        return None
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def raise_for_response(response: Union[HttpResponse, AsyncHttpResponse]) -> NoReturn:
    """Raise the azure-core exception for an unexpected status code.

    The message carries the service's ``error.code`` and ``error.message``
    when the body has them.
    """
    exception_type = ERROR_MAP.get(response.status_code, HttpResponseError)
    error = service_error(_json_or_none(response))
    reason = response.reason or ""
    if error is not None:
        message = f"({error.get('code')}) {error.get('message')}\n{_describe(error)}"
    else:
        message = (
            f"Operation returned an invalid status '{reason}' ({response.status_code})"
        )
    exception = exception_type(message=message, response=response)
    if error is not None:
        code = error.get("code")
        exception.error_code = str(code) if code else None  # type: ignore[attr-defined]
    raise exception
