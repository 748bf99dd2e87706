"""Redaction of secrets in the network trace written with logging_enable=True."""

import json

from azure_keyvault_administration_clone._internal.logging_policy import (
    REDACTED,
    redact_body,
    redact_text,
)


def test_bearer_token_redacted() -> None:
    text = redact_text("Bearer eyJ0eXAiOiJKV1Qi.payload.sig-nature_==")

    assert text == f"Bearer {REDACTED}"


def test_challenge_parameters_kept() -> None:
    challenge = (
        'Bearer authorization="https://login.microsoftonline.com/tenant", '
        'resource="https://managedhsm.azure.net"'
    )

    assert redact_text(challenge) == challenge


def test_sas_signature_redacted_in_url() -> None:
    url = "https://account.blob.core.windows.net/backup?sv=2024&sig=abc%2Fdef&se=2030"

    text = redact_text(url)

    assert "abc%2Fdef" not in text
    assert f"sig={REDACTED}" in text
    assert "sv=2024" in text


def test_body_token_field_redacted() -> None:
    body = json.dumps(
        {
            "sasTokenParameters": {
                "storageResourceUri": "https://account.blob.core.windows.net/backup",
                "token": "sv=2024&sig=secret",
                "useManagedIdentity": False,
            },
            "folderToRestore": "mhsm-emulator-2026120415000000",
        }
    )

    redacted = json.loads(redact_body(body))

    assert redacted["sasTokenParameters"]["token"] == REDACTED
    assert redacted["folderToRestore"] == "mhsm-emulator-2026120415000000"


def test_non_json_body_signature_redacted() -> None:
    assert "secret" not in redact_body(b"token=sv%3D1&sig=secret")
