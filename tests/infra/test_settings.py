"""The app settings the template deploys are exactly the settings shared/config.py reads.

Read by the code but not deployed fails (the app would start without it in Azure); deployed but
unknown to the code fails too, except the platform settings allow-listed below with their reason.
"""

from __future__ import annotations

from typing import Any

from shared import config
from tests.infra import template
from tests.infra.template import Either, Runtime

# Settings the platform or a library reads, not our settings model.
PLATFORM_SETTINGS = {
    "AZURE_CLIENT_ID": "azure-identity picks the user-assigned identity from it (DefaultAzureCredential)",
}
# Settings the Flex Consumption plan rejects or ignores (functionAppConfig replaces them).
FLEX_DEPRECATED = {
    "FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_WORKER_RUNTIME_VERSION", "FUNCTIONS_EXTENSION_VERSION",
    "FUNCTIONS_WORKER_PROCESS_COUNT", "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", "WEBSITE_CONTENTSHARE",
    "WEBSITE_RUN_FROM_PACKAGE", "SCM_DO_BUILD_DURING_DEPLOYMENT", "ENABLE_ORYX_BUILD",
    "WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT", "WEBSITE_TIME_ZONE",
}


def _deployed() -> dict[str, Any]:
    return template.app_settings()


def test_every_setting_the_code_reads_is_deployed() -> None:
    needed = set(config.setting_names()) - set(config.local_only_setting_names())
    missing = needed - set(_deployed())
    assert not missing, f"read by shared/config.py but not deployed by infra/: {sorted(missing)}"


def test_every_deployed_setting_is_known_to_the_code() -> None:
    unknown = set(_deployed()) - set(config.setting_names()) - set(PLATFORM_SETTINGS)
    assert not unknown, f"deployed but not in shared/config.py (or the platform allow-list): {sorted(unknown)}"


def test_local_only_and_flex_deprecated_settings_are_not_deployed() -> None:
    deployed = set(_deployed())
    assert not deployed & set(config.local_only_setting_names()), "a local-only setting (e.g. a connection string)"
    assert not deployed & FLEX_DEPRECATED, f"Flex Consumption settings: {sorted(deployed & FLEX_DEPRECATED)}"


def test_storage_connection_is_identity_based() -> None:
    s = _deployed()
    assert s["AzureWebJobsStorage__credential"] == "managedidentity"
    for name in ("clientId", "blobServiceUri", "queueServiceUri", "tableServiceUri"):
        assert isinstance(s[f"AzureWebJobsStorage__{name}"], Runtime), f"__{name} must come from the deployment"
    assert s["AzureWebJobsStorage__clientId"] == s["AZURE_CLIENT_ID"]  # one identity for everything


def test_no_setting_carries_a_key() -> None:
    for name, value in _deployed().items():
        text = repr(value)
        assert "AccountKey" not in text and "listKeys" not in text and "SharedAccessSignature" not in text, name


def test_queue_schedule_and_container_values_are_the_code_defaults() -> None:
    s = _deployed()
    defaults = config.setting_defaults()
    for name in config.queue_setting_names() + config.schedule_setting_names() + ("PCSYNC_STAGING_CONTAINER",):
        assert s[name] == defaults[name], f"{name}: deployed {s[name]!r}, code default {defaults[name]!r}"


def test_secrets_live_in_key_vault() -> None:
    s = _deployed()
    assert s["PCSYNC_SECRET_STORE"] == config.SecretStoreKind.KEYVAULT.value
    assert s["PCSYNC_KEY_VAULT_URI"] == Runtime("keyVault.outputs.uri")


def test_public_base_url_is_the_app_host_unless_overridden() -> None:
    value = _deployed()["PCSYNC_PUBLIC_BASE_URL"]
    assert isinstance(value, Either)
    assert Runtime("https://${site.properties.defaultHostName}") in value.options


def _as_azure_would_set_them() -> dict[str, str]:
    fake = {
        "AzureWebJobsStorage__blobServiceUri": "https://stexample.blob.core.windows.net/",
        "AzureWebJobsStorage__queueServiceUri": "https://stexample.queue.core.windows.net/",
        "AzureWebJobsStorage__tableServiceUri": "https://stexample.table.core.windows.net/",
        "AzureWebJobsStorage__clientId": "00000000-0000-0000-0000-000000000001",
        "PCSYNC_KEY_VAULT_URI": "https://kv-example.vault.azure.net/",
        "PCSYNC_PUBLIC_BASE_URL": "https://func-example.azurewebsites.net",
    }
    env = {}
    for name, value in _deployed().items():
        if isinstance(value, str):
            env[name] = value
        elif name in fake:
            env[name] = fake[name]
    return env


def test_telemetry_goes_to_application_insights_with_the_app_identity() -> None:
    s = _deployed()
    assert s["APPLICATIONINSIGHTS_CONNECTION_STRING"] == Runtime("appInsights.properties.ConnectionString")
    auth = s["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]
    assert auth == Runtime("ClientId=${identityClientId};Authorization=AAD")
    assert s["AzureWebJobsStorage__clientId"] == s["AZURE_CLIENT_ID"]


def test_the_settings_model_loads_what_azure_would_provide() -> None:
    settings = config.load_settings(_as_azure_would_set_them())
    assert settings.storage.uses_identity
    assert settings.identity_client_id == "00000000-0000-0000-0000-000000000001"
    assert settings.secret_store is config.SecretStoreKind.KEYVAULT
    assert settings.queues == {n: config.setting_defaults()[n] for n in config.queue_setting_names()}
