"""The composition point: one ProcoreClient per (credential, company) built from one httpx.Client.

    client = ProcoreClient.connect(ProcoreConnection(base_url=..., login_url=..., company_id=1,
                                                     credentials=ClientCredentials(...)))
    client.documents.root(Scope.project(101))

Tokens come from a process-wide TokenCache (one refresh in flight per credential); the throttle
state can be seeded from / shared with other workers.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx
from pydantic import BaseModel, ConfigDict

from .auth import ClientCredentials, TokenCache
from .directory import DirectoryApi
from .documents import DocumentsApi
from .downloads import Downloader
from .http import create_http_client
from .photos import PhotosApi
from .records import RecordsApi
from .retry import RetryPolicy
from .session import ProcoreSession
from .throttle import ThrottleGate
from .uploads import DEFAULT_SEGMENT_BYTES, Uploader
from .webhooks import WebhooksApi

DEFAULT_TOKENS = TokenCache()


class ProcoreConnection(BaseModel):
    model_config = ConfigDict(frozen=True)

    base_url: str = "https://api.procore.com"
    login_url: str = "https://login.procore.com"
    company_id: int
    credentials: ClientCredentials


class ProcoreClient:
    def __init__(self, session: ProcoreSession, *, segment_bytes: int = DEFAULT_SEGMENT_BYTES,
                 threshold_bytes: int | None = None) -> None:
        self.session = session
        self.directory = DirectoryApi(session)
        self.documents = DocumentsApi(session)
        self.downloads = Downloader(session)
        self.uploads = Uploader(session, segment_bytes=segment_bytes, threshold_bytes=threshold_bytes)
        self.photos = PhotosApi(session)
        self.records = RecordsApi(session, self.downloads)
        self.webhooks = WebhooksApi(session)

    @property
    def throttle(self) -> ThrottleGate:
        return self.session.throttle

    @classmethod
    def connect(
        cls,
        connection: ProcoreConnection,
        *,
        http: httpx.Client | None = None,
        tokens: TokenCache | None = None,
        throttle: ThrottleGate | None = None,
        policy: RetryPolicy | None = None,
        segment_bytes: int = DEFAULT_SEGMENT_BYTES,
        threshold_bytes: int | None = None,
        dimensions: Mapping[str, str] | None = None,
    ) -> ProcoreClient:
        http = http or create_http_client()
        provider = (tokens or DEFAULT_TOKENS).provider(http, connection.login_url, connection.credentials)
        session = ProcoreSession(http, base_url=connection.base_url, company_id=connection.company_id,
                                 tokens=provider, throttle=throttle, policy=policy, dimensions=dimensions)
        return cls(session, segment_bytes=segment_bytes, threshold_bytes=threshold_bytes)

    def close(self) -> None:
        self.session.http.close()
