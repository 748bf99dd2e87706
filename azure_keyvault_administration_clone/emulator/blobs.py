"""Local stand-in for Azure Blob Storage containers used by backup and restore.

A container URL ``https://<account>.blob.core.windows.net/<container>`` maps to
the directory ``<blob root>/<account>/<container>``. For any other host, the
whole host name (``:`` replaced by ``_``) is the account and the first path
segment is the container, so Azurite-style URLs work too. Extra path segments
after the container are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List
from urllib.parse import parse_qs, urlsplit

from .errors import bad_parameter

BLOB_HOST_SUFFIX = ".blob.core.windows.net"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")


@dataclass(frozen=True)
class BlobContainer:
    """A container URL and its directory.

    :ivar uri: Container URL as the request sent it, without a trailing ``/``.
    :ivar directory: Directory that contains the container's folders.
    """

    uri: str
    directory: Path

    def folder(self, name: str) -> Path:
        """Return the directory of backup folder ``name`` inside the container."""
        validate_folder_name(name)
        return self.directory / name


def resolve_container(uri: str, blob_root: Path) -> BlobContainer:
    """Map a container URL to its directory under ``blob_root``.

    :raises ServiceError: 400 ``BadParameter`` when ``uri`` is not an http(s) URL
        with a container segment.
    """
    parts = urlsplit(uri.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_parameter(
            f"storageResourceUri {uri!r} is not an absolute http(s) URL of a "
            "blob container."
        )
    segments = [segment for segment in parts.path.split("/") if segment]
    if not segments:
        raise bad_parameter(
            f"storageResourceUri {uri!r} has no container name as its first "
            "path segment."
        )
    host = parts.netloc.rsplit("@", 1)[-1].lower()
    if host.endswith(BLOB_HOST_SUFFIX):
        account = host[: -len(BLOB_HOST_SUFFIX)]
    else:
        account = host.replace(":", "_")
    container = segments[0]
    for label, value in (("account", account), ("container", container)):
        if not _SAFE_NAME.match(value) or value in (".", ".."):
            raise bad_parameter(
                f"Storage {label} name {value!r} in storageResourceUri is not valid."
            )
    return BlobContainer(
        uri=uri.strip().rstrip("/"), directory=blob_root / account / container
    )


def validate_folder_name(name: str) -> None:
    """Raise 400 ``BadParameter`` unless ``name`` is a single safe path segment."""
    if not _SAFE_NAME.match(name) or name in (".", ".."):
        raise bad_parameter(
            f"Backup folder name {name!r} is not valid. Give the folder name only, "
            "e.g. mhsm-myhsm-2025060500291014."
        )


def sas_problem(token: str) -> str:
    """Return why ``token`` is not a usable SAS query string, or ``""`` if it is.

    A usable SAS has non-empty ``sv`` (version) and ``sig`` (signature) fields.
    The signature itself is not checked.
    """
    fields: Dict[str, List[str]] = parse_qs(token.lstrip("?"), keep_blank_values=True)
    for field in ("sv", "sig"):
        values = fields.get(field)
        if not values or not values[0]:
            return (
                "The customer provided SAS token is malformed. "
                f"The SAS token does not contain the {field} field."
            )
    return ""
