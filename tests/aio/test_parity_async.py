"""The async clients send the same requests as the sync clients, and as the
async clients of the original azure-keyvault-administration 4.6.0."""

import inspect
from typing import Any, Dict, Iterator, List, Tuple

import azure.keyvault.administration as original_sync
import azure.keyvault.administration.aio as original_aio
import httpx
import pytest
import respx
from azure.keyvault.administration._internal import (
    http_challenge_cache as original_challenge_cache,
)

import azure_keyvault_administration_clone as clone_sync
import azure_keyvault_administration_clone.aio as clone_aio
from azure_keyvault_administration_clone._internal.challenge import CHALLENGE_CACHE
from azure_keyvault_administration_clone._internal.httpx_transport import (
    AsyncHttpxTransport,
    HttpxTransport,
)

from .helpers import (
    CHALLENGE,
    CONTAINER_URL,
    DEFINITION_ID,
    FOLDER_URL,
    PRINCIPAL_ID,
    SAS,
    VAULT_HOST,
    VAULT_URL,
    AsyncFakeCredential,
    challenge_response,
    json_response,
    wire_form,
)

NAME = "5f4b8b3c-1f3e-4c33-9f36-3c1f2bd6a0c1"
RBAC = "/providers/Microsoft.Authorization"


def respond(request: httpx.Request) -> httpx.Response:
    """Return a minimal valid response for any operation of the service."""
    if "Authorization" not in request.headers:
        return challenge_response(CHALLENGE)
    path = request.url.path
    last = path.rsplit("/", 1)[-1]
    if path.endswith("/pending"):
        body = {
            "status": "Succeeded",
            "jobId": "job",
            "azureStorageBlobContainerUri": FOLDER_URL,
        }
        return json_response(200, body)
    if path.endswith(("backup", "restore")):
        operation = "backup" if path.endswith("backup") else "restore"
        headers = {
            "Azure-AsyncOperation": f"{VAULT_URL}/{operation}/job/pending",
            "Retry-After": "0",
        }
        return json_response(202, {"status": "InProgress", "jobId": "job"}, headers)
    if path.startswith("/settings"):
        setting = {"name": "A", "type": "boolean", "value": "true"}
        return json_response(
            200, {"settings": [setting]} if last == "settings" else setting
        )
    kind = "roleDefinitions" if "roleDefinitions" in path else "roleAssignments"
    item = {
        "id": f"{RBAC}/{kind}/{NAME}",
        "name": NAME,
        "properties": {
            "scope": "/",
            "roleDefinitionId": DEFINITION_ID,
            "principalId": PRINCIPAL_ID,
        },
    }
    if last in ("roleDefinitions", "roleAssignments"):
        return json_response(200, {"value": [item]})
    return json_response(201 if request.method == "PUT" else 200, item)


# (client class name, method, positional arguments, keyword arguments, result kind)
Case = Tuple[str, str, Tuple[Any, ...], Dict[str, Any], str]
CASES: Dict[str, Case] = {
    "list_role_definitions": (
        "KeyVaultAccessControlClient",
        "list_role_definitions",
        ("/",),
        {},
        "pager",
    ),
    "list_role_definitions_filter": (
        "KeyVaultAccessControlClient",
        "list_role_definitions",
        ("/",),
        {"filter": "roleName eq 'r'"},
        "pager",
    ),
    "get_role_definition": (
        "KeyVaultAccessControlClient",
        "get_role_definition",
        ("/", NAME),
        {},
        "value",
    ),
    "set_role_definition": (
        "KeyVaultAccessControlClient",
        "set_role_definition",
        ("/",),
        {
            "name": NAME,
            "role_name": "r",
            "description": "d",
            "assignable_scopes": ["/"],
        },
        "value",
    ),
    "delete_role_definition": (
        "KeyVaultAccessControlClient",
        "delete_role_definition",
        ("/", NAME),
        {},
        "value",
    ),
    "list_role_assignments": (
        "KeyVaultAccessControlClient",
        "list_role_assignments",
        ("/keys",),
        {},
        "pager",
    ),
    "get_role_assignment": (
        "KeyVaultAccessControlClient",
        "get_role_assignment",
        ("/", NAME),
        {},
        "value",
    ),
    "create_role_assignment": (
        "KeyVaultAccessControlClient",
        "create_role_assignment",
        ("/", DEFINITION_ID, PRINCIPAL_ID),
        {"name": NAME},
        "value",
    ),
    "delete_role_assignment": (
        "KeyVaultAccessControlClient",
        "delete_role_assignment",
        ("/", NAME),
        {},
        "value",
    ),
    "begin_backup_sas": (
        "KeyVaultBackupClient",
        "begin_backup",
        (CONTAINER_URL,),
        {"sas_token": SAS},
        "poller",
    ),
    "begin_backup_identity": (
        "KeyVaultBackupClient",
        "begin_backup",
        (CONTAINER_URL,),
        {"use_managed_identity": True},
        "poller",
    ),
    "begin_restore": (
        "KeyVaultBackupClient",
        "begin_restore",
        (FOLDER_URL,),
        {"sas_token": SAS},
        "poller",
    ),
    "begin_selective_restore": (
        "KeyVaultBackupClient",
        "begin_restore",
        (FOLDER_URL,),
        {"use_managed_identity": True, "key_name": "k1"},
        "poller",
    ),
    "begin_pre_backup": (
        "KeyVaultBackupClient",
        "begin_pre_backup",
        (CONTAINER_URL,),
        {"sas_token": SAS},
        "poller",
    ),
    "begin_pre_restore": (
        "KeyVaultBackupClient",
        "begin_pre_restore",
        (FOLDER_URL,),
        {"use_managed_identity": True},
        "poller",
    ),
    "get_setting": ("KeyVaultSettingsClient", "get_setting", ("A",), {}, "value"),
    "list_settings": ("KeyVaultSettingsClient", "list_settings", (), {}, "pager"),
    "update_setting": ("KeyVaultSettingsClient", "update_setting", (), {}, "value"),
}


