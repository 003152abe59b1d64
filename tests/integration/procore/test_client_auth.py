"""Client tokens against the emulator: cache, refresh before expiry, one refresh in flight, 401 mid-run."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from emulators.procore.server import RunningEmulator
from shared import errors
from shared.procore.auth import ClientCredentials, TokenCache
from shared.procore.client import ProcoreClient, ProcoreConnection
from shared.procore.scope import Scope

from .conftest import control_of


def test_token_is_fetched_once_and_reused(app_client: ProcoreClient) -> None:
    for _ in range(5):
        app_client.directory.me()
    assert app_client.session.tokens.fetch_count == 1


def test_company_header_and_identity(app_client: ProcoreClient, user_client: ProcoreClient) -> None:
    assert app_client.directory.me().login == "dmsa+pcsync@example.com"
    assert user_client.directory.me().name == "Pat Manager"
    assert [c.id for c in app_client.directory.companies()] == [1]
    assert [p.id for p in app_client.directory.projects()] == [101, 102]


def test_one_refresh_in_flight_for_concurrent_callers(app_client: ProcoreClient) -> None:
    barrier = threading.Barrier(8)
    seen: list[str] = []

    def worker() -> None:
        barrier.wait()
        seen.append(app_client.session.tokens.token())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(seen)) == 1
    assert app_client.session.tokens.fetch_count == 1


def test_token_is_refreshed_before_it_expires(fresh_emu: RunningEmulator,
                                              client_factory: Callable[..., ProcoreClient]) -> None:
    control = control_of(fresh_emu)
    control.config(token_lifetime_s=3)
    client = client_factory("app", target=fresh_emu)
    client.directory.me()
    time.sleep(2.8)                       # inside the refresh margin (10 % of 3 s), before expiry
    client.directory.me()
    assert client.session.tokens.fetch_count == 2
    assert "401" not in control.statuses("pcsync-app-client")


def test_expired_token_mid_run_is_refreshed_once_and_the_listing_completes(
        fresh_emu: RunningEmulator, client_factory: Callable[..., ProcoreClient]) -> None:
    control = control_of(fresh_emu)
    client = client_factory("app", target=fresh_emu)
    client.documents._pager = client.documents._pager.model_copy(update={"per_page": 5})
    items = client.documents.list_documents(Scope.project(101))
    first = [next(items) for _ in range(5)]
    assert control.post("/tokens/expire", {"client_id": "pcsync-app-client"})["expired"] == 1
    rest = list(items)
    total = len(first) + len(rest)
    assert total == len({i.id for i in first + rest}) > 10
    assert control.statuses("pcsync-app-client").get("401") == 1
    assert client.session.tokens.fetch_count == 2


def test_wrong_secret_raises_bad_credentials(emu: RunningEmulator) -> None:
    d = emu.descriptor
    client = ProcoreClient.connect(ProcoreConnection(
        base_url=d["base_url"], login_url=d["login_url"], company_id=1,
        credentials=ClientCredentials(client_id=d["app"]["client_id"], client_secret="wrong")), tokens=TokenCache())
    with pytest.raises(errors.BadCredentials):
        client.directory.me()
    client.close()


def test_company_not_connected_raises_permission_denied(emu: RunningEmulator) -> None:
    d = emu.descriptor
    client = ProcoreClient.connect(ProcoreConnection(
        base_url=d["base_url"], login_url=d["login_url"], company_id=2,
        credentials=ClientCredentials(client_id=d["app"]["client_id"], client_secret=d["app"]["client_secret"])),
        tokens=TokenCache())
    with pytest.raises(errors.PermissionDenied):
        client.directory.me()
    client.close()


def test_project_the_app_may_not_see_raises_not_found(app_client: ProcoreClient) -> None:
    with pytest.raises(errors.NotFound):
        app_client.documents.root(Scope.project(199))


def test_a_client_connected_after_another_was_closed_still_gets_a_token(emu: RunningEmulator) -> None:
    """The token cache is process-wide by login URL and app: a client connected after another of the same app
    was closed (a test module's teardown, then a new emulator on a reused port) fetches with its own HTTP
    client, not the closed one's (CI: "Cannot send a request, as the client has been closed")."""
    d = emu.descriptor
    tokens = TokenCache()
    connection = ProcoreConnection(
        base_url=d["base_url"], login_url=d["login_url"], company_id=1,
        credentials=ClientCredentials(client_id=d["app"]["client_id"], client_secret=d["app"]["client_secret"]))
    first = ProcoreClient.connect(connection, tokens=tokens)
    first.directory.me()
    first.close()
    second = ProcoreClient.connect(connection, tokens=tokens)
    second.session.tokens.invalidate(second.session.tokens.token())   # a new emulator would refuse the old token
    assert second.directory.me() is not None
    second.close()
