"""The health endpoint through the real local host: this host's deployment has no PCSYNC_MAIL_SENDER
(the fixture strips every PCSYNC_ setting it does not need), so it answers 503 naming the problem,
anonymously and without touching storage. The e2e stack, which sets a sender, gets 200 (test_stack)."""

from __future__ import annotations

import httpx

from tests.integration.onboarding.conftest import Host


def test_health_names_the_missing_mail_sender(host: Host) -> None:
    resp = httpx.get(f"{host.url}/api/health", timeout=30)
    assert resp.status_code == 503, resp.text
    body = resp.json()
    assert body["status"] == "misconfigured"
    assert len(body["problems"]) == 1 and "PCSYNC_MAIL_SENDER" in body["problems"][0]
