"""The one settings model: every app setting the code reads is a field here.

Locally the values come from local.settings.json (the host copies Values into the environment); in
Azure they are app settings set by infra/. tests/infra checks the two lists agree, so a setting read
here but never deployed fails the build. Never imports azure.functions.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, model_validator

STORAGE_SETTING = "AzureWebJobsStorage"
DEFAULT_STAGING_CONTAINER = "staging"


class StorageSettings(BaseModel):
    """Where Table/Queue/Blob storage lives: a connection string locally, identity URIs in Azure."""

    model_config = ConfigDict(frozen=True)

    connection_string: str | None = None
    queue_service_uri: str | None = None
    table_service_uri: str | None = None
    blob_service_uri: str | None = None
    managed_identity_client_id: str | None = None

    @model_validator(mode="after")
    def _one_way_to_connect(self) -> StorageSettings:
        uris = (self.queue_service_uri, self.table_service_uri, self.blob_service_uri)
        if not self.connection_string and not all(uris):
            raise ValueError(
                f"{STORAGE_SETTING} must be a connection string, or {STORAGE_SETTING}__queueServiceUri, "
                "__tableServiceUri and __blobServiceUri must all be set (identity-based connection)"
            )
        return self

    @property
    def uses_identity(self) -> bool:
        return not self.connection_string


class Settings(BaseModel):
    """Every app setting the product reads, by its app-setting name (alias)."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    storage: StorageSettings
    staging_container: str = Field(DEFAULT_STAGING_CONTAINER, alias="PCSYNC_STAGING_CONTAINER")


# App-setting names the code reads (the storage ones included); tests/infra compares them with Bicep.
STORAGE_SETTING_NAMES: tuple[str, ...] = (
    STORAGE_SETTING,
    f"{STORAGE_SETTING}__queueServiceUri",
    f"{STORAGE_SETTING}__tableServiceUri",
    f"{STORAGE_SETTING}__blobServiceUri",
    f"{STORAGE_SETTING}__credential",
    f"{STORAGE_SETTING}__clientId",
)


def setting_names() -> tuple[str, ...]:
    """All app-setting names the settings model reads."""
    own = tuple(f.alias or name for name, f in Settings.model_fields.items() if name != "storage")
    return STORAGE_SETTING_NAMES + own


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from the environment (app settings), failing with the name of what is missing."""
    env = os.environ if env is None else env
    storage = StorageSettings(
        connection_string=env.get(STORAGE_SETTING) or None,
        queue_service_uri=env.get(f"{STORAGE_SETTING}__queueServiceUri") or None,
        table_service_uri=env.get(f"{STORAGE_SETTING}__tableServiceUri") or None,
        blob_service_uri=env.get(f"{STORAGE_SETTING}__blobServiceUri") or None,
        managed_identity_client_id=env.get(f"{STORAGE_SETTING}__clientId") or None,
    )
    own = {f.alias: env[f.alias] for f in Settings.model_fields.values() if f.alias and f.alias in env}
    return Settings.model_validate({"storage": storage, **own})
