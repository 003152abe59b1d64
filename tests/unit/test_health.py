"""The health check reads only the settings: a missing mail sender or unloadable settings are named,
and no setting's value (a connection string, a key) is ever echoed on the anonymous endpoint."""

from __future__ import annotations

from shared.health import MAIL_SENDER_PROBLEM, check_health

SECRET = "c2VjcmV0LXZhbHVlLW5ldmVyLWVjaG9lZA=="
BASE = {"AzureWebJobsStorage": f"DefaultEndpointsProtocol=http;AccountName=dev;AccountKey={SECRET}",
        "PCSYNC_LOCAL_SECRET_KEY": SECRET}


def test_ok_with_a_sender() -> None:
    health = check_health({**BASE, "PCSYNC_MAIL_SENDER": "procore-sync@contoso.com"})
    assert health.status == "ok" and health.problems == []


def test_a_missing_sender_is_a_configuration_problem() -> None:
    health = check_health(BASE)
    assert health.status == "misconfigured" and health.problems == [MAIL_SENDER_PROBLEM]
    assert "PCSYNC_MAIL_SENDER" in MAIL_SENDER_PROBLEM and "azd env set AZURE_MAIL_SENDER" in MAIL_SENDER_PROBLEM


def test_unloadable_settings_are_named_without_their_values() -> None:
    health = check_health({**BASE, "PCSYNC_SECRET_STORE": "keyvault", "PCSYNC_MAIL_SENDER": "a@b.co"})
    assert health.status == "misconfigured"
    assert any("PCSYNC_KEY_VAULT_URI" in p for p in health.problems), health.problems
    assert SECRET not in health.model_dump_json()
