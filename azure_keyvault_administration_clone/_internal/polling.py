"""Polling of backup and restore jobs, and their continuation tokens.

A job starts with a 202 response whose ``Azure-AsyncOperation`` header is
the absolute URL of its status (``https://<host>/backup/<jobId>/pending`` or
``/restore/<jobId>/pending``). The poller GETs that URL as given until
``status`` is ``Succeeded``, ``Failed`` or ``Canceled``, waiting for the
``Retry-After`` seconds a response names, or the polling interval.

A continuation token is a JSON object, ``{"operation": ..., "statusUrl":
...}``: it can be stored anywhere, and a new client in another process
resumes the job from it without starting another one.
"""

import base64
import binascii
import json
import logging
from typing import Any, Callable, Dict, Generic, Mapping, Optional, TypeVar, Union
from urllib.parse import urlsplit

from azure.core.exceptions import HttpResponseError
from azure.core.polling import PollingMethod
from azure.core.rest import AsyncHttpResponse, HttpResponse

from .._rest import build_job_status_request
from .errors import raise_for_response

_LOGGER = logging.getLogger(__name__)

T = TypeVar("T")
AnyResponse = Union[HttpResponse, AsyncHttpResponse]
ResultFactory = Callable[[Mapping[str, Any]], T]

SUCCEEDED = "succeeded"
FAILED_STATES = frozenset({"failed", "canceled", "cancelled"})
DEFAULT_POLLING_INTERVAL = 5.0
_TOKEN_VERSION = 1
OPERATIONS = ("backup", "restore")


def job_status(body: Mapping[str, Any]) -> str:
    status = body.get("status")
    return str(status) if status else "InProgress"


def job_failure(
    body: Mapping[str, Any], response: Optional[AnyResponse]
) -> HttpResponseError:
    """Build the error for a Failed or Canceled job from its status body.

    The service puts the reason in ``error`` (code and message); some builds
    leave ``error`` empty and give it in ``statusDetails`` instead.
    """
    error = body.get("error")
    code = message = None
    if isinstance(error, Mapping):
        code = error.get("code")
        message = error.get("message")
    details = body.get("statusDetails")
    status = job_status(body)
    job_id = body.get("jobId")
    if code or message:
        text = f"({code}) {message}" if code else str(message)
    elif details:
        text = str(details)
    else:
        text = "The service gave no reason"
    # Built without response=, because azure-core would replace the message
    # with its own rendering of the body's "error" object.
    exception = HttpResponseError(
        message=f"Job {job_id} ended with status '{status}': {text}"
    )
    if response is not None:
        exception.response = response
        exception.status_code = response.status_code
        exception.reason = response.reason
    exception.error_code = str(code or details or status)  # type: ignore[attr-defined]
    return exception


def retry_after_seconds(
    response: AnyResponse,
) -> Optional[float]:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        # An HTTP-date form; fall back to the polling interval.
        return None
    return max(seconds, 0.0)


def status_link(response: AnyResponse) -> str:
    link = response.headers.get("Azure-AsyncOperation")
    if not link:
        raise HttpResponseError(
            message="The service started a job without an Azure-AsyncOperation "
            "header, so there is no status URL to poll.",
            response=response,
        )
    return str(link)


def read_json(response: AnyResponse) -> Dict[str, Any]:
    text = response.text()
    if not text:
        return {}
    try:
        body = json.loads(text)
    except ValueError as error:
        raise HttpResponseError(
            message=f"The job status response is not JSON: {text[:200]!r}",
            response=response,
        ) from error
    return body if isinstance(body, dict) else {}


def deserializer(result_factory: ResultFactory[T]) -> Callable[[Any], T]:
    """Return the poller callback that turns an initial response into a result.

    azure-core's ``NoPolling`` (``polling=False``) calls it with the job's
    first response.
    """

    def deserialize(initial: Any) -> T:
        return result_factory(read_json(initial.http_response))

    return deserialize


def make_continuation_token(operation: str, status_url: str) -> str:
    return json.dumps(
        {"version": _TOKEN_VERSION, "operation": operation, "statusUrl": status_url},
        separators=(",", ":"),
    )


def parse_continuation_token(token: str, operation: str, vault_url: str) -> str:
    """Return the status URL in a continuation token, after checking it.

    Accepts this package's JSON tokens and, for compatibility, a base64
    encoded status URL. The URL must point at this client's vault and have
    the shape ``/<operation>/<jobId>/pending``, so a token can't redirect
    the client's credentials to another host.

    :raises ValueError: if the token is malformed or belongs elsewhere.
    """
    if not isinstance(token, str) or not token.strip():
        raise ValueError(
            "continuation_token must be the string returned by a poller's "
            "continuation_token() method"
        )
    status_url = _status_url_from_token(token.strip())
    parts = urlsplit(status_url)
    vault = urlsplit(vault_url)
    segments = [segment for segment in parts.path.split("/") if segment]
    if (parts.scheme.lower(), parts.netloc.lower()) != (
        vault.scheme.lower(),
        vault.netloc.lower(),
    ):
        raise ValueError(
            f"The continuation token is for '{parts.scheme}://{parts.netloc}', not "
            f"for this client's vault '{vault_url}'. Resume it with a client for "
            "that vault."
        )
    if len(segments) != 3 or segments[0] != operation or segments[2] != "pending":
        raise ValueError(
            f"The continuation token is not for a {operation} job. Pass the token of "
            f"a begin_{operation}-style poller to the matching method."
        )
    return status_url