def arguments(models: Any, case: Case) -> Tuple[Any, ...]:
    """Return the positional arguments, with a setting of the ``models`` package."""
    if case[1] == "update_setting":
        return (models.KeyVaultSetting(name="A", value=True),)
    return case[2]


@pytest.fixture
def captured() -> Iterator[List[httpx.Request]]:
    requests: List[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return respond(request)

    with respx.mock(assert_all_mocked=True) as router:
        router.route(host=VAULT_HOST).mock(side_effect=record)
        yield requests


def run_sync(module: Any, case: Case, credential: Any) -> None:
    client_type, method, _, kwargs, kind = case
    with getattr(module, client_type)(VAULT_URL, credential) as client:
        result = getattr(client, method)(*arguments(module, case), **kwargs)
        if kind == "pager":
            list(result)
        elif kind == "poller":
            result.result()


async def run_async(module: Any, models: Any, case: Case, **client_kwargs: Any) -> Any:
    client_type, method, _, kwargs, kind = case
    async with getattr(module, client_type)(
        VAULT_URL, AsyncFakeCredential(), **client_kwargs
    ) as client:
        call = getattr(client, method)(*arguments(models, case), **kwargs)
        if kind == "pager":
            return [item async for item in call]
        result = await call
        if kind == "poller":
            return await result.result()
        return result


def wire_forms(requests: List[httpx.Request]) -> List[Dict[str, Any]]:
    forms = []
    for request in requests:
        form = wire_form(request)
        form["authorized"] = "Authorization" in request.headers
        form["content_length"] = request.headers.get("Content-Length")
        forms.append(form)
    return forms


@pytest.fixture(autouse=True)
def no_poll_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    async def skip_sleep(self: Any, duration: float) -> None:
        return None

    monkeypatch.setattr(AsyncHttpxTransport, "sleep", skip_sleep)
    monkeypatch.setattr(HttpxTransport, "sleep", lambda self, duration: None)


@pytest.mark.asyncio
@pytest.mark.parametrize("case_name", sorted(CASES))
async def test_async_matches_sync(
    case_name: str, captured: List[httpx.Request], credential: Any
) -> None:
    case = CASES[case_name]
    run_sync(clone_sync, case, credential)
    sync_requests = wire_forms(captured)
    captured.clear()
    CHALLENGE_CACHE.clear()
    await run_async(clone_aio, clone_sync, case)
    async_requests = wire_forms(captured)
    assert len(sync_requests) >= 2
    assert async_requests == sync_requests


@pytest.mark.asyncio
@pytest.mark.parametrize("case_name", sorted(CASES))
async def test_async_matches_original(
    case_name: str, captured: List[httpx.Request]
) -> None:
    case = CASES[case_name]
    original_challenge_cache.clear()
    # The original's default async transport needs aiohttp, so it gets the
    # clone's httpx transport, which respx intercepts.
    await run_async(original_aio, original_sync, case, transport=AsyncHttpxTransport())
    original_challenge_cache.clear()
    original_requests = wire_forms(captured)
    captured.clear()
    await run_async(clone_aio, clone_sync, case)
    clone_requests = wire_forms(captured)
    assert original_requests[0]["authorized"] is False
    assert clone_requests == original_requests


def test_case_table_covers_every_method() -> None:
    public: List[str] = []
    for client_type in (
        clone_aio.KeyVaultAccessControlClient,
        clone_aio.KeyVaultBackupClient,
        clone_aio.KeyVaultSettingsClient,
    ):
        public.extend(
            name
            for name in vars(client_type)
            if not name.startswith("_") and callable(getattr(client_type, name))
        )
    covered = {case[1] for case in CASES.values()}
    assert sorted(set(public) - covered) == []


@pytest.mark.parametrize(
    "name",
    ["KeyVaultAccessControlClient", "KeyVaultBackupClient", "KeyVaultSettingsClient"],
)
def test_public_names_match_original(name: str) -> None:
    original_names = {
        n for n in dir(getattr(original_aio, name)) if not n.startswith("_")
    }
    clone_names = {n for n in dir(getattr(clone_aio, name)) if not n.startswith("_")}
    assert clone_names == original_names


@pytest.mark.parametrize(
    "name",
    ["KeyVaultAccessControlClient", "KeyVaultBackupClient", "KeyVaultSettingsClient"],
)
def test_method_kinds_match_original(name: str) -> None:
    original_type = getattr(original_aio, name)
    clone_type = getattr(clone_aio, name)
    methods = [
        method
        for method in dir(original_type)
        if not method.startswith("_") and callable(getattr(original_type, method))
    ]
    methods += ["__aenter__", "__aexit__"]
    for method in methods:
        original_method = getattr(original_type, method)
        clone_method = getattr(clone_type, method)
        assert inspect.iscoroutinefunction(clone_method) == (
            inspect.iscoroutinefunction(original_method)
        ), method
        original_parameters = list(inspect.signature(original_method).parameters)
        clone_parameters = list(inspect.signature(clone_method).parameters)
        assert clone_parameters == original_parameters, method
