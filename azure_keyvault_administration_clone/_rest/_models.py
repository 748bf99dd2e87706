"""Wire shapes of the request and response bodies, in the service's camelCase.

The request builders take these shapes. The public models in ``_models.py``
read the response shapes (``_from_wire``) and tolerate missing or null fields,
because the service omits some of them.
"""

from typing import List, Optional

from typing_extensions import TypedDict


class Permission(TypedDict, total=False):
    actions: List[str]
    notActions: List[str]
    dataActions: List[str]
    notDataActions: List[str]


class RoleDefinitionProperties(TypedDict, total=False):
    roleName: str
    description: str
    # "AKVBuiltInRole" or "CustomRole"; the clients never send it.
    type: str
    permissions: List[Permission]
    assignableScopes: List[str]


class RoleDefinitionCreateParameters(TypedDict):
    properties: RoleDefinitionProperties


class RoleDefinition(TypedDict, total=False):
    id: str
    name: str
    type: str
    properties: RoleDefinitionProperties


class RoleAssignmentProperties(TypedDict):
    roleDefinitionId: str
    principalId: str


class RoleAssignmentCreateParameters(TypedDict):
    properties: RoleAssignmentProperties


class SASTokenParameter(TypedDict, total=False):
    storageResourceUri: str
    # The SAS query without its leading "?"; left out with a managed identity.
    token: str
    useManagedIdentity: bool


class RestoreOperationParameters(TypedDict, total=False):
    sasTokenParameters: SASTokenParameter
    folderToRestore: str
    # Selective key restore names the folder "folder" instead.
    folder: str


class JobError(TypedDict, total=False):
    code: Optional[str]
    message: Optional[str]
    innererror: Optional["JobError"]


class JobStatus(TypedDict, total=False):
    """Status of a full backup, full restore or selective key restore job."""

    status: str
    statusDetails: Optional[str]
    error: Optional[JobError]
    startTime: Optional[int]
    endTime: Optional[int]
    jobId: str
    azureStorageBlobContainerUri: Optional[str]


class Setting(TypedDict, total=False):
    name: str
    value: str
    type: str


class UpdateSettingRequest(TypedDict):
    value: str
