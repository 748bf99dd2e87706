"""Account settings of a Managed HSM."""

from typing import Any, Iterator, List, Optional, Tuple

from azure.core.paging import ItemPaged
from azure.core.tracing.decorator import distributed_trace

from . import _rest
from ._internal import KeyVaultClientBase
from ._models import KeyVaultSetting


def settings_from_body(body: Any) -> List[KeyVaultSetting]:
    """Convert a ``{"settings": [...]}`` list response, ignoring malformed items."""
    items = body.get("settings") if isinstance(body, dict) else None
    return [
        KeyVaultSetting._from_wire(item)
        for item in items or []
        if isinstance(item, dict)
    ]


def setting_name(name: Any) -> str:
    if not isinstance(name, str) or not name:
        raise TypeError(
            f"The setting name must be a non-empty string such as "
            f"'AllowKeyManagementOperationsThroughARM', not {name!r}"
        )
    return name


class KeyVaultSettingsClient(KeyVaultClientBase):
    """Gets, lists and updates the account settings of a Managed HSM.

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

    @distributed_trace
    def get_setting(self, name: str, **kwargs: Any) -> KeyVaultSetting:
        """Get an account setting.

        :param str name: Name of the setting.
        :rtype: KeyVaultSetting
        :raises ~azure.core.exceptions.HttpResponseError: if the name is unknown
            (the service returns 400 ``InvalidSetting``).
        """
        request = _rest.build_get_setting_request(
            setting_name(name), api_version=self.api_version
        )
        response = self._send(request, (200,), **kwargs)
        return KeyVaultSetting._from_wire(response.json())

    @distributed_trace
    def list_settings(self, **kwargs: Any) -> ItemPaged[KeyVaultSetting]:
        """List all account settings.

        The service returns every setting in one response, so the request is
        sent by this call, with the keyword arguments given here.

        :rtype: ~azure.core.paging.ItemPaged[KeyVaultSetting]
        """
        request = _rest.build_list_settings_request(api_version=self.api_version)
        response = self._send(request, (200,), **kwargs)
        settings = settings_from_body(response.json() if response.text() else {})

        def get_next(continuation: Optional[str]) -> List[KeyVaultSetting]:
            return settings

        def extract_data(
            page: List[KeyVaultSetting],
        ) -> Tuple[None, Iterator[KeyVaultSetting]]:
            return None, iter(page)

        return ItemPaged(get_next, extract_data)

    @distributed_trace
    def update_setting(
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
        response = self._send(request, (200,), **kwargs)
        return KeyVaultSetting._from_wire(response.json())

    def __enter__(self) -> "KeyVaultSettingsClient":
        self._client.__enter__()
        return self
