"""Async polling of backup and restore jobs.

The job protocol and the continuation token format are those of
:mod:`.polling`; this module only sends the status requests with ``await``
and sleeps with the pipeline transport's async ``sleep``.
"""

import logging
from typing import Any, Optional, TypeVar

from azure.core.polling import AsyncPollingMethod

from .._rest import build_job_status_request
from .errors import raise_for_response
from .polling import (
    DEFAULT_POLLING_INTERVAL,
    JobPollingState,
    ResultFactory,
    job_failure,
)

_LOGGER = logging.getLogger(__name__)

T = TypeVar("T")


class AsyncKeyVaultJobPolling(AsyncPollingMethod[T]):
    """Async polling method for Managed HSM backup and restore jobs.

    ``finished()`` is True only once a job has succeeded. A Failed or
    Canceled job, even one that fails in its first response, makes the
    poller's ``wait()`` and ``result()`` raise
    :class:`~azure.core.exceptions.HttpResponseError`, because
    ``AsyncLROPoller.wait()`` calls ``run()`` every time.

    :param str operation: ``"backup"`` or ``"restore"``, as in the status URL.
    :param result_factory: Converts the final status body to the result.
    :keyword float polling_interval: Seconds between polls when a response
        names no ``Retry-After``. Defaults to 5.
    :keyword str status_url: Status URL to poll, when resuming from a
        continuation token. Defaults to the initial response's
        ``Azure-AsyncOperation`` header.
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

    async def run(self) -> None:
        while not (self._state.succeeded or self._state.failed):
            await self._client._pipeline._transport.sleep(self._state.next_delay())
            request = build_job_status_request(self._state.status_url)
            response = await self._client.send_request(request)
            if response.status_code != 200:
                raise_for_response(response)
            self._state.update(response)
        if self._state.failed:
            _LOGGER.debug(
                "Job %s ended with status %s",
                self._state.body.get("jobId"),
                self._state.status,
            )
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
