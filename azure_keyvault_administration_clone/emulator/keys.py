"""Key material for the emulator's keys data plane.

Every Managed HSM key is HSM-backed, so a request for ``RSA``, ``EC`` or ``oct``
creates an ``RSA-HSM``, ``EC-HSM`` or ``oct-HSM`` key, as the live service
reports. Private material is stored in the database and in backups as plain
PEM or base64; the emulator is for tests, not for protecting secrets.
"""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any, Dict, List, Mapping, Optional, Tuple

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from .errors import bad_parameter
from .store import KeyVersion

KEY_TYPES: Mapping[str, str] = {
    "RSA": "RSA-HSM",
    "RSA-HSM": "RSA-HSM",
    "EC": "EC-HSM",
    "EC-HSM": "EC-HSM",
    "oct": "oct-HSM",
    "oct-HSM": "oct-HSM",
}
RSA_SIZES = (2048, 3072, 4096)
AES_SIZES = (128, 192, 256)
CURVES: Mapping[str, ec.EllipticCurve] = {
    "P-256": ec.SECP256R1(),
    "P-384": ec.SECP384R1(),
    "P-521": ec.SECP521R1(),
    "P-256K": ec.SECP256K1(),
}
DEFAULT_KEY_OPS: Mapping[str, List[str]] = {
    "RSA-HSM": ["wrapKey", "decrypt", "encrypt", "unwrapKey", "sign", "verify"],
    "EC-HSM": ["sign", "verify"],
    "oct-HSM": ["encrypt", "decrypt", "wrapKey", "unwrapKey"],
}


def generate_material(
    kty: str,
    *,
    key_size: Optional[int],
    curve: Optional[str],
    public_exponent: Optional[int],
) -> Tuple[str, str]:
    """Generate key material and return ``(stored kty, material JSON)``.

    :raises ServiceError: 400 ``BadParameter`` for an unsupported type, size,
        curve or exponent.
    """
    stored_kty = KEY_TYPES.get(kty)
    if stored_kty is None:
        raise bad_parameter(
            f"Key type {kty!r} is not supported. Use one of: {', '.join(KEY_TYPES)}."
        )
    if stored_kty == "RSA-HSM":
        size = key_size if key_size is not None else 2048
        if size not in RSA_SIZES:
            raise bad_parameter(
                f"RSA key size {size} is not supported. Use 2048, 3072 or 4096."
            )
        exponent = public_exponent if public_exponent is not None else 65537
        if exponent not in (3, 65537):
            raise bad_parameter(
                f"RSA public exponent {exponent} is not supported. Use 65537."
            )
        rsa_key = rsa.generate_private_key(public_exponent=exponent, key_size=size)
        return stored_kty, json.dumps({"pem": _pem(rsa_key)})
    if stored_kty == "EC-HSM":
        curve_name = curve if curve is not None else "P-256"
        if curve_name not in CURVES:
            raise bad_parameter(
                f"Curve {curve_name!r} is not supported. "
                f"Use one of: {', '.join(CURVES)}."
            )
        ec_key = ec.generate_private_key(CURVES[curve_name])
        return stored_kty, json.dumps({"crv": curve_name, "pem": _pem(ec_key)})
    size = key_size if key_size is not None else 256
    if size not in AES_SIZES:
        raise bad_parameter(
            f"oct-HSM key size {size} is not supported. Use 128, 192 or 256."
        )
    return stored_kty, json.dumps({"k": _b64url(secrets.token_bytes(size // 8))})


def public_jwk(key: KeyVersion, kid: str) -> Dict[str, Any]:
    """Return the JSON Web Key of ``key`` with public parts only."""
    material = json.loads(key.material)
    jwk: Dict[str, Any] = {"key_ops": list(key.key_ops), "kid": kid, "kty": key.kty}
    if key.kty == "RSA-HSM":
        private = serialization.load_pem_private_key(
            material["pem"].encode(), password=None
        )
        assert isinstance(private, rsa.RSAPrivateKey)
        numbers = private.public_key().public_numbers()
        jwk["n"] = _b64url(_int_bytes(numbers.n))
        jwk["e"] = _b64url(_int_bytes(numbers.e))
    elif key.kty == "EC-HSM":
        private = serialization.load_pem_private_key(
            material["pem"].encode(), password=None
        )
        assert isinstance(private, ec.EllipticCurvePrivateKey)
        point = private.public_key().public_numbers()
        length = (private.curve.key_size + 7) // 8
        jwk["crv"] = material["crv"]
        jwk["x"] = _b64url(point.x.to_bytes(length, "big"))
        jwk["y"] = _b64url(point.y.to_bytes(length, "big"))
    return jwk


def _pem(key: Any) -> str:
    data: bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return data.decode()


def _int_bytes(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
