"""Async full backup, full restore, selective key restore and their pre-checks."""

from typing import Any, Callable, Dict, Mapping, Optional, TypeVar, overload

from azure.core.pipeline import PipelineResponse
from azure.core.polling import AsyncLROPoller, AsyncNoPolling, AsyncPollingMethod
from azure.core.rest import HttpRequest
from azure.core.tracing.decorator_async import distributed_trace_async
from typing_extensions import Literal

from .. import _rest
from .._internal.async_client_base import AsyncKeyVaultClientBase
from .._internal.async_polling import AsyncKeyVaultJobPolling
from .._internal.backup import (
    blob_storage_url_text,
    key_name_text,
    no_result,
    prepare_job,
    require_pre_check_version,
    restore_body,
    sas_parameters,
    storage_auth,
)
from .._internal.polling import deserializer
from .._models import KeyVaultBackupResult

T = TypeVar("T")


class KeyVaultBackupClient(AsyncKeyVaultClientBase):
    """Backs up and restores a whole Managed HSM, or restores single keys.

    :param str vault_url: URL of the Managed HSM, for example
        ``https://<hsm-name>.managedhsm.azure.net``.
    :param credential: Object that provides access tokens, such as a credential
        from :mod:`azure.identity.aio`.
    :type credential: ~azure.core.credentials_async.AsyncTokenCredential
    :keyword api_version: Service API version. Defaults to the latest supported.
    :paramtype api_version: ~azure_keyvault_administration_clone.ApiVersion or str
    :keyword bool verify_challenge_resource: Whether to check that the
        authentication challenge's resource covers the vault's host. Defaults
        to True.
    """

    async def _start_job(
        self,
        operation: str,
        build_request: Callable[[], HttpRequest],
        result_factory: Callable[[Mapping[str, Any]], T],
        kwargs: Dict[str, Any],
    ) -> AsyncLROPoller[T]:
        """Start a job, or resume one from ``continuation_token``, and poll it.

        Resuming sends one GET of the token's status URL instead of starting
        another job.
        """
        job = prepare_job(operation, build_request, self._vault_url, kwargs)
        response = await self._send(job.request, job.expected_status, **kwargs)
        pipeline_response = PipelineResponse(job.request, response, {})  # type: ignore[arg-type]

        polling_method: AsyncPollingMethod[T]
        if job.polling is True:
            polling_method = AsyncKeyVaultJobPolling(
                operation,
                result_factory,
                polling_interval=job.polling_interval,
                status_url=job.status_url,
            )
        elif job.polling is False:
            polling_method = AsyncNoPolling()  # type: ignore[no-untyped-call]
        else:
            polling_method = job.polling

        return AsyncLROPoller(
            self._client,
            pipeline_response,
            deserializer(result_factory),
            polling_method,
        )

    @overload
    async def begin_backup(
        self,
        blob_storage_url: str,
        *,
        use_managed_identity: Literal[True],
        continuation_token: Optional[str] = None,
        **kwargs: Any,
    ) -> AsyncLROPoller[KeyVaultBackupResult]: ...

    @overload
    async def begin_backup(
        self,
        blob_storage_url: str,
        *,
        sas_token: str,
        continuation_token: Optional[str] = None,
        **kwargs: Any,
    ) -> AsyncLROPoller[KeyVaultBackupResult]: ...

    @distributed_trace_async
    async def begin_backup(
        self, blob_storage_url: str, *args: str, **kwargs: Any
    ) -> AsyncLROPoller[KeyVaultBackupResult]:
        """Start a full backup of the Managed HSM to a blob container.

        :param str blob_storage_url: URL of the blob container, for example
            ``https://<account>.blob.core.windows.net/backup``.
        :keyword str sas_token: SAS token for the container (also accepted as the
            second positional argument). Required unless ``use_managed_identity``
            is True.
        :keyword bool use_managed_identity: Whether the Managed HSM authenticates
            to storage with its user-assigned managed identity.
        :keyword str continuation_token: Token from a poller's
            ``continuation_token()``, to resume polling a started backup.
        :keyword float polling_interval: Seconds between polls when the service
            names no ``Retry-After``. Defaults to 5.
        :returns: A poller whose ``result()`` is a :class:`KeyVaultBackupResult`.
        :rtype: ~azure.core.polling.AsyncLROPoller[KeyVaultBackupResult]
        :raises ValueError: if both or neither of ``sas_token`` and
            ``use_managed_identity`` are given.
        :raises ~azure.core.exceptions.HttpResponseError: if the service rejects
            the backup; ``result()`` raises it if the job fails.
        """
        resuming = kwargs.get("continuation_token") is not None
        sas_token, use_managed_identity = storage_auth(args, kwargs, resuming=resuming)
        container_url = "" if resuming else blob_storage_url_text(blob_storage_url)

        def build_request() -> HttpRequest:
            body = sas_parameters(container_url, sas_token, use_managed_identity)
            return _rest.build_full_backup_request(body, api_version=self.api_version)

        return await self._start_job(
            "backup", build_request, KeyVaultBackupResult._from_wire, kwargs
        )

    @overload
    async def begin_restore(
        self,
        folder_url: str,
        *,
        use_managed_identity: Literal[True],
        key_name: Optional[str] = None,
        continuation_token: Optional[str] = None,
        **kwargs: Any,
    ) -> AsyncLROPoller[None]: ...

    @overload
    async def begin_restore(
        self,
        folder_url: str,
        *,
        sas_token: str,
        key_name: Optional[str] = None,
        continuation_token: Optional[str] = None,
        **kwargs: Any,
    ) -> AsyncLROPoller[None]: ...

    @distributed_trace_async
    async def begin_restore(
        self, folder_url: str, *args: str, **kwargs: Any
    ) -> AsyncLROPoller[None]:
        """Restore a full backup, or only one key of it when ``key_name`` is set.

        :param str folder_url: URL of the backup folder, the ``folder_url`` of a
            :class:`KeyVaultBackupResult`, for example
            ``https://<account>.blob.core.windows.net/backup/mhsm-<name>-2020090117323313``.
        :keyword str sas_token: SAS token for the container (also accepted as the
            second positional argument). Required unless ``use_managed_identity``
            is True.
        :keyword bool use_managed_identity: Whether the Managed HSM authenticates
            to storage with its user-assigned managed identity.
        :keyword str key_name: Name of one key to restore from the backup.
        :keyword str continuation_token: Token from a poller's
            ``continuation_token()``, to resume polling a started restore.
        :keyword float polling_interval: Seconds between polls when the service
            names no ``Retry-After``. Defaults to 5.
        :returns: A poller whose ``result()`` is None once the restore is done.
        :rtype: ~azure.core.polling.AsyncLROPoller[None]
        :raises ValueError: if ``folder_url`` is not a backup folder URL, or both
            or neither of ``sas_token`` and ``use_managed_identity`` are given.
        """
        resuming = kwargs.get("continuation_token") is not None
        sas_token, use_managed_identity = storage_auth(args, kwargs, resuming=resuming)
        key_name = kwargs.pop("key_name", None)
        if not resuming:
            # Validate now, so a bad URL fails before any request.
            body = restore_body(
                folder_url,
                sas_token,
                use_managed_identity,
                selective=key_name is not None,
            )

        def build_request() -> HttpRequest:
            if key_name is not None:
                return _rest.build_selective_key_restore_request(
                    key_name_text(key_name), body, api_version=self.api_version
                )
            return _rest.build_full_restore_request(body, api_version=self.api_version)

        return await self._start_job("restore", build_request, no_result, kwargs)

    @overload
    async def begin_pre_backup(
        self,
        blob_storage_url: str,
        *,
        use_managed_identity: Literal[True],
        continuation_token: Optional[str] = None,
        **kwargs: Any,
    ) -> AsyncLROPoller[None]: ...

    @overload
    async def begin_pre_backup(
        self,
        blob_storage_url: str,
        *,
        sas_token: str,
        continuation_token: Optional[str] = None,
        **kwargs: Any,
    ) -> AsyncLROPoller[None]: ...

    @distributed_trace_async
    async def begin_pre_backup(
        self, blob_storage_url: str, **kwargs: Any
    ) -> AsyncLROPoller[None]:
        """Check whether a full backup to a blob container can be made.

        Needs API version 7.6 or later. When the check fails, the poller's
        ``wait()`` and ``result()`` raise.

        :param str blob_storage_url: URL of the blob container, for example
            ``https://<account>.blob.core.windows.net/backup``.
        :keyword str sas_token: SAS token for the container. Required unless
            ``use_managed_identity`` is True.
        :keyword bool use_managed_identity: Whether the Managed HSM authenticates
            to storage with its user-assigned managed identity.
        :keyword str continuation_token: Token to resume polling a started check.
        :rtype: ~azure.core.polling.AsyncLROPoller[None]
        :raises ValueError: if the client's API version is older than 7.6.
        """
        require_pre_check_version(self.api_version, "begin_pre_backup")
        resuming = kwargs.get("continuation_token") is not None
        sas_token, use_managed_identity = storage_auth((), kwargs, resuming=resuming)
        container_url = "" if resuming else blob_storage_url_text(blob_storage_url)

        def build_request() -> HttpRequest:
            body = sas_parameters(container_url, sas_token, use_managed_identity)
            return _rest.build_pre_full_backup_request(
                body, api_version=self.api_version
            )

        return await self._start_job("backup", build_request, no_result, kwargs)

    @overload
    async def begin_pre_restore(
        self,
        folder_url: str,
        *,
        use_managed_identity: Literal[True],
        continuation_token: Optional[str] = None,
        **kwargs: Any,
    ) -> AsyncLROPoller[None]: ...

    @overload
    async def begin_pre_restore(
        self,
        folder_url: str,
        *,
        sas_token: str,
        continuation_token: Optional[str] = None,
        **kwargs: Any,
    ) -> AsyncLROPoller[None]: ...

    @distributed_trace_async
    async def begin_pre_restore(
        self, folder_url: str, **kwargs: Any
    ) -> AsyncLROPoller[None]:
        """Check whether a full restore from a backup folder can be made.

        Needs API version 7.6 or later. When the check fails, the poller's
        ``wait()`` and ``result()`` raise.

        :param str folder_url: URL of the backup folder.
        :keyword str sas_token: SAS token for the container. Required unless
            ``use_managed_identity`` is True.
        :keyword bool use_managed_identity: Whether the Managed HSM authenticates
            to storage with its user-assigned managed identity.
        :keyword str continuation_token: Token to resume polling a started check.
        :rtype: ~azure.core.polling.AsyncLROPoller[None]
        :raises ValueError: if the client's API version is older than 7.6, or
            ``folder_url`` is not a backup folder URL.
        """
        require_pre_check_version(self.api_version, "begin_pre_restore")
        resuming = kwargs.get("continuation_token") is not None
        sas_token, use_managed_identity = storage_auth((), kwargs, resuming=resuming)
        if not resuming:
            body = restore_body(
                folder_url, sas_token, use_managed_identity, selective=False
            )

        def build_request() -> HttpRequest:
            return _rest.build_pre_full_restore_request(
                body, api_version=self.api_version
            )

        return await self._start_job("restore", build_request, no_result, kwargs)

    async def __aenter__(self) -> "KeyVaultBackupClient":
        await self._client.__aenter__()
        return self
