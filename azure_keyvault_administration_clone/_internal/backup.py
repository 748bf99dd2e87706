"""Request bodies and argument checks shared by the backup clients."""

from typing import Any, Callable, Dict, Mapping, NamedTuple, Optional, Sequence, Tuple

from azure.core.rest import HttpRequest

from .._rest import build_job_status_request
from .._rest._models import RestoreOperationParameters, SASTokenParameter
from .api_version import is_at_least
from .folder_url import parse_folder_url
from .polling import parse_continuation_token

PRE_CHECK_MINIMUM_VERSION = "7.6"


def storage_auth(
    args: Sequence[Any], kwargs: Dict[str, Any], *, resuming: bool
) -> Tuple[Optional[str], bool]:
    """Pop the SAS token (keyword or second positional argument) and the
    managed-identity flag, and check that exactly one was given.

    :raises TypeError: for extra positional arguments or a non-string token.
    :raises ValueError: if both or neither were given.
    """
    if len(args) > 1:
        raise TypeError(
            f"Expected at most one positional argument after the URL (the SAS "
            f"token), got {len(args)}"
        )
    sas_token = args[0] if args else None
    keyword_token = kwargs.pop("sas_token", None)
    if sas_token is not None and keyword_token is not None:
        raise TypeError("The SAS token was given both positionally and as sas_token=")
    sas_token = sas_token if sas_token is not None else keyword_token
    use_managed_identity = kwargs.pop("use_managed_identity", False)

    if sas_token is not None and not isinstance(sas_token, str):
        raise TypeError(
            f"sas_token must be a string (the SAS query, such as 'sv=...&sig=...'), "
            f"not {type(sas_token).__name__}"
        )
    if not isinstance(use_managed_identity, bool):
        raise TypeError(
            f"use_managed_identity must be True or False, not {use_managed_identity!r}"
        )
    if resuming:
        return sas_token, use_managed_identity
    if sas_token and use_managed_identity:
        raise ValueError(
            "Both sas_token and use_managed_identity=True were given; pass only one: "
            "a SAS token for the storage container, or use_managed_identity=True to "
            "use the Managed HSM's managed identity."
        )
    if not sas_token and not use_managed_identity:
        raise ValueError(
            "No storage credential was given: pass sas_token='<SAS query>' or "
            "use_managed_identity=True."
        )
    # The service expects the query without its leading "?".
    return (sas_token.lstrip("?") if sas_token else None), use_managed_identity


def sas_parameters(
    container_url: str, sas_token: Optional[str], use_managed_identity: bool
) -> SASTokenParameter:
    """Build ``SASTokenParameter``; ``token`` is left out when there is none."""
    body: SASTokenParameter = {"storageResourceUri": container_url}
    if sas_token is not None:
        body["token"] = sas_token
    body["useManagedIdentity"] = use_managed_identity
    return body


def blob_storage_url_text(blob_storage_url: Any) -> str:
    if not isinstance(blob_storage_url, str) or "://" not in blob_storage_url:
        raise ValueError(
            f"blob_storage_url {blob_storage_url!r} is not a URL: pass the URL of a "
            "blob container, for example 'https://<account>.blob.core.windows.net/backup'"
        )
    return blob_storage_url


def restore_body(
    folder_url: str,
    sas_token: Optional[str],
    use_managed_identity: bool,
    *,
    selective: bool,
) -> RestoreOperationParameters:
    """Build ``RestoreOperationParameters``, or the selective-restore body,
    whose folder field is named ``folder`` instead of ``folderToRestore``."""
    location = parse_folder_url(folder_url)
    body: RestoreOperationParameters = {
        "sasTokenParameters": sas_parameters(
            location.container_url, sas_token, use_managed_identity
        )
    }
    if selective:
        body["folder"] = location.folder_name
    else:
        body["folderToRestore"] = location.folder_name
    return body


def require_pre_check_version(api_version: str, method: str) -> None:
    if not is_at_least(api_version, PRE_CHECK_MINIMUM_VERSION):
        raise ValueError(
            f"{method} needs API version {PRE_CHECK_MINIMUM_VERSION} or later, but the "
            f"client uses '{api_version}'. Create the client with api_version='7.6' "
            "or later."
        )


def polling_interval(kwargs: Dict[str, Any]) -> float:
    """Pop the polling interval: ``polling_interval``, or ``_polling_interval``
    as the original package spells it. Defaults to 5 seconds."""
    private = kwargs.pop("_polling_interval", None)
    public = kwargs.pop("polling_interval", None)
    value = public if public is not None else private
    if value is None:
        return 5.0
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(
            f"polling_interval must be a number of seconds >= 0, not {value!r}"
        )
    return float(value)


def key_name_text(key_name: Any) -> str:
    if not isinstance(key_name, str) or not key_name:
        raise TypeError(f"key_name must be a non-empty string, not {key_name!r}")
    return key_name


class JobStart(NamedTuple):
    """The first request of a job and how to poll the job afterwards."""

    request: HttpRequest
    expected_status: Tuple[int, ...]
    # The status URL from the continuation token; None for a new job.
    status_url: Optional[str]
    polling_interval: float
    # True, False or an azure-core polling method, as the caller passed it.
    polling: Any


def prepare_job(
    operation: str,
    build_request: Callable[[], HttpRequest],
    vault_url: str,
    kwargs: Dict[str, Any],
) -> JobStart:
    """Pop the polling keywords and build the job's first request.

    That is the POST or PUT that starts the job or, with ``continuation_token``,
    one GET of the token's status URL, so that resuming starts no second job.
    """
    interval = polling_interval(kwargs)
    continuation_token = kwargs.pop("continuation_token", None)
    polling = kwargs.pop("polling", True)
    if continuation_token is None:
        return JobStart(build_request(), (202, 200, 201), None, interval, polling)
    status_url = parse_continuation_token(continuation_token, operation, vault_url)
    request = build_job_status_request(status_url)
    return JobStart(request, (200,), status_url, interval, polling)


def no_result(_: Mapping[str, Any]) -> None:
    """Result factory of the jobs whose poller returns None."""
    return None
