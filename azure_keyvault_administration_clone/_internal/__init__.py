"""Internal building blocks of the clients: pipeline, authentication, polling."""

from .api_version import DEFAULT_VERSION, ApiVersion, is_at_least, validate_api_version
from .challenge import CHALLENGE_CACHE, HttpChallenge
from .challenge_policy import ChallengeAuthPolicy
from .client_base import KeyVaultClientBase
from .folder_url import BackupLocation, parse_folder_url

__all__ = [
    "CHALLENGE_CACHE",
    "DEFAULT_VERSION",
    "ApiVersion",
    "BackupLocation",
    "ChallengeAuthPolicy",
    "HttpChallenge",
    "KeyVaultClientBase",
    "is_at_least",
    "parse_folder_url",
    "validate_api_version",
]
