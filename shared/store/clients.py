"""One factory for the Storage service clients: a connection string locally, managed identity in Azure.

Identity-based connections follow the Functions host's own convention (`AzureWebJobsStorage__*`):
with no connection string we use the service URIs and an azure-identity credential (the user-assigned
identity named by `__clientId` when set). Staged file bytes may live in an account of their own
(`staging_blobs`). Never imports azure.functions.
"""

from __future__ import annotations

from functools import cached_property

from azure.core.credentials import TokenCredential
from azure.data.tables import TableServiceClient
from azure.storage.blob import BlobServiceClient
from azure.storage.queue import QueueServiceClient

from shared.config import StorageSettings


class StorageClients:
    """Lazily built, process-wide service clients (they are thread-safe and pool connections)."""

    def __init__(self, settings: StorageSettings, credential: TokenCredential | None = None,
                 staging_blob_uri: str | None = None) -> None:
        self._settings = settings
        self._credential = credential
        self._staging_blob_uri = staging_blob_uri

    @cached_property
    def credential(self) -> TokenCredential:
        if self._credential is None:
            from azure.identity import DefaultAzureCredential, ManagedIdentityCredential

            client_id = self._settings.managed_identity_client_id
            self._credential = (
                ManagedIdentityCredential(client_id=client_id) if client_id else DefaultAzureCredential()
            )
        return self._credential

    @cached_property
    def tables(self) -> TableServiceClient:
        s = self._settings
        if s.connection_string:
            return TableServiceClient.from_connection_string(s.connection_string)
        assert s.table_service_uri is not None  # guaranteed by StorageSettings validation
        return TableServiceClient(endpoint=s.table_service_uri, credential=self.credential)

    @cached_property
    def queues(self) -> QueueServiceClient:
        s = self._settings
        if s.connection_string:
            return QueueServiceClient.from_connection_string(s.connection_string)
        assert s.queue_service_uri is not None
        return QueueServiceClient(account_url=s.queue_service_uri, credential=self.credential)

    @cached_property
    def blobs(self) -> BlobServiceClient:
        s = self._settings
        if s.connection_string:
            return BlobServiceClient.from_connection_string(s.connection_string)
        assert s.blob_service_uri is not None
        return BlobServiceClient(account_url=s.blob_service_uri, credential=self.credential)

    @cached_property
    def staging_blobs(self) -> BlobServiceClient:
        """The account staged file bytes go to: its own endpoint (PCSYNC_STAGING_BLOB_URI, identity only) when
        set, so bytes in flight skip the main account's geo-replication; else the main account's blobs."""
        if self._staging_blob_uri is None:
            return self.blobs
        return BlobServiceClient(account_url=self._staging_blob_uri, credential=self.credential)
