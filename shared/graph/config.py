"""How to reach Graph for one Microsoft tenant: endpoints, credential, trust and traffic decoration.

Production uses the defaults (login.microsoftonline.com, graph.microsoft.com); the local stack points
`authority`, `graph_url` and `ca_file` at the emulator. Never imports azure.functions.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, SecretStr, model_validator

DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
DEFAULT_GRAPH_URL = "https://graph.microsoft.com/v1.0"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
DEFAULT_ISV_COMPANY = "Pcsync"
DEFAULT_APP_NAME = "ProcoreSharePointSync"
DEFAULT_APP_VERSION = "0.1.0"
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_CONNECT_TIMEOUT_S = 10.0


class CertificateCredential(BaseModel):
    """A PEM private key and the SHA-1 thumbprint (hex) of its certificate registered on the app."""

    model_config = ConfigDict(frozen=True)

    private_key_pem: SecretStr
    thumbprint: str
    public_certificate_pem: str | None = None   # sent as x5c for subject-name/issuer auth
    passphrase: SecretStr | None = None


class GraphConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    tenant_id: str
    client_id: str
    client_secret: SecretStr | None = None
    certificate: CertificateCredential | None = None
    authority: str | None = None                 # default: https://login.microsoftonline.com/{tenant}
    graph_url: str = DEFAULT_GRAPH_URL
    ca_file: str | None = None                   # extra CA (the emulator's); system CAs stay trusted
    isv_company: str = DEFAULT_ISV_COMPANY
    app_name: str = DEFAULT_APP_NAME
    app_version: str = DEFAULT_APP_VERSION
    timeout_s: float = DEFAULT_TIMEOUT_S
    connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S

    @model_validator(mode="after")
    def _one_credential(self) -> GraphConfig:
        if (self.client_secret is None) == (self.certificate is None):
            raise ValueError("give exactly one of client_secret or certificate")
        return self

    @property
    def authority_url(self) -> str:
        return (self.authority or f"{DEFAULT_AUTHORITY_HOST}/{self.tenant_id}").rstrip("/")

    @property
    def user_agent(self) -> str:
        """Traffic decoration Microsoft asks ISVs for: ISV|Company|App/Version."""
        return f"ISV|{self.isv_company}|{self.app_name}/{self.app_version}"
