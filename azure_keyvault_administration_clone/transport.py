"""The httpx-based azure-core transports this package uses by default.

They can be given to other azure-core based clients too, for example to an
``azure.identity.aio`` credential, so that it needs no aiohttp install::

    from azure.identity.aio import DefaultAzureCredential
    from azure_keyvault_administration_clone.transport import AsyncHttpxTransport

    credential = DefaultAzureCredential(transport=AsyncHttpxTransport())
"""

from ._internal.httpx_transport import AsyncHttpxTransport, HttpxTransport

__all__ = ["AsyncHttpxTransport", "HttpxTransport"]
