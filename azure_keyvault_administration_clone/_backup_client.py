"""Full backup, full restore, selective key restore and their pre-checks."""

from typing import Any, Callable, Dict, Mapping, Optional, TypeVar, overload

from azure.core.pipeline import PipelineResponse
from azure.core.polling import LROPoller, NoPolling, PollingMethod
from azure.core.rest import HttpRequest
from azure.core.tracing.decorator import distributed_trace
from typing_extensions import Literal

from . import _rest
from ._internal import KeyVaultClientBase
from ._internal.backup import (
    blob_storage_url_text,
    key_name_text,
    no_result,
    prepare_job,
    require_pre_check_version,
    restore_body,
    sas_parameters,
    storage_auth,
)
from ._internal.polling import KeyVaultJobPolling, deserializer
from ._models import KeyVaultBackupResult

T = TypeVar("T")


class KeyVaultBackupClient(KeyVaultClientBase):
    """Backs up and restores a whole Managed HSM, or restores single keys.

    :param str vault_url: URL of the Managed HSM, for example
        ``https://<hsm-name>.managedhsm.azure.net``.
    :param credential: Object that provides access tokens, such as a credential
        from :mod:`azure.identity`.
    :type credential: ~azure.core.credentials.TokenCredential
    :keyword api_version: Service API version. Defaults to the latest supported.
    :paramtype api_version: ~azure_keyvault_administration_clone.ApiVersion or str
    :keyword bool verify_challenge_resource: Whether to check that the
        authentication challenge's resource covers the vault's host. Defaults
        to True.
    """

    def _start_job(
        self,
        operation: str,
        build_request: Callable[[], HttpRequest],
        result_factory: Callable[[Mapping[str, Any]], T],
        kwargs: Dict[str, Any],
    ) -> LROPoller[T]:
        """Start a job, or resume one from ``continuation_token``, and poll it."""
        job = prepare_job(operation, build_request, self._vault_url, kwargs)
        response = self._send(job.request, job.expected_status, **kwargs)
        pipeline_response = PipelineResponse(job.request, response, {})  # type: ignore[arg-type]

        polling_method: PollingMethod[T]
        if job.polling is True:
            polling_method = KeyVaultJobPolling(
                operation,
                result_factory,
                polling_interval=job.polling_interval,
                status_url=job.status_url,
            )
        elif job.polling is False:
            polling_method = NoPolling()  # type: ignore[no-untyped-call]
        else:
            polling_method = job.polling

        return LROPoller(
            self._client,
            pipeline_response,
            deserializer(result_factory),
            polling_method,
        )

    @overload
    def begin_backup(
        self,
        blob_storage_url: str,
        *,
        use_managed_identity: Literal[True],
        continuation_token: Optional[str] = None,
        **kwargs: Any,
    ) -> LROPoller[KeyVaultBackupResult]: ...

    @overload
    def begin_backup(
        self,
        blob_storage_url: str,
        *,
        sas_token: str,
        continuation_token: Optional[str] = None,
        **kwargs: Any,
    ) -> LROPoller[KeyVaultBackupResult]: ...

    @distributed_trace
    def begin_backup(
        self, blob_storage_url: str, *args: str, **kwargs: Any
    ) -> LROPoller[KeyVaultBackupResult]:
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
        :rtype: ~azure.core.polling.LROPoller[KeyVaultBackupResult]
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

        return self._start_job(
            "backup", build_request, KeyVaultBackupResult._from_wire, kwargs
        )

    @overload
    def begin_restore(
        self,
        folder_url: str,
        *,
        use_managed_identity: Literal[True],
        key_name: Optional[str] = None,
        continuation_token: Optional[str] = None,
        **kwargs: Any,
    ) -> LROPoller[None]: ...

    @overload
    def begin_restore(
        self,
        folder_url: str,
        *,
        sas_token: str,
        key_name: Optional[str] = None,
        continuation_token: Optional[str] = None,
        **kwargs: Any,
    ) -> LROPoller[None]: ...

    @distributed_trace
    def begin_restore(
        self, folder_url: str, *args: str, **kwargs: Any
    ) -> LROPoller[None]:
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
        :rtype: ~azure.core.polling.LROPoller[None]
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

        return self._start_job("restore", build_request, no_result, kwargs)

    @overload
    def begin_pre_backup(
        self,
        blob_storage_url: str,
        *,
        use_managed_identity: Literal[True],
        continuation_token: Optional[str] = None,
        **kwargs: Any,
    ) -> LROPoller[None]: ...

    @overload
    def begin_pre_backup(
        self,
        blob_storage_url: str,
        *,
        sas_token: str,
        continuation_token: Optional[str] = None,
        **kwargs: Any,
    ) -> LROPoller[None]: ...

    @distributed_trace
    def begin_pre_backup(self, blob_storage_url: str, **kwargs: Any) -> LROPoller[None]:
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
        :rtype: ~azure.core.polling.LROPoller[None]
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

        return self._start_job("backup", build_request, no_result, kwargs)

    @overload
    def begin_pre_restore(
        self,
        folder_url: str,
        *,
        use_managed_identity: Literal[True],
        continuation_token: Optional[str] = None,
        **kwargs: Any,
    ) -> LROPoller[None]: ...

    @overload
    def begin_pre_restore(
        self,
        folder_url: str,
        *,
        sas_token: str,
        continuation_token: Optional[str] = None,
        **kwargs: Any,
    ) -> LROPoller[None]: ...

    @distributed_trace
    def begin_pre_restore(self, folder_url: str, **kwargs: Any) -> LROPoller[None]:
        """Check whether a full restore from a backup folder can be made.

        Needs API version 7.6 or later. When the check fails, the poller's
        ``wait()`` and ``result()`` raise.

        :param str folder_url: URL of the backup folder.
        :keyword str sas_token: SAS token for the container. Required unless
            ``use_managed_identity`` is True.
        :keyword bool use_managed_identity: Whether the Managed HSM authenticates
            to storage with its user-assigned managed identity.
        :keyword str continuation_token: Token to resume polling a started check.
        :rtype: ~azure.core.polling.LROPoller[None]
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

        return self._start_job("restore", build_request, no_result, kwargs)

    def __enter__(self) -> "KeyVaultBackupClient":
        self._client.__enter__()
        return self
