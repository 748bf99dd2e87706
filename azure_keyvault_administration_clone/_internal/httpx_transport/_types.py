"""Type aliases shared by the httpx transport modules."""

from __future__ import annotations

import ssl
from typing import Tuple, Union

from azure.core.pipeline.transport import HttpRequest as LegacyHttpRequest
from azure.core.rest import HttpRequest as RestHttpRequest

AnyHttpRequest = Union[RestHttpRequest, LegacyHttpRequest]
CertType = Union[str, Tuple[str, ...]]
VerifyType = Union[bool, str, ssl.SSLContext]
