"""The activity API filters on the server (issue 16): by tool, kind, time range and text, through the host's
real HTTP API on Azurite. Paging with a filter returns exactly the matching events, newest first, whatever the
page size; a bad filter value is a 400 naming its field; a page that read its whole budget of events is short
(even empty) and still carries the continuation. And where the status API shows an item, its Procore page
(the tool adapter's `web_url`) is there too, on the same link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from azure.data.tables import TableServiceClient
from cryptography.fernet import Fernet

from shared.dashboard.activity import parse_filter
from shared.models.api import ToolKey
from shared.models.rows import ItemKind, ItemRow, ItemState
from shared.onboarding import status
from shared.secrets.local import LocalSecretStore
from shared.secrets.signing import SigningKey
from shared.store.repositories import Repositories
from tests.integration.onboarding.conftest import Host, Tenant

EVENTS = 30
SPREAD = timedelta(hours=2, minutes=7)    # 30 events over about 2.7 days: pages cross day partitions


@dataclass(frozen=True)
class Made:
    n: int
    at: datetime
    tool: ToolKey
    event: str
    change: str | None
    path: str

    @property
    def kind(self) -> str:
        return self.change or {"error": "failed", "deleted": "deleted", "conflict": "conflict"}[self.event]


_SHAPES = (("synced", "created"), ("synced", "updated"), ("deleted", None), ("error", None), ("synced", "renamed"),
           ("conflict", None), ("synced", "moved"))


@pytest.fixture(scope="module")
def history(host: Host, tenant: Tenant, graph_desc: dict[str, Any], repos: Repositories) -> tuple[str, list[Made]]:
    body = {"procore_project_id": 101, "initial_sync": "standard", "tools": {"documents": "two_way"},
            "sharepoint": {"site_id": graph_desc["sites"][0]["id"], "drive_id": graph_desc["sites"][0]["drive_id"],
                           "folder_path": "Filters"}}
    r = host.http.post(tenant.links, json=body, headers=tenant.auth)
    assert r.status_code == 202, r.text
    link_id = str(r.json()["link_id"])
    now = datetime.now(UTC).replace(microsecond=0)
    repos.links.mutate(tenant.tenant_id, link_id, lambda row: row and row.model_copy(
        update={"created_at": now - timedelta(days=4)}))
    made = []
    for n in range(EVENTS):
        event, change = _SHAPES[n % len(_SHAPES)]
        m = Made(n, now - SPREAD * (n + 1), (ToolKey.DOCUMENTS, ToolKey.RFIS, ToolKey.PHOTOS)[n % 3], event, change,
                 f"{'Slab' if n % 4 == 0 else 'Roof'} sheet {n}.pdf")
        repos.record_activity(repos.new_activity(link_id, m.event, at=m.at, tool=m.tool, item=str(n), path=m.path,
                                                 change=m.change))
        made.append(m)
    return link_id, made


def _walk(host: Host, tenant: Tenant, link_id: str, limit: int, **params: str) -> list[dict[str, Any]]:
    url = f"{tenant.links}/{link_id}/activity"
    seen: list[dict[str, Any]] = []
    token: str | None = None
    for _ in range(100):
        r = host.http.get(url, params={"limit": limit, **params, **({"continuation": token} if token else {})},
                          headers=tenant.auth)
        assert r.status_code == 200, r.text
        assert len(r.json()["items"]) <= limit
        seen += r.json()["items"]
        token = r.json()["continuation"]
        if token is None:
            return seen
    raise AssertionError("the pages never ended")


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def test_filtered_pages_hold_exactly_the_matching_events_newest_first(
        host: Host, tenant: Tenant, history: tuple[str, list[Made]]) -> None:
    link_id, made = history
    since, until = made[20].at, made[5].at
    cases: list[tuple[dict[str, str], list[Made]]] = [
        ({"tool": "rfis"}, [m for m in made if m.tool is ToolKey.RFIS]),
        ({"tool": "documents,photos"}, [m for m in made if m.tool is not ToolKey.RFIS]),
        ({"kind": "created"}, [m for m in made if m.kind == "created"]),
        ({"kind": "failed,conflict"}, [m for m in made if m.kind in ("failed", "conflict")]),
        ({"since": _iso(since), "until": _iso(until)}, [m for m in made if since <= m.at <= until]),
        ({"text": "SLAB"}, [m for m in made if m.path.startswith("Slab")]),
        ({"tool": "documents", "kind": "deleted,renamed,updated", "since": _iso(since), "text": "sheet"},
         [m for m in made if m.tool is ToolKey.DOCUMENTS and m.kind in ("deleted", "renamed", "updated")
          and m.at >= since]),
    ]
    for params, expected in cases:
        assert expected, params
        for limit in (1, 4, 50):
            got = _walk(host, tenant, link_id, limit, **params)
            assert [e["item"] for e in got] == [str(m.n) for m in expected], (params, limit)
            assert [e["kind"] for e in got] == [m.kind for m in expected], (params, limit)
    web = host.http.get(f"/api/tenants/{tenant.tenant_id}", headers=tenant.auth).json()["procore"]["base_url"]
    for e in _walk(host, tenant, link_id, 50, tool="rfis,documents"):    # a record's page, from the event alone
        expected = f"{web.rstrip('/')}/101/project/rfi/show/{e['item']}" if e["tool"] == "rfis" else None
        assert e["procore_url"] == expected, e
    everything = _walk(host, tenant, link_id, 7)
    assert [e["item"] for e in everything] == [None, *(str(m.n) for m in made)]   # link_created: the newest
    assert everything[0]["event"] == "link_created" and everything[0]["kind"] == "link"
    assert _walk(host, tenant, link_id, 5, kind="link") == everything[:1]
    assert _walk(host, tenant, link_id, 5, text="no such text anywhere") == []


def test_a_bad_filter_value_is_a_400_naming_its_field(host: Host, tenant: Tenant,
                                                       history: tuple[str, list[Made]]) -> None:
    link_id, _ = history
    url = f"{tenant.links}/{link_id}/activity"
    for params, field in (({"tool": "blueprints"}, "tool"), ({"kind": "synced"}, "kind"),
                          ({"since": "last tuesday"}, "since"), ({"until": "2026-12-05T08:00:00"}, "until"),
                          ({"since": "2026-12-05T09:00:00Z", "until": "2026-12-05T08:00:00Z"}, "since"),
                          ({"text": "x" * 201}, "text")):
        r = host.http.get(url, params=params, headers=tenant.auth)
        assert r.status_code == 400, (params, r.text)
        assert r.json()["error"] == "invalid_request" and r.json()["problems"][0]["field"] == field, r.text
    operator = host.http.get(f"/api/operator{url.removeprefix('/api')}", params={"kind": "nope"},
                             headers=host.operator())
    assert operator.status_code == 400 and operator.json()["problems"][0]["field"] == "kind"


def test_a_page_that_read_its_budget_is_short_and_carries_the_continuation(
        tenant: Tenant, history: tuple[str, list[Made]], repos: Repositories, azurite_conn: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    link_id, made = history
    signing = SigningKey(LocalSecretStore(TableServiceClient.from_connection_string(azurite_conn),
                                          Fernet.generate_key().decode()), f"filters-{link_id[:8]}")
    monkeypatch.setattr(status, "MAX_SCANNED_PER_PAGE", 4)
    stored = repos.links.get(tenant.tenant_id, link_id)
    assert stored is not None
    wanted = parse_filter({"text": made[-1].path})        # only the oldest event matches
    pages: list[list[str | None]] = []
    token: str | None = None
    while True:
        page = status.activity_page(repos, stored.row, datetime.now(UTC).date(), 10, signing, token,
                                    wanted)
        pages.append([e.item for e in page.items])
        token = page.continuation
        if token is None:
            break
    # 31 events (link_created and the 30 made), 4 read per page: 7 empty pages, then the 29th to the 31st
    assert pages == [[]] * 7 + [[str(made[-1].n)]]


def test_an_item_shown_by_the_status_api_links_to_its_procore_page(
        host: Host, tenant: Tenant, history: tuple[str, list[Made]], repos: Repositories) -> None:
    link_id, _ = history
    now = datetime.now(UTC)
    for tool, procore_id, kind in ((ToolKey.RFIS, "12:pdf", ItemKind.FILE), (ToolKey.DOCUMENTS, "77", ItemKind.FILE)):
        repos.items.upsert(ItemRow(link_id=link_id, tool=tool, procore_id=procore_id, kind=kind,
                                   state=ItemState.SKIPPED, reason="too large", procore_name=f"{tool.value}.pdf",
                                   updated_at=now))
    tenant_info = host.http.get(f"/api/tenants/{tenant.tenant_id}", headers=tenant.auth).json()
    web = tenant_info["procore"]["base_url"].rstrip("/")      # the emulator's address: not an `api.` host
    rfi_page = f"{web}/101/project/rfi/show/12"
    link = host.http.get(f"{tenant.links}/{link_id}", headers=tenant.auth).json()
    shown = {i["procore_id"]: i["procore_url"] for i in link["skipped_items"]}
    assert shown["12:pdf"] == rfi_page and shown["77"] is None          # Documents: no address known
    listed = host.http.get(f"{tenant.links}/{link_id}/items", params={"state": "skipped"}, headers=tenant.auth)
    assert {i["procore_id"]: i["procore_url"] for i in listed.json()["items"]} == shown
    where = host.http.get(f"{tenant.links}/{link_id}/items/location", params={"tool": "rfis", "procore_id": "12:pdf"},
                          headers=tenant.auth)
    assert where.status_code == 200, where.text
    assert where.json()["procore_url"] == rfi_page and where.json()["sharepoint_url"] is None
