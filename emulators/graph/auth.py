"""The emulated Entra ID authority (OIDC discovery + client-credentials token endpoint) and bearer checks.

Served over TLS because MSAL only accepts https authorities. Accepts a client secret or a certificate
client assertion (RS256/PS256 JWT signed by a certificate registered through /_emulator/credentials).
Access tokens are HS256 JWTs carrying appid/tid/roles/exp; Graph routes accept only live ones.
"""

from __future__ import annotations

import base64
import collections
import hashlib
import secrets
import time
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from starlette.requests import Request
from starlette.responses import JSONResponse

from emulators.graph import errors
from emulators.graph.state import Identity
from emulators.graph.store import Store

GRAPH_RESOURCE = "https://graph.microsoft.com"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
APP_ROLES = ["Sites.ReadWrite.All", "Files.ReadWrite.All", "Mail.Send", "Mail.ReadWrite"]


ISSUED_KEPT = 10_000   # the latest issued tokens a test can list (a log scan looks for them)

class Authority:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.key = secrets.token_bytes(32)
        self.base_url = ""          # https://127.0.0.1:<port>, set once the TLS socket is bound
        self.not_before = 0.0       # tokens issued earlier are rejected (revocation switch)
        self.issued: collections.deque[str] = collections.deque(maxlen=ISSUED_KEPT)  # GET /_emulator/tokens

    # ---- login endpoints -------------------------------------------------------------------
    def _tenant_ok(self, tenant: str) -> bool:
        return tenant.lower() in (self.store.tenant_id, "contoso.onmicrosoft.com")

    def openid_configuration(self, tenant: str) -> JSONResponse:
        if not self._tenant_ok(tenant):
            return _aad_error(400, "invalid_tenant", f"AADSTS90002: Tenant '{tenant}' not found.")
        base = f"{self.base_url}/{self.store.tenant_id}"
        return JSONResponse({
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "issuer": f"{base}/v2.0",
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt",
                                                      "client_secret_basic"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "tenant_region_scope": "NA",
        })

    async def token(self, request: Request, tenant: str) -> JSONResponse:
        if not self._tenant_ok(tenant):
            return _aad_error(400, "invalid_tenant", f"AADSTS90002: Tenant '{tenant}' not found.")
        form = await request.form()
        data = {k: str(v) for k, v in form.items()}
        if data.get("grant_type") != "client_credentials":
            return _aad_error(400, "unsupported_grant_type", "AADSTS70003: The app requested an "
                              "unsupported grant type.")
        ident = self.store.identities.get(data.get("client_id", ""))
        if ident is None:
            return _aad_error(400, "unauthorized_client", f"AADSTS700016: Application with identifier "
                              f"'{data.get('client_id')}' was not found in the directory.")
        scope = data.get("scope", "")
        if scope.split() != [f"{GRAPH_RESOURCE}/.default"]:
            return _aad_error(400, "invalid_scope", f"AADSTS1002012: The provided value for scope "
                              f"{scope} is not valid. Client credential flows must have a scope value "
                              "with /.default suffixed to the resource identifier.")
        if "client_assertion" in data:
            problem = self._check_assertion(ident, data, f"{self.base_url}/{tenant}/oauth2/v2.0/token")
            if problem:
                return _aad_error(401, "invalid_client", problem)
        elif not secrets.compare_digest(data.get("client_secret", ""), ident.client_secret):
            return _aad_error(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
        lifetime = self.store.config.token_lifetime_s
        return JSONResponse({"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime,
                             "access_token": self.issue(ident, lifetime)})

    def _check_assertion(self, ident: Identity, data: dict[str, str], audience: str) -> str | None:
        if data.get("client_assertion_type") != ASSERTION_TYPE:
            return "AADSTS700023: Invalid client_assertion_type."
        assertion = data["client_assertion"]
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError:
            return "AADSTS50027: JWT token is invalid or malformed."
        for pem in ident.certificates:
            cert = x509.load_pem_x509_certificate(pem.encode())
            der = cert.public_bytes(serialization.Encoding.DER)
            x5t = _b64url(hashlib.sha1(der).digest())  # noqa: S324 - thumbprint, not security
            x5t256 = _b64url(hashlib.sha256(der).digest())
            if header.get("x5t") not in (x5t, None) and header.get("x5t#S256") not in (x5t256, None):
                continue
            try:
                claims = jwt.decode(assertion, cert.public_key(), algorithms=["RS256", "PS256"],  # type: ignore[arg-type]
                                    audience=audience, options={"require": ["exp", "aud", "iss", "sub"]})
            except jwt.PyJWTError as exc:
                return f"AADSTS700027: Client assertion failed signature validation. ({exc})"
            if claims["iss"] != ident.client_id or claims["sub"] != ident.client_id:
                return "AADSTS700021: Client assertion application identifier doesn't match."
            return None
        return "AADSTS700027: The certificate with identifier used to sign the client assertion is " \
               "not registered on application."

    # ---- tokens ----------------------------------------------------------------------------
    def issue(self, ident: Identity, lifetime: int) -> str:
        now = time.time()
        claims: dict[str, Any] = {
            "aud": GRAPH_RESOURCE, "iss": f"https://sts.windows.net/{self.store.tenant_id}/",
            "iat": int(now), "nbf": int(now), "exp": int(now + lifetime), "appid": ident.client_id,
            "tid": self.store.tenant_id, "oid": ident.object_id, "roles": APP_ROLES,
            "idtyp": "user" if ident.kind == "user" else "app", "jti": secrets.token_hex(8),
            "emu_issued": now,
        }
        token = jwt.encode(claims, self.key, algorithm="HS256")
        self.issued.append(token)
        return token

    def authenticate(self, authorization: str | None) -> Identity:
        if not authorization or not authorization.lower().startswith("bearer "):
            raise _unauthorized("Access token is empty.")
        token = authorization[7:].strip()
        try:
            claims = jwt.decode(token, self.key, algorithms=["HS256"], audience=GRAPH_RESOURCE)
        except jwt.ExpiredSignatureError:
            raise _unauthorized("Lifetime validation failed, the token is expired.") from None
        except jwt.PyJWTError:
            raise _unauthorized("Invalid JWT token. Token format not valid.") from None
        if claims.get("emu_issued", 0) < self.not_before:
            raise _unauthorized("Lifetime validation failed, the token is expired.")
        ident = self.store.identities.get(claims.get("appid", ""))
        if ident is None:
            raise _unauthorized("Invalid JWT token. Unknown application.")
        return ident


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unauthorized(message: str) -> errors.GraphError:
    challenge = ('Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/'
                 'authorize", client_id="00000003-0000-0000-c000-000000000000", error="invalid_token"')
    return errors.GraphError(401, "InvalidAuthenticationToken", message,
                             headers={"WWW-Authenticate": challenge})


def _aad_error(status: int, code: str, description: str) -> JSONResponse:
    return JSONResponse({"error": code, "error_description": description,
                         "error_codes": [int(description[6:].split(":")[0])] if description.startswith(
                             "AADSTS") else [],
                         "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()),
                         "trace_id": secrets.token_hex(16), "correlation_id": secrets.token_hex(16)},
                        status_code=status)
