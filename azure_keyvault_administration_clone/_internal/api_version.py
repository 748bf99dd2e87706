"""Service API versions and their ordering."""

import re
from enum import Enum
from typing import Tuple, Union

from azure.core import CaseInsensitiveEnumMeta


class ApiVersion(str, Enum, metaclass=CaseInsensitiveEnumMeta):
    """Key Vault service API versions that this package supports."""

    V2025_07_01 = "2025-07-01"
    V7_6 = "7.6"
    V7_5 = "7.5"
    V7_4 = "7.4"
    V7_3 = "7.3"
    V7_2 = "7.2"


DEFAULT_VERSION = ApiVersion.V7_6

_DOTTED = re.compile(r"^(\d+)\.(\d+)(?:-preview(?:\.(\d+))?)?$")
_DATED = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(-preview)?$")


def validate_api_version(api_version: Union[str, ApiVersion]) -> str:
    """Return the wire string of a supported API version.

    :raises NotImplementedError: if the version is not one of :class:`ApiVersion`.
    """
    value = api_version.value if isinstance(api_version, ApiVersion) else api_version
    if not isinstance(value, str):
        raise TypeError(
            f"api_version must be a string or an ApiVersion member, not {value!r}"
        )
    for member in ApiVersion:
        if member.value == value.strip().lower():
            return member.value
    supported = ", ".join(member.value for member in ApiVersion)
    raise NotImplementedError(
        f"This package doesn't support API version '{value}'. "
        f"Supported versions: {supported}"
    )


def version_key(api_version: str) -> Tuple[int, ...]:
    """Return a sort key that orders API versions by release.

    Dotted versions (``7.5-preview.1`` < ``7.5`` < ``7.6``) come before the
    dated ones (``2025-07-01``), which replaced them.

    :raises ValueError: if ``api_version`` has neither form.
    """
    dotted = _DOTTED.match(api_version)
    if dotted:
        major, minor, preview = dotted.groups()
        is_preview = "-preview" in api_version
        # A preview sorts before the stable release of the same number.
        return (0, int(major), int(minor), 0 if is_preview else 1, int(preview or 0))
    dated = _DATED.match(api_version)
    if dated:
        year, month, day, preview = dated.groups()
        return (1, int(year), int(month), int(day), 0 if preview else 1)
    raise ValueError(f"'{api_version}' is not an API version string")


def is_at_least(api_version: str, minimum: str) -> bool:
    """Return whether ``api_version`` is ``minimum`` or a later release."""
    return version_key(api_version) >= version_key(minimum)
