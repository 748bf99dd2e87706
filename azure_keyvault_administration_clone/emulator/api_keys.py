"""A minimal Key Vault keys data plane: create, get, list, delete, recover, purge.

Enough for backups to have content and for azure-keyvault-keys' ``KeyClient``
to work. Deleting a key soft-deletes it (recoverable for 7 days, as the
``recoverableDays`` attribute states, but the emulator never purges on its
own). The name of a soft-deleted key cannot be reused until it is purged or
recovered. Key names are compared without regard to case.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any, Callable, Dict, List, Optional, Tuple

from starlette.responses import Response
from starlette.routing import Route

from .errors import ServiceError, bad_parameter, empty_response, json_response
from .keys import DEFAULT_KEY_OPS, generate_material, public_jwk
from .options import KEYS_API_VERSIONS
from .rbac import DataAction
from .state import EmulatorState
from .store import DeletedState, KeyVersion
from .web import RequestContext, hsm_route

RECOVERABLE_DAYS = 7
RECOVERY_LEVEL = "CustomizedRecoverable+Purgeable"
_KEY_NAME = re.compile(r"^[0-9A-Za-z-]{1,127}$")
_BOOLEAN_ATTRIBUTES = ("enabled", "exportable")
_TIME_ATTRIBUTES = ("nbf", "exp")


def _key_name(context: RequestContext) -> str:
    name = context.path_params["name"]
    if not _KEY_NAME.match(name):
        raise bad_parameter(
            f"Key name {name!r} is not valid. Use 1-127 letters, digits and dashes."
        )
    return name


def _key_scope(context: RequestContext) -> str:
    return f"/keys/{context.path_params['name']}"


def _key_not_found(name: str) -> ServiceError:
    return ServiceError(
        404,
        "KeyNotFound",
        f"A key with (name/id) {name} was not found in this key vault.",
    )


def _deleted_key_not_found(name: str) -> ServiceError:
    return ServiceError(404, "KeyNotFound", f"Deleted Key not found: {name}")


def _key_bundle(context: RequestContext, key: KeyVersion) -> Dict[str, Any]:
    kid = f"{context.origin}/keys/{key.name}/{key.version}"
    bundle: Dict[str, Any] = {"attributes": key.attributes, "key": public_jwk(key, kid)}
    if key.tags is not None:
        bundle["tags"] = key.tags
    return bundle


def _deleted_fields(
    context: RequestContext, name: str, state: DeletedState
) -> Dict[str, Any]:
    return {
        "deletedDate": state.deleted_date,
        "recoveryId": f"{context.origin}/deletedkeys/{name}",
        "scheduledPurgeDate": state.scheduled_purge_date,
    }


def _key_item(
    context: RequestContext, key: KeyVersion, *, versioned: bool
) -> Dict[str, Any]:
    kid = f"{context.origin}/keys/{key.name}"
    if versioned:
        kid += f"/{key.version}"
    item: Dict[str, Any] = {"attributes": key.attributes, "kid": kid}
    if key.tags is not None:
        item["tags"] = key.tags
    return item


def _active_versions(context: RequestContext, name: str) -> List[KeyVersion]:
    store = context.state.store
    versions = store.key_versions(name)
    if not versions or store.deleted_state(name) is not None:
        raise _key_not_found(name)
    return versions


def _parse_create(body: Dict[str, Any]) -> Tuple[str, Dict[str, Any]]:
    """Validate a create request and return ``(kty, checked fields)``."""
    kty = body.get("kty")
    if not isinstance(kty, str):
        raise bad_parameter("The request body must contain 'kty' as a string.")

    fields: Dict[str, Any] = {}
    for name in ("key_size", "public_exponent"):
        value = body.get(name)
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool)
        ):
            raise bad_parameter(f"'{name}' must be an integer.")
        fields[name] = value

    curve = body.get("crv")
    if curve is not None and not isinstance(curve, str):
        raise bad_parameter("'crv' must be a string.")
    fields["crv"] = curve

    key_ops = body.get("key_ops")
    if key_ops is not None and (
        not isinstance(key_ops, list) or not all(isinstance(op, str) for op in key_ops)
    ):
        raise bad_parameter("'key_ops' must be a list of strings.")
    fields["key_ops"] = key_ops

    tags = body.get("tags")
    if tags is not None and (
        not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values())
    ):
        raise bad_parameter("'tags' must be an object with string values.")
    fields["tags"] = tags

    attributes = body.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise bad_parameter("'attributes' must be an object.")
    for name in _BOOLEAN_ATTRIBUTES:
        value = attributes.get(name)
        if value is not None and not isinstance(value, bool):
            raise bad_parameter(f"'attributes.{name}' must be a boolean.")
    for name in _TIME_ATTRIBUTES:
        value = attributes.get(name)
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool)
        ):
            raise bad_parameter(
                f"'attributes.{name}' must be an integer (Unix seconds)."
            )
    fields["attributes"] = attributes
    return kty, fields


def create_key(context: RequestContext) -> Response:
    """Create a new key or a new version of an existing key."""
    name = _key_name(context)
    body = context.json_body()
    assert body is not None
    kty, fields = _parse_create(body)

    store = context.state.store
    if store.deleted_state(name) is not None:
        raise ServiceError(
            409,
            "Conflict",
            f"Key {name} is currently in a deleted but recoverable state, and its name "
            "cannot be reused; in this state, the key can only be recovered or purged.",
        )

    stored_kty, material = generate_material(
        kty,
        key_size=fields["key_size"],
        curve=fields["crv"],
        public_exponent=fields["public_exponent"],
    )

    existing = store.key_versions(name)
    display_name = existing[0].name if existing else name
    now = int(time.time())
    requested: Dict[str, Any] = fields["attributes"]
    attributes: Dict[str, Any] = {
        "created": now,
        "enabled": requested.get("enabled", True),
        "exportable": requested.get("exportable", False),
        "recoverableDays": RECOVERABLE_DAYS,
        "recoveryLevel": RECOVERY_LEVEL,
        "updated": now,
    }
    for attribute in _TIME_ATTRIBUTES:
        if requested.get(attribute) is not None:
            attributes[attribute] = requested[attribute]

    key = KeyVersion(
        name=display_name,
        version=uuid.uuid4().hex,
        kty=stored_kty,
        material=material,
        key_ops=fields["key_ops"]
        if fields["key_ops"] is not None
        else DEFAULT_KEY_OPS[stored_kty],
        attributes=attributes,
        tags=fields["tags"],
    )
    store.add_key_version(key)
    return json_response(_key_bundle(context, key))


def get_key(context: RequestContext) -> Response:
    """Return the latest version of a key, or the version in the path."""
    name = _key_name(context)
    versions = _active_versions(context, name)
    requested_version: Optional[str] = context.path_params.get("version") or None
    if requested_version is None:
        return json_response(_key_bundle(context, versions[-1]))
    for version in versions:
        if version.version.lower() == requested_version.lower():
            return json_response(_key_bundle(context, version))
    raise _key_not_found(f"{name}/{requested_version}")


def list_keys(context: RequestContext) -> Response:
    """List the active keys (latest version of each) as one page."""
    items = [
        _key_item(context, key, versioned=False)
        for key in context.state.store.latest_keys(deleted=False)
    ]
    return json_response({"nextLink": None, "value": items})


def list_key_versions(context: RequestContext) -> Response:
    """List every version of an active key as one page."""
    name = _key_name(context)
    items = [
        _key_item(context, key, versioned=True)
        for key in _active_versions(context, name)
    ]
    return json_response({"nextLink": None, "value": items})


def delete_key(context: RequestContext) -> Response:
    """Soft-delete a key and return its deleted bundle."""
    name = _key_name(context)
    versions = _active_versions(context, name)
    now = int(time.time())
    state = DeletedState(now, now + RECOVERABLE_DAYS * 86400)
    context.state.store.mark_deleted(versions[-1].name, state)
    bundle = _key_bundle(context, versions[-1])
    bundle.update(_deleted_fields(context, versions[-1].name, state))
    return json_response(bundle)


def _deleted_latest(
    context: RequestContext, name: str
) -> Tuple[KeyVersion, DeletedState]:
    store = context.state.store
    state = store.deleted_state(name)
    versions = store.key_versions(name)
    if state is None or not versions:
        raise _deleted_key_not_found(name)
    return versions[-1], state


def get_deleted_key(context: RequestContext) -> Response:
    """Return a soft-deleted key."""
    key, state = _deleted_latest(context, _key_name(context))
    bundle = _key_bundle(context, key)
    bundle.update(_deleted_fields(context, key.name, state))
    return json_response(bundle)


def list_deleted_keys(context: RequestContext) -> Response:
    """List soft-deleted keys as one page."""
    store = context.state.store
    items = []
    for key in store.latest_keys(deleted=True):
        state = store.deleted_state(key.name)
        if state is None:
            continue
        item = _key_item(context, key, versioned=False)
        item.update(_deleted_fields(context, key.name, state))
        items.append(item)
    return json_response({"nextLink": None, "value": items})


def purge_deleted_key(context: RequestContext) -> Response:
    """Permanently remove a soft-deleted key (204)."""
    key, _state = _deleted_latest(context, _key_name(context))
    context.state.store.purge(key.name)
    return empty_response(204)


def recover_deleted_key(context: RequestContext) -> Response:
    """Bring a soft-deleted key back and return its latest version."""
    key, _state = _deleted_latest(context, _key_name(context))
    context.state.store.recover(key.name)
    return json_response(_key_bundle(context, key))


def routes(state: EmulatorState) -> List[Route]:
    """Return the keys routes; ``/keys/{name}/versions`` precedes the version route."""
    table: List[Tuple[str, str, Callable[[RequestContext], Response], str, bool]] = [
        ("/keys", "GET", list_keys, DataAction.KEYS_READ, False),
        ("/keys/{name}/create", "POST", create_key, DataAction.KEYS_CREATE, True),
        ("/keys/{name}/versions", "GET", list_key_versions, DataAction.KEYS_READ, True),
        ("/keys/{name}", "GET", get_key, DataAction.KEYS_READ, True),
        (
            "/keys/{name}/{version:optsegment}",
            "GET",
            get_key,
            DataAction.KEYS_READ,
            True,
        ),
        ("/keys/{name}", "DELETE", delete_key, DataAction.KEYS_DELETE, True),
        ("/deletedkeys", "GET", list_deleted_keys, DataAction.DELETED_KEYS_READ, False),
        (
            "/deletedkeys/{name}",
            "GET",
            get_deleted_key,
            DataAction.DELETED_KEYS_READ,
            True,
        ),
        (
            "/deletedkeys/{name}",
            "DELETE",
            purge_deleted_key,
            DataAction.DELETED_KEYS_DELETE,
            True,
        ),
        (
            "/deletedkeys/{name}/recover",
            "POST",
            recover_deleted_key,
            DataAction.DELETED_KEYS_RECOVER,
            True,
        ),
    ]
    return [
        hsm_route(
            state,
            path,
            method,
            handler,
            action=action,
            target=_key_scope if per_key else (lambda _context: "/keys"),
            api_versions=KEYS_API_VERSIONS,
        )
        for path, method, handler, action, per_key in table
    ]
