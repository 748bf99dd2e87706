"""Splitting a backup folder URL into its container URL and folder name."""

from typing import NamedTuple
from urllib.parse import urlsplit


class BackupLocation(NamedTuple):
    """Location of a backup in Azure Blob Storage."""

    container_url: str
    folder_name: str


_EXAMPLE = "https://<account>.blob.core.windows.net/backup/mhsm-<name>-2020090117323313"


def parse_folder_url(folder_url: str) -> BackupLocation:
    """Split ``https://<account>.blob.core.windows.net/<container>/<folder>``.

    The container is the first path segment and the folder is the rest of
    the path, without a trailing ``/``. A SAS query or fragment is dropped, so
    a SAS token never ends up in the request body's URL field.

    :raises TypeError: if ``folder_url`` is not a string.
    :raises ValueError: if the URL has no scheme, host, container or folder.
    """
    if not isinstance(folder_url, str):
        raise TypeError(
            f"folder_url must be a string such as {_EXAMPLE!r}, not "
            f"{type(folder_url).__name__}"
        )
    try:
        parts = urlsplit(folder_url.strip())
        # Reading the port validates it ("https://host:abc/..." raises here).
        _ = parts.port
    except ValueError as error:
        raise ValueError(
            f"folder_url '{_redact(folder_url)}' is not a valid URL; pass the "
            f"folder_url of a backup result, for example {_EXAMPLE!r}"
        ) from error

    path = parts.path.strip("/")
    container, _, folder = path.partition("/")
    folder = folder.strip("/")
    if (
        parts.scheme not in ("https", "http")
        or not parts.netloc
        or not container
        or not folder
    ):
        raise ValueError(
            f"folder_url '{_redact(folder_url)}' must be the URL of a backup folder "
            f"in a blob container, for example {_EXAMPLE!r}"
        )
    return BackupLocation(f"{parts.scheme}://{parts.netloc}/{container}", folder)


def _redact(url: str) -> str:
    """Drop the query of a URL so that a SAS signature is never echoed."""
    return url.split("?", 1)[0]
