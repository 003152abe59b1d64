"""Tokens: MSAL's confidential client against the emulated authority (secret and certificate), the
token cache, 401 handling, Graph's error shape on the wire, and the ISV User-Agent decoration."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from shared import errors
from shared.graph import sites
from shared.graph.config import CertificateCredential, GraphConfig
from shared.graph.session import GraphSession
from tests.integration.graph.conftest import graph_config


def test_msal_secret_token_reaches_graph(app: GraphSession, desc: dict[str, Any]) -> None:
    site = sites.get_site(app, desc["sites"][0]["id"])
    assert site.web_url == desc["sites"][0]["web_url"]
    assert desc["authority"].startswith("https://") and desc["authority"].endswith(desc["tenant_id"])


def test_token_is_cached_by_the_one_app_object(desc: dict[str, Any]) -> None:
    with GraphSession(graph_config(desc)) as one, GraphSession(graph_config(desc)) as two:
        first, second = one.tokens.token(), two.tokens.token()
    assert first == second          # a second session reuses the process-wide MSAL app and its cache


def test_missing_token_answers_401_in_graph_shape(desc: dict[str, Any]) -> None:
    resp = httpx.get(desc["base_url"] + f"/sites/{desc['sites'][0]['id']}",
                     headers={"client-request-id": "abc-123"})
    assert resp.status_code == 401
    body = resp.json()["error"]
    assert body["code"] == "InvalidAuthenticationToken"
    assert body["innerError"]["request-id"] == resp.headers["request-id"]
    assert resp.headers["client-request-id"] == "abc-123"
    assert 'error="invalid_token"' in resp.headers["WWW-Authenticate"]


def test_revoked_token_is_refreshed_once_transparently(app: GraphSession, desc: dict[str, Any],
                                                       control: httpx.Client) -> None:
    old = app.tokens.token()
    control.post("/tokens/revoke").raise_for_status()
    resp = httpx.get(desc["base_url"] + "/sites/" + desc["sites"][0]["id"],
                     headers={"Authorization": f"Bearer {old}"})
    assert resp.status_code == 401 and "expired" in resp.json()["error"]["message"]
    assert sites.get_site(app, desc["sites"][0]["id"]).id == desc["sites"][0]["id"]
    assert app.tokens.token() != old


def test_short_token_lifetime_expires(desc: dict[str, Any], control: httpx.Client) -> None:
    control.post("/config", json={"token_lifetime_s": 1}).raise_for_status()
    try:
        cfg = graph_config(desc, "user")
        token = GraphSession(cfg).tokens.token()
        time.sleep(2.1)
        resp = httpx.get(desc["base_url"] + "/sites/" + desc["sites"][0]["id"],
                         headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 401
    finally:
        control.post("/config", json={"token_lifetime_s": 3599}).raise_for_status()


def test_wrong_secret_is_bad_credentials(desc: dict[str, Any]) -> None:
    cfg = GraphConfig(tenant_id=desc["tenant_id"], client_id=desc["app"]["client_id"], client_secret="nope",
                      authority=desc["authority"], graph_url=desc["base_url"], ca_file=desc["ca_file"])
    with pytest.raises(errors.BadCredentials):
        GraphSession(cfg).tokens.token()


def test_unknown_tenant_is_config_error(desc: dict[str, Any]) -> None:
    base = desc["authority"].rsplit("/", 1)[0]
    cfg = graph_config(desc).model_copy(update={"authority": base + "/not-a-tenant"})
    with pytest.raises(errors.ConfigError):
        GraphSession(cfg).tokens.token()


def _self_signed() -> tuple[str, str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pcsync test app")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    thumb = hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)).hexdigest()  # noqa: S324
    return key_pem, cert_pem, thumb


def test_certificate_credential(desc: dict[str, Any], control: httpx.Client) -> None:
    key_pem, cert_pem, thumb = _self_signed()
    cfg = GraphConfig(tenant_id=desc["tenant_id"], client_id=desc["user"]["client_id"],
                      certificate=CertificateCredential(private_key_pem=key_pem, thumbprint=thumb),
                      authority=desc["authority"], graph_url=desc["base_url"], ca_file=desc["ca_file"])
    with pytest.raises(errors.BadCredentials):     # not registered on the app yet
        GraphSession(cfg).tokens.token()
    control.post("/credentials", json={"client_id": desc["user"]["client_id"],
                                       "certificate_pem": cert_pem}).raise_for_status()
    with GraphSession(cfg) as session:
        assert sites.get_site(session, desc["sites"][0]["id"]).id == desc["sites"][0]["id"]


def test_user_agent_is_isv_decorated(app: GraphSession, desc: dict[str, Any], control: httpx.Client) -> None:
    sites.get_site(app, desc["sites"][0]["id"])
    agents = control.get("/stats").json()["clients"][desc["app"]["client_id"]]["user_agents"]
    assert "ISV|Pcsync|ProcoreSharePointSync/0.1.0" in agents