def _status_url_from_token(token: str) -> str:
    if token.startswith("{"):
        try:
            data = json.loads(token)
        except ValueError as error:
            raise ValueError("The continuation token is not valid JSON") from error
        status_url = data.get("statusUrl") if isinstance(data, dict) else None
        if not isinstance(status_url, str):
            raise ValueError("The continuation token has no statusUrl")
        return status_url
    try:
        decoded = base64.b64decode(token.encode("ascii"), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError) as error:
        raise ValueError(
            "The continuation token is malformed. Get one from a poller's "
            "continuation_token() method."
        ) from error
    if not decoded.startswith("https://"):
        raise ValueError(
            "The continuation token is malformed. Get one from a poller's "
            "continuation_token() method."
        )
    return decoded


class JobPollingState(Generic[T]):
    """The state both the sync and the async polling methods keep."""

    def __init__(
        self,
        operation: str,
        result_factory: ResultFactory[T],
        polling_interval: float,
    ) -> None:
        self.operation = operation
        self.result_factory = result_factory
        self.polling_interval = polling_interval
        self.status_url = ""
        self.body: Dict[str, Any] = {}
        self.response: Optional[AnyResponse] = None
        self.delay: Optional[float] = None

    def start(self, response: AnyResponse, status_url: Optional[str]) -> None:
        """Take the first response: the job's 202, or the status GET of a
        resumed job, whose URL comes from the continuation token."""
        self.status_url = status_url or status_link(response)
        self.update(response)

    def update(self, response: AnyResponse) -> None:
        self.response = response
        self.body = read_json(response)
        self.delay = retry_after_seconds(response)
        _LOGGER.debug(
            "Job %s status: %s", self.body.get("jobId"), job_status(self.body)
        )

    @property
    def status(self) -> str:
        return job_status(self.body)

    @property
    def succeeded(self) -> bool:
        return self.status.lower() == SUCCEEDED

    @property
    def failed(self) -> bool:
        return self.status.lower() in FAILED_STATES

    def next_delay(self) -> float:
        return self.delay if self.delay is not None else self.polling_interval

    def result(self) -> T:
        if self.failed:
            raise job_failure(self.body, self.response)
        return self.result_factory(self.body)

    def continuation_token(self) -> str:
        return make_continuation_token(self.operation, self.status_url)


class KeyVaultJobPolling(PollingMethod[T]):
    """Polling method for Managed HSM backup and restore jobs.

    ``finished()`` is True only once a job has succeeded. A Failed or
    Canceled job, even one that fails in its first response, makes the
    poller's ``wait()`` and ``result()`` raise
    :class:`~azure.core.exceptions.HttpResponseError`.
    """

    def __init__(
        self,
        operation: str,
        result_factory: ResultFactory[T],
        *,
        polling_interval: float = DEFAULT_POLLING_INTERVAL,
        status_url: Optional[str] = None,
    ) -> None:
        self._state: JobPollingState[T] = JobPollingState(
            operation, result_factory, polling_interval
        )
        self._status_url_override = status_url
        self._client: Any = None

    def initialize(
        self, client: Any, initial_response: Any, deserialization_callback: Any
    ) -> None:
        self._client = client
        self._state.start(initial_response.http_response, self._status_url_override)

    def run(self) -> None:
        while not (self._state.succeeded or self._state.failed):
            self._client._pipeline._transport.sleep(self._state.next_delay())
            request = build_job_status_request(self._state.status_url)
            response = self._client.send_request(request)
            if response.status_code != 200:
                raise_for_response(response)
            self._state.update(response)
        if self._state.failed:
            raise job_failure(self._state.body, self._state.response)

    def status(self) -> str:
        return self._state.status

    def finished(self) -> bool:
        return self._state.succeeded

    def resource(self) -> T:
        return self._state.result()

    def get_continuation_token(self) -> str:
        return self._state.continuation_token()

    @classmethod
    def from_continuation_token(
        cls, continuation_token: str, **kwargs: Any
    ) -> Any:  # pragma: no cover - the clients resume jobs themselves
        raise NotImplementedError(
            "Pass continuation_token= to the client's begin_* method to resume a job"
        )
