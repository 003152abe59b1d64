"""PCSYNC_STAGING_BLOB_URI (issue 17, point 7): staged bytes go to their own account in Azure, reached with the
app's identity; unset, they stay in the main account, as on the local stack and Azurite. Builds clients only
(no request is sent), so it runs offline."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.credentials import AccessToken
from pydantic import ValidationError

from shared.config import STORAGE_SETTING, load_settings
from shared.runtime import Services
from shared.store.clients import StorageClients

MAIN_BLOB = "https://stmain.blob.core.windows.net/"
STAGING_BLOB = "https://stgstaging.blob.core.windows.net/"
IDENTITY = {
    f"{STORAGE_SETTING}__blobServiceUri": MAIN_BLOB,
    f"{STORAGE_SETTING}__queueServiceUri": "https://stmain.queue.core.windows.net/",
    f"{STORAGE_SETTING}__tableServiceUri": "https://stmain.table.core.windows.net/",
    f"{STORAGE_SETTING}__clientId": "00000000-0000-0000-0000-000000000001",
    "PCSYNC_LOCAL_SECRET_KEY": "not-read-by-these-tests",
}
AZURITE = {STORAGE_SETTING: "UseDevelopmentStorage=true", "PCSYNC_LOCAL_SECRET_KEY": "not-read-by-these-tests"}


class _NeverAsked:
    """A TokenCredential that fails the test if a client asks it for a token (none is sent here)."""

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        raise AssertionError("no request should be made")


def test_the_staging_endpoint_is_read_and_normalised() -> None:
    settings = load_settings({**IDENTITY, "PCSYNC_STAGING_BLOB_URI": STAGING_BLOB})
    assert settings.staging_blob_uri == STAGING_BLOB.rstrip("/")


@pytest.mark.parametrize("env", [IDENTITY, AZURITE], ids=["identity", "connection-string"])
def test_unset_or_empty_means_the_main_account(env: dict[str, str]) -> None:
    assert load_settings(env).staging_blob_uri is None
    assert load_settings({**env, "PCSYNC_STAGING_BLOB_URI": ""}).staging_blob_uri is None


@pytest.mark.parametrize("bad", ["stgstaging.blob.core.windows.net", "/staging", "ftp://stgstaging/"])
def test_a_staging_endpoint_that_is_not_an_absolute_url_is_refused(bad: str) -> None:
    with pytest.raises(ValidationError, match="absolute http"):
        load_settings({**IDENTITY, "PCSYNC_STAGING_BLOB_URI": bad})


def test_a_staging_endpoint_next_to_a_connection_string_is_refused() -> None:
    with pytest.raises(ValidationError, match="PCSYNC_STAGING_BLOB_URI"):
        load_settings({**AZURITE, "PCSYNC_STAGING_BLOB_URI": STAGING_BLOB})


def test_staged_bytes_go_to_the_staging_account_when_it_is_set() -> None:
    settings = load_settings({**IDENTITY, "PCSYNC_STAGING_BLOB_URI": STAGING_BLOB})
    clients = StorageClients(settings.storage, _NeverAsked(), staging_blob_uri=settings.staging_blob_uri)
    assert clients.staging_blobs.account_name == "stgstaging"
    assert clients.blobs.account_name == "stmain", "the host's blobs stay in the main account"


def test_staged_bytes_stay_in_the_main_account_when_it_is_unset() -> None:
    settings = load_settings(IDENTITY)
    clients = StorageClients(settings.storage, _NeverAsked(), staging_blob_uri=settings.staging_blob_uri)
    assert clients.staging_blobs is clients.blobs


def test_the_runtime_stages_through_the_staging_client() -> None:
    services = Services(load_settings({**IDENTITY, "PCSYNC_STAGING_BLOB_URI": STAGING_BLOB}))
    assert services.storage.staging_blobs.account_name == "stgstaging"
    # StagingArea keeps its service private and creates its container on first use (a request), so the
    # wiring is read from the attribute rather than by staging a blob.
    assert services.staging._service is services.storage.staging_blobs
