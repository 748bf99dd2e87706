"""Async account settings of a Managed HSM."""

from typing import Any, AsyncIterator, List, Optional, Tuple

from azure.core.async_paging import AsyncItemPaged, AsyncList
from azure.core.tracing.decorator import distributed_trace
from azure.core.tracing.decorator_async import distributed_trace_async

from .. import _rest
from .._internal.async_client_base import AsyncKeyVaultClientBase
from .._models import KeyVaultSetting
from .._settings_client import setting_name, settings_from_body


class KeyVaultSettingsClient(AsyncKeyVaultClientBase):
    """Gets, lists and updates the account settings of a Managed HSM.

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

    @distributed_trace_async
    async def get_setting(self, name: str, **kwargs: Any) -> KeyVaultSetting:
        """Get an account setting.

        :param str name: Name of the setting.
        :rtype: KeyVaultSetting
        :raises ~azure.core.exceptions.HttpResponseError: if the name is unknown
            (the service returns 400 ``InvalidSetting``).
        """
        request = _rest.build_get_setting_request(
            setting_name(name), api_version=self.api_version
        )
        response = await self._send(request, (200,), **kwargs)
        return KeyVaultSetting._from_wire(response.json())

    @distributed_trace
    def list_settings(self, **kwargs: Any) -> AsyncItemPaged[KeyVaultSetting]:
        """List all account settings.

        The service returns every setting in one response. Unlike the sync
        client, this call sends nothing: the request goes out, with the keyword
        arguments given here, when the first item is requested with
        ``async for``.

        :rtype: ~azure.core.async_paging.AsyncItemPaged[KeyVaultSetting]
        """
        request = _rest.build_list_settings_request(api_version=self.api_version)

        async def get_next(continuation: Optional[str]) -> List[KeyVaultSetting]:
            response = await self._send(request, (200,), **kwargs)
            return settings_from_body(response.json() if response.text() else {})

        async def extract_data(
            page: List[KeyVaultSetting],
        ) -> Tuple[None, AsyncIterator[KeyVaultSetting]]:
            return None, AsyncList(page)

        return AsyncItemPaged(get_next, extract_data)

    @distributed_trace_async
    async def update_setting(
        self, setting: KeyVaultSetting, **kwargs: Any
    ) -> KeyVaultSetting:
        """Set an account setting to the setting's value.

        :param setting: The setting with its name and new value.
        :type setting: KeyVaultSetting
        :returns: The updated setting, as the service returns it.
        :rtype: KeyVaultSetting
        :raises TypeError: if ``setting`` is not a :class:`KeyVaultSetting`.
        """
        if not isinstance(setting, KeyVaultSetting):
            raise TypeError(
                f"setting must be a KeyVaultSetting, such as "
                f"KeyVaultSetting(name='AllowKeyManagementOperationsThroughARM', "
                f"value=True), not {type(setting).__name__}"
            )
        request = _rest.build_update_setting_request(
            setting_name(setting.name), setting.value, api_version=self.api_version
        )
        response = await self._send(request, (200,), **kwargs)
        return KeyVaultSetting._from_wire(response.json())

    async def __aenter__(self) -> "KeyVaultSettingsClient":
        await self._client.__aenter__()
        return self
