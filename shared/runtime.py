"""Process-wide services built once from the settings: storage, repositories, queues, secrets,
and per-tenant API clients.

Functions instances are long-lived processes handling many invocations, so clients (connection
pools, MSAL token caches) are built once per process and reused; `services()` is the one accessor
trigger adapters call. Never imports azure.functions.
"""

from __future__ import annotations

import threading
from functools import cached_property

from shared.config import SecretStoreKind, Settings, load_settings
from shared.graph.config import GraphConfig
from shared.graph.session import GraphSession
from shared.logging import quiet_libraries
from shared.models.rows import TenantRow
from shared.procore.auth import ClientCredentials
from shared.procore.client import ProcoreClient, ProcoreConnection
from shared.secrets import SecretStore
from shared.secrets.signing import SigningKey
from shared.store.clients import StorageClients
from shared.store.queues import QueueSender
from shared.store.repositories import Repositories
from shared.store.staging import StagingArea


class Services:
    def __init__(self, settings: Settings) -> None:
        quiet_libraries()
        self.settings = settings
        self.storage = StorageClients(settings.storage, staging_blob_uri=settings.staging_blob_uri)
        self._lock = threading.Lock()
        self._procore: dict[str, ProcoreClient] = {}
        self._graph: dict[str, GraphSession] = {}

    @cached_property
    def repos(self) -> Repositories:
        return Repositories(self.storage.tables)

    @cached_property
    def queues(self) -> QueueSender:
        return QueueSender(self.storage.queues)

    @cached_property
    def staging(self) -> StagingArea:
        return StagingArea(self.storage.staging_blobs, self.settings.staging_container)

    @cached_property
    def secrets(self) -> SecretStore:
        if self.settings.secret_store is SecretStoreKind.KEYVAULT:
            from shared.secrets.keyvault import KeyVaultSecretStore

            assert self.settings.key_vault_uri is not None  # enforced by Settings
            return KeyVaultSecretStore(self.settings.key_vault_uri, self.storage.credential)
        from shared.secrets.local import LocalSecretStore

        assert self.settings.local_secret_key is not None  # enforced by Settings
        return LocalSecretStore(self.storage.tables, self.settings.local_secret_key)

    @cached_property
    def signing_key(self) -> SigningKey:
        """The service's HMAC key (API continuation tokens), kept in the secret store."""
        return SigningKey(self.secrets)

    def procore(self, tenant: TenantRow) -> ProcoreClient:
        """The tenant's Procore client (one per tenant and credential reference, per process)."""
        key = f"{tenant.tenant_id}:{tenant.procore.secret_ref}"
        with self._lock:
            client = self._procore.get(key)
            if client is None:
                creds = ClientCredentials(
                    client_id=tenant.procore.client_id, client_secret=self.secrets.get(tenant.procore.secret_ref)
                )
                client = ProcoreClient.connect(
                    ProcoreConnection(base_url=tenant.procore.base_url, login_url=tenant.procore.login_url,
                                      company_id=tenant.procore.company_id, credentials=creds),
                    dimensions={"tenant_id": tenant.tenant_id},
                )
                self._procore[key] = client
            return client

    def graph(self, tenant: TenantRow) -> GraphSession:
        """The tenant's Graph session (MSAL app + pooled httpx client), one per process."""
        key = f"{tenant.tenant_id}:{tenant.microsoft.secret_ref}"
        with self._lock:
            session = self._graph.get(key)
            if session is None:
                config = GraphConfig(
                    tenant_id=tenant.microsoft.tenant_id, client_id=tenant.microsoft.client_id,
                    client_secret=self.secrets.get(tenant.microsoft.secret_ref),
                    authority=tenant.microsoft.authority, graph_url=tenant.microsoft.graph_url,
                    ca_file=self.settings.extra_ca_file,
                )
                session = GraphSession(config)
                self._graph[key] = session
            return session

    def forget_tenant_clients(self, tenant_id: str) -> None:
        """Drop cached clients after a credential rotation."""
        with self._lock:
            for cache in (self._procore, self._graph):
                for key in [k for k in cache if k.startswith(tenant_id + ":")]:
                    cache.pop(key)


_services: Services | None = None
_services_lock = threading.Lock()


def services() -> Services:
    global _services
    with _services_lock:
        if _services is None:
            _services = Services(load_settings())
        return _services
