"""The one settings model: every app setting the code reads is a field here.

Locally the values come from local.settings.json (the host copies Values into the environment); in
Azure they are app settings set by infra/. tests/infra checks the two lists agree, so a setting read
here but never deployed fails the build. Never imports azure.functions.

Queue names are settings too (bindings say `queue_name="%PCSYNC_QUEUE_LIVE%"`), defined once below
with their defaults; infra/ creates exactly those queues and their `-poison` twins.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.fields import FieldInfo

STORAGE_SETTING = "AzureWebJobsStorage"
DEFAULT_STAGING_CONTAINER = "staging"
POISON_SUFFIX = "-poison"  # the Functions host moves a message to `<queue>-poison` after maxDequeueCount

# State tables (architecture §4). shared/store repositories take their names from here; infra/ creates them.
TABLE_NAMES: tuple[str, ...] = (
    "tenants", "links", "items", "itemsBySp", "cursors", "subscriptions", "activity", "notifications", "deletes",
    "leases", "transfers", "deferrals",
)

# Timer schedules (NCRONTAB, six fields, seconds first, UTC).
DEFAULT_RECONCILE_SCHEDULE = "0 */15 * * * *"  # safety-net delta / Procore watermark pass
DEFAULT_RENEW_SCHEDULE = "0 30 */6 * * *"  # renew Graph subscriptions, check Procore hooks
DEFAULT_CHECK_SCHEDULE = "30 */2 * * * *"  # cheap checks: a delta run per drive, a Procore watermark pass per link
DEFAULT_METRICS_SCHEDULE = "45 * * * * *"  # queue depth, age and poison counts as metrics (shared/telemetry)
DEFAULT_DIGEST_SCHEDULE = "0 0 7 * * 1"  # the weekly digest email per tenant (Mondays 07:00 UTC)

_KIND = "pcsync_kind"
_QUEUE = "queue"
_SCHEDULE = "schedule"
_LOCAL_ONLY = "local_only"
# Queue names: 3-63 chars, lower-case letters, digits and single dashes; 56 leaves room for "-poison".
_QUEUE_NAME = re.compile(r"^[a-z0-9](?!.*--)[a-z0-9-]{1,54}[a-z0-9]$")


def _queue(default: str, alias: str, description: str) -> Any:
    return Field(default, alias=alias, description=description, json_schema_extra={_KIND: _QUEUE})


def _schedule(default: str, alias: str, description: str) -> Any:
    return Field(default, alias=alias, description=description, json_schema_extra={_KIND: _SCHEDULE})


class SecretStoreKind(StrEnum):
    KEYVAULT = "keyvault"  # Azure: Key Vault, reached with the app's managed identity
    LOCAL = "local"  # local stack and tests: encrypted rows in Table Storage


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
    """Every app setting the product reads, by its app-setting name (alias).

    Queue lanes: `*_INITIAL` queues carry initial-sync work and the others live changes, so a long
    initial sync never delays a live edit in another project (architecture §3).
    """

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    storage: StorageSettings
    staging_container: str = Field(DEFAULT_STAGING_CONTAINER, alias="PCSYNC_STAGING_CONTAINER")
    # Blob endpoint of the staging account (Azure: a locally-redundant account of its own, so bytes in flight
    # are not geo-replicated with the state tables), reached with the same identity; unset: the main account.
    staging_blob_uri: str | None = Field(None, alias="PCSYNC_STAGING_BLOB_URI",
                                         description="https://<staging account>.blob.core.windows.net/")

    # Secrets: Key Vault in Azure, the encrypted local store otherwise.
    secret_store: SecretStoreKind = Field(SecretStoreKind.LOCAL, alias="PCSYNC_SECRET_STORE")
    key_vault_uri: str | None = Field(None, alias="PCSYNC_KEY_VAULT_URI", description="https://<vault>.vault.azure.net/")

    # Public origin of this app (no path, no trailing slash): Procore hooks and Graph subscriptions
    # point at `<public_base_url>/api/<route>`.
    public_base_url: str | None = Field(None, alias="PCSYNC_PUBLIC_BASE_URL")

    # The pipeline (architecture §3): detect -> transfer | metadata, plus notification mail. Recording is
    # no queue of its own: the step that wrote records inline (shared/sync/runners/record.py says why).
    queue_live: str = _queue("live-changes", "PCSYNC_QUEUE_LIVE",
                             "detect (live): webhook / change-notification / reconcile hints to decide on")
    queue_initial_sync: str = _queue("initial-sync", "PCSYNC_QUEUE_INITIAL_SYNC",
                                     "detect (initial): enumerate and plan a link's initial sync, page by page")
    queue_transfer: str = _queue("transfer", "PCSYNC_QUEUE_TRANSFER",
                                 "transfer (live): fetch to staging, upload in resumable chunks")
    queue_transfer_initial: str = _queue("transfer-initial", "PCSYNC_QUEUE_TRANSFER_INITIAL",
                                         "transfer (initial sync)")
    queue_metadata: str = _queue("metadata", "PCSYNC_QUEUE_METADATA",
                                 "metadata actions (live): create folder, rename, move, recycle")
    queue_metadata_initial: str = _queue("metadata-initial", "PCSYNC_QUEUE_METADATA_INITIAL",
                                         "metadata actions (initial sync): mirror the folder tree")
    queue_notify: str = _queue("notify", "PCSYNC_QUEUE_NOTIFY",
                               "notification mail (initial sync done, deletes paused, tenant must act)")

    # Default mailbox notifications are sent from when a tenant's settings name none (mail_from).
    mail_sender: str | None = Field(None, alias="PCSYNC_MAIL_SENDER")

    # Local stack only (never deployed): the Fernet key of the local secret store, and an extra CA
    # bundle to trust (the emulators' TLS certificates).
    local_secret_key: str | None = Field(None, alias="PCSYNC_LOCAL_SECRET_KEY",
                                         json_schema_extra={_KIND: _LOCAL_ONLY})
    extra_ca_file: str | None = Field(None, alias="PCSYNC_CA_FILE", json_schema_extra={_KIND: _LOCAL_ONLY})
    # After how long a lease left by a worker that died (an item's upload, a drive's delta run) is taken
    # over; unset: each lease's own default, matched to Azure's 10-minute queue visibility. The local
    # stack sets it with its host's shorter visibility (`./dev stack --fetch-visibility`).
    lease_seconds: float | None = Field(None, alias="PCSYNC_LEASE_SECONDS", gt=0,
                                        json_schema_extra={_KIND: _LOCAL_ONLY})

    reconcile_schedule: str = _schedule(DEFAULT_RECONCILE_SCHEDULE, "PCSYNC_RECONCILE_SCHEDULE",
                                        "timer: reconcile pass (missed webhooks / notifications)")
    check_schedule: str = _schedule(DEFAULT_CHECK_SCHEDULE, "PCSYNC_CHECK_SCHEDULE",
                                    "timer: cheap checks (Graph delta per drive, Procore updated_at per link)")
    renew_schedule: str = _schedule(DEFAULT_RENEW_SCHEDULE, "PCSYNC_RENEW_SCHEDULE",
                                    "timer: renew Graph subscriptions and check Procore hooks")
    metrics_schedule: str = _schedule(DEFAULT_METRICS_SCHEDULE, "PCSYNC_METRICS_SCHEDULE",
                                      "timer: queue depth, age and poison counts as metrics")
    digest_schedule: str = _schedule(DEFAULT_DIGEST_SCHEDULE, "PCSYNC_DIGEST_SCHEDULE",
                                     "timer: the weekly digest email per tenant")
    # Telemetry (shared/telemetry/setup.py reads them from the environment before anything else runs):
    # Application Insights with the app's identity in Azure; locally a JSON-lines file.
    appinsights_connection_string: str | None = Field(None, alias="APPLICATIONINSIGHTS_CONNECTION_STRING")
    appinsights_authentication: str | None = Field(None, alias="APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
                                                   description="ClientId=<identity>;Authorization=AAD")
    telemetry_file: str | None = Field(None, alias="PCSYNC_TELEMETRY_FILE", json_schema_extra={_KIND: _LOCAL_ONLY})
    metric_interval_ms: int | None = Field(None, alias="PCSYNC_METRIC_INTERVAL_MS", gt=0,
                                           json_schema_extra={_KIND: _LOCAL_ONLY})

    @field_validator("queue_live", "queue_initial_sync", "queue_transfer", "queue_transfer_initial", "queue_metadata",
                     "queue_metadata_initial", "queue_notify")
    @classmethod
    def _legal_queue_name(cls, value: str) -> str:
        if not _QUEUE_NAME.fullmatch(value):
            raise ValueError(f"queue name {value!r} must be 3-56 lower-case letters, digits or single dashes "
                             f"(room is left for {POISON_SUFFIX!r})")
        return value

    @field_validator("public_base_url", "key_vault_uri", "staging_blob_uri")
    @classmethod
    def _absolute_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"{value!r} must be an absolute http(s) URL")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.secret_store is SecretStoreKind.KEYVAULT and not self.key_vault_uri:
            raise ValueError("PCSYNC_SECRET_STORE=keyvault needs PCSYNC_KEY_VAULT_URI")
        if self.secret_store is SecretStoreKind.LOCAL and not self.local_secret_key:
            raise ValueError("PCSYNC_SECRET_STORE=local needs PCSYNC_LOCAL_SECRET_KEY (a Fernet key)")
        if self.staging_blob_uri and not self.storage.uses_identity:
            raise ValueError(f"PCSYNC_STAGING_BLOB_URI is reached with the managed identity: it needs the "
                             f"identity-based {STORAGE_SETTING}__* settings, not a connection string (unset it to "
                             "stage in the connection string's account)")
        names = list(self.queues.values())
        if len(set(names)) != len(names):
            raise ValueError(f"queue names must be distinct: {sorted(names)}")
        return self

    @property
    def queues(self) -> dict[str, str]:
        """Queue setting name -> configured queue name."""
        return {_alias(name, f): getattr(self, name) for name, f in _fields_of_kind(_QUEUE)}

    @property
    def identity_client_id(self) -> str | None:
        """Client id of the user-assigned managed identity (Azure), for every azure-identity credential."""
        return self.storage.managed_identity_client_id


# App-setting names the code reads (the storage ones included); tests/infra compares them with Bicep.
STORAGE_SETTING_NAMES: tuple[str, ...] = (
    STORAGE_SETTING,
    f"{STORAGE_SETTING}__queueServiceUri",
    f"{STORAGE_SETTING}__tableServiceUri",
    f"{STORAGE_SETTING}__blobServiceUri",
    f"{STORAGE_SETTING}__credential",
    f"{STORAGE_SETTING}__clientId",
)


def _alias(name: str, field: FieldInfo) -> str:
    return field.alias or name


def _kind(field: FieldInfo) -> str | None:
    extra = field.json_schema_extra
    value = extra.get(_KIND) if isinstance(extra, dict) else None
    return value if isinstance(value, str) else None


def _fields_of_kind(kind: str) -> list[tuple[str, FieldInfo]]:
    return [(name, f) for name, f in Settings.model_fields.items() if _kind(f) == kind]


def setting_names() -> tuple[str, ...]:
    """All app-setting names the settings model reads."""
    own = tuple(_alias(name, f) for name, f in Settings.model_fields.items() if name != "storage")
    return STORAGE_SETTING_NAMES + own


def local_only_setting_names() -> tuple[str, ...]:
    """Settings read only off Azure, so never deployed: the storage connection string (Azure uses the
    identity-based `__*` settings) and fields marked `json_schema_extra={"pcsync_kind": "local_only"}`."""
    return (STORAGE_SETTING,) + tuple(_alias(name, f) for name, f in _fields_of_kind(_LOCAL_ONLY))


def queue_setting_names() -> tuple[str, ...]:
    """The app settings that hold queue names (for `%NAME%` in queue triggers)."""
    return tuple(_alias(name, f) for name, f in _fields_of_kind(_QUEUE))


def schedule_setting_names() -> tuple[str, ...]:
    """The app settings that hold timer schedules (for `%NAME%` in timer triggers)."""
    return tuple(_alias(name, f) for name, f in _fields_of_kind(_SCHEDULE))


def setting_defaults() -> dict[str, str]:
    """Setting name -> default for every field with a default (the values infra deploys for queues
    and schedules; the local host can seed its environment from these)."""
    out: dict[str, str] = {}
    for name, f in Settings.model_fields.items():
        if name != "storage" and f.default is not None and not f.is_required():
            out[_alias(name, f)] = str(f.default)
    return out


def queue_names(settings: Settings | None = None) -> tuple[str, ...]:
    """Every queue the product uses: the configured (else default) names, then their poison twins."""
    if settings is not None:
        names = tuple(settings.queues.values())
    else:
        names = tuple(str(f.default) for _, f in _fields_of_kind(_QUEUE))
    return names + tuple(n + POISON_SUFFIX for n in names)


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
    own = {f.alias: env[f.alias] for f in Settings.model_fields.values() if f.alias and env.get(f.alias)}
    return Settings.model_validate({"storage": storage, **own})
