"""Issue 16, items 1-2: the dashboard in a real browser (Debian's chromium, headless, driven by Playwright)
against the shared local stack: sign in with a one-time link, watch an initial sync reach 100%, see a live
change arrive in the activity list, release held deletes, change settings and a tool's mode, pause, resume
and re-sync the link, and a tenant key that cannot see another tenant's links (an operator sees both). One
screenshot per step, written to the module's output folder (`dashboard-screens*` under pytest's basetemp;
its path is printed).
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from shared.procore.scope import Scope
from shared.procore.uploads import FileSource
from tests.support.e2e import Running, wait_for
from tests.support.live import module_stack

PROJECT = 123          # its own project on the shared stack (tests/support/live.py)
OTHER_PROJECT = 124    # the other tenant's
UI_TIMEOUT_MS = 120_000    # a whole initial sync of the small seed on a loaded machine
LIVE_TIMEOUT_MS = 90_000
SIGN_IN_TIMEOUT_MS = 30_000  # a code's exchange and the first reads (an operator's: every tenant) on a loaded machine
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.parametrize("shared_stack", ["once"], indirect=True)


class Tenant:
    def __init__(self, run: Running, name: str) -> None:
        p, g = run.doc["procore"], run.doc["graph"]
        resp = run.api.post("/api/tenants", headers={"x-functions-key": run.doc["admin_key"]}, json={
            "name": name, "notify": ["ops@example.com"],
            "procore": {"company_id": p["company_id"], "client_id": p["app"]["client_id"],
                        "client_secret": p["app"]["client_secret"], "base_url": p["base_url"],
                        "login_url": p["login_url"]},
            "microsoft": {"tenant_id": g["tenant_id"], "client_id": g["app"]["client_id"],
                          "client_secret": g["app"]["client_secret"], "graph_url": g["base_url"],
                          "authority": g["authority"]}})
        assert resp.status_code == 201, resp.text
        self.run, self.name = run, name
        self.tenant_id, self.api_key = resp.json()["tenant_id"], resp.json()["api_key"]
        self.link_id = ""

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def link(self, project_id: int) -> str:
        resp = self.run.api.post(f"/api/tenants/{self.tenant_id}/links", headers=self.auth, json={
            "procore_project_id": project_id, "initial_sync": "standard", "tools": {"documents": "two_way"},
            "sharepoint": {"site_id": self.run.site["id"], "drive_id": self.run.site["drive_id"],
                           "folder_path": f"Dashboard/{self.name} {uuid.uuid4().hex[:6]}"}})
        assert resp.status_code == 202, resp.text
        self.link_id = resp.json()["link_id"]
        return self.link_id

    def status(self) -> dict[str, Any]:
        resp = self.run.api.get(f"/api/tenants/{self.tenant_id}/links/{self.link_id}", headers=self.auth)
        assert resp.status_code == 200, resp.text
        return dict(resp.json())

    def sign_in_url(self) -> str:
        resp = self.run.api.post(f"/api/tenants/{self.tenant_id}/sign-in-codes", headers=self.auth)
        assert resp.status_code == 201, resp.text
        url = str(resp.json()["sign_in_url"])
        assert self.api_key not in url and "#code=" in url
        return url


class Shots:
    def __init__(self, folder: Path) -> None:
        self.folder, self.names = folder, []   # type: list[str]

    def take(self, page: Page, name: str) -> None:
        page.screenshot(path=str(self.folder / f"{name}.png"), full_page=True)
        self.names.append(f"{name}.png")


@pytest.fixture(scope="module")
def run(shared_stack: Running) -> Iterator[Running]:
    shared_stack.emulator("procore", "/_emulator/projects", {"id": OTHER_PROJECT, "name": "Other tenant project"})
    yield from module_stack(shared_stack, "dashboard", PROJECT, "Dashboard Tower")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is not installed (./dev test installs it)"
    with sync_playwright() as pw:
        launched = _launch(pw, executable)
        yield launched
        launched.close()


def _launch(pw: Playwright, executable: str) -> Browser:
    return pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shots]:
    taken = Shots(tmp_path_factory.mktemp("dashboard-screens"))
    yield taken
    print(f"\ndashboard screenshots in {taken.folder}: {', '.join(taken.names)}")


@pytest.fixture(scope="module")
def acme(run: Running) -> Tenant:
    return Tenant(run, "Acme Builders")


@pytest.fixture(scope="module")
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    errors: list[str] = []        # script errors and console errors (a CSP refusal, a failed call) of the tab
    tab.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    tab.on("console", lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None)
    tab.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    tab.__dict__["errors"] = errors
    yield tab
    context.close()


def _row(page: Page, link_id: str) -> Any:
    return page.locator(f'#links tr[data-link="{link_id}"]')


def test_sign_in_then_watch_the_initial_sync_reach_100(run: Running, acme: Tenant, page: Page, shots: Shots) -> None:
    page.goto(acme.sign_in_url())
    expect(page.locator("#who-text")).to_have_text("Tenant: Acme Builders")
    assert "code=" not in page.url                                     # the one-time code left the address bar
    session = page.evaluate("() => JSON.parse(sessionStorage.getItem('pcsync.session'))")
    assert session == {"kind": "tenant", "key": acme.api_key, "tenant": acme.tenant_id}
    assert page.evaluate("() => localStorage.length") == 0
    shots.take(page, "01-signed-in")
    again = run.api.post("/api/sign-in", json={"code": "x" * 32 + "." + "y" * 10})
    assert again.status_code == 400 and again.json()["error"] == "invalid_code"

    acme.link(PROJECT)
    row = _row(page, acme.link_id)
    expect(row).to_be_visible()
    seen: list[str] = []

    def progressed() -> bool:
        text = row.locator(".pct").inner_text().strip()
        if not seen or seen[-1] != text:
            seen.append(text)
            if len(seen) == 2:
                shots.take(page, "02-initial-sync-progress")
        return text == "100%" and "regular" in row.inner_text()

    try:
        wait_for(progressed, UI_TIMEOUT_MS / 1000, "the dashboard to show the initial sync at 100%", interval=0.2)
    except AssertionError as exc:
        shots.take(page, "02-failed")
        raise AssertionError(f"{exc}; shown: {seen}; the API says {acme.status()}") from None
    assert any(t.endswith("%") and t != "100%" for t in seen), f"no progress short of 100% was shown: {seen}"
    status = acme.status()
    assert status["stage"] == "regular" and status["counts"]["synced"] > 0
    expect(row).to_contain_text(str(status["counts"]["synced"]))
    expect(page.locator('#services li[data-service="procore"] strong')).to_have_text("ok")
    expect(page.locator('#services li[data-service="microsoft"] strong')).to_have_text("ok")
    shots.take(page, "03-initial-sync-done")


def test_a_live_change_appears_in_the_activity_list(run: Running, acme: Tenant, page: Page, shots: Shots,
                                                    tmp_path: Path) -> None:
    name = f"Site diary {uuid.uuid4().hex[:6]}.txt"
    path = tmp_path / name
    path.write_bytes(b"poured the level 3 slab\n" * 200)
    user = run.procore_client("user")
    scope = Scope.project(PROJECT)
    upload = user.uploads.upload(scope, FileSource(path), filename=name).uuid
    user.documents.create_file(scope, name=name, upload_uuid=upload)
    entry = page.locator("#activity tbody tr", has_text=name)
    expect(entry.first).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    expect(entry.first).to_contain_text("synced")
    latency = page.locator('#latency-summary li[data-direction="to_sharepoint"]')
    expect(latency).to_contain_text("p50 ")                          # the live change's latency is charted
    overview = run.api.get(f"/api/tenants/{acme.tenant_id}/overview", headers=acme.auth).json()
    (to_sp,) = [s for s in overview["latency_summary"] if s["direction"] == "to_sharepoint"]
    assert to_sp["samples"] >= 1 and 0 <= to_sp["p50_s"] < LIVE_TIMEOUT_MS / 1000
    assert sum(b["transferred_bytes"] for b in overview["transfers"]) >= path.stat().st_size
    visited: list[str] = []        # the emulated site's web address does not resolve: answer it here

    def sharepoint_web(route: Any) -> None:
        visited.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<title>SharePoint</title>")

    page.context.route(run.site["web_url"] + "/**", sharepoint_web)
    with page.context.expect_page() as opened:                         # the event links to the SharePoint item
        entry.first.get_by_role("button", name=f"Open {name} in SharePoint").click()
    opened.value.wait_for_load_state()
    assert opened.value.url.startswith(run.site["web_url"]) and opened.value.url.endswith(
        name.replace(" ", "%20")), opened.value.url
    assert visited == [opened.value.url]
    opened.value.close()
    page.context.unroute(run.site["web_url"] + "/**")
    expect(entry.first).to_have_attribute("data-kind", "created")
    shots.take(page, "04-live-change-in-activity")


def test_activity_filters_run_on_the_server_and_events_link_to_procore(run: Running, acme: Tenant, page: Page,
                                                                        shots: Shots) -> None:
    rows = page.locator("#activity tbody tr")
    diary = rows.filter(has_text="Site diary")
    expect(diary.first).to_be_visible()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/activity?" in r.url else None)
    page.fill("#filter-text", "site DIARY")                          # any case
    expect(rows.filter(has_not_text="Site diary")).to_have_count(0)
    expect(diary.first).to_be_visible()
    page.select_option("#filter-kind", "deleted")                    # the diary was created, never deleted
    expect(rows).to_have_count(0)
    expect(page.locator("#activity-empty")).to_be_visible()
    wait_for(lambda: any("text=site+DIARY" in u and "kind=deleted" in u for u in asked) or None, 10,
             "the page to ask the API with the filters")
    page.fill("#filter-text", "")
    page.select_option("#filter-kind", "created")
    page.select_option("#filter-tool", "rfis")                       # the seed's RFIs, one-way by default
    expect(rows.first).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    expect(page.locator('#activity tbody tr:not([data-kind="created"])')).to_have_count(0)
    assert all(t.strip() == "rfis" for t in rows.locator("td:nth-child(4)").all_inner_texts())
    page.select_option("#filter-period", "1")                        # everything here happened within the hour
    expect(rows.first).to_be_visible()
    shots.take(page, "05-activity-filtered-on-the-server")

    web = run.doc["procore"]["base_url"].rstrip("/")                 # the emulator serves no web app: answer here
    visited: list[str] = []

    def procore_web(route: Any) -> None:
        visited.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<title>Procore</title>")

    page.context.route(f"{web}/{PROJECT}/project/**", procore_web)
    try:
        with page.context.expect_page() as opened:
            rows.first.get_by_role("button", name=re.compile(r" in Procore$")).click()
        opened.value.wait_for_load_state()
        assert re.fullmatch(rf"{re.escape(web)}/{PROJECT}/project/rfi/show/\d+", opened.value.url), opened.value.url
        assert visited == [opened.value.url]
        opened.value.close()
    finally:
        page.context.unroute(f"{web}/{PROJECT}/project/**")
    for select in ("#filter-tool", "#filter-kind", "#filter-period"):
        page.select_option(select, "")
    page.fill("#filter-text", "Site diary")
    diary.first.get_by_role("button", name=re.compile(r" in Procore$")).click()
    expect(page.locator("#status")).to_contain_text("Procore gives no web address for this documents item")
    page.fill("#filter-text", "")
    expect(rows.filter(has_not_text="Site diary").first).to_be_visible()


def test_settings_and_held_deletes_released(run: Running, acme: Tenant, page: Page, shots: Shots) -> None:
    page.fill("#s-count", "1")                                          # the breaker trips on a second delete
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#status")).to_have_text("Settings saved")
    tenant = run.api.get(f"/api/tenants/{acme.tenant_id}", headers=acme.auth).json()
    assert tenant["settings"]["mass_delete_count_24h"] == 1
    user = run.procore_client("user")
    scope = Scope.project(PROJECT)
    files = [f for f in user.documents.list_documents(scope)
             if not f.is_folder and not f.is_deleted and not f.is_recycle_bin][:3]
    assert len(files) == 3
    for f in files:
        user.documents.delete_file(scope, f.id)
    held = page.locator("#held")
    expect(held).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    expect(page.locator("#held-list li")).not_to_have_count(0)
    shots.take(page, "06-held-deletes")
    page.get_by_role("button", name="Release held deletes").click()
    expect(page.locator("#status")).to_have_text("Held deletes released")
    expect(held).to_be_hidden(timeout=LIVE_TIMEOUT_MS)
    wait_for(lambda: not acme.status()["deletes_held"] and not acme.status()["held_deletes"], 30,
             "the link to hold no deletes")
    expect(page.locator('#activity tbody tr[data-event="held_deletes_released"]').first).to_be_visible()
    shots.take(page, "07-held-deletes-released")


def test_change_a_tool_mode(run: Running, acme: Tenant, page: Page, shots: Shots) -> None:
    select = page.get_by_label("documents", exact=True)
    expect(select).to_have_value("two_way")
    select.focus()
    select.select_option("one_way")
    page.keyboard.press("Tab")
    page.get_by_role("button", name="Save tool modes").press("Enter")   # keyboard only
    expect(page.locator("#status")).to_have_text("Tool modes saved")
    assert acme.status()["tools"]["documents"] == "one_way"
    expect(page.locator('#activity tbody tr[data-event="tools_changed"]').first).to_contain_text(
        "documents: two_way -> one_way")
    shots.take(page, "08-tool-mode-changed")
    unnamed = page.evaluate("""() => [...document.querySelectorAll('input, select, button, canvas')]
        .filter((e) => e.offsetParent !== null)
        .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())
        .map((e) => e.outerHTML.slice(0, 80))""")
    assert unnamed == [], f"controls without an accessible name: {unnamed}"
    assert page.__dict__["errors"] == []          # no script error, no refused resource, no failed call so far


def test_pause_resume_and_resync(acme: Tenant, page: Page, shots: Shots) -> None:
    row = _row(page, acme.link_id)
    page.get_by_role("button", name="Pause").click()
    expect(page.locator("#status")).to_have_text("Link paused")
    expect(row).to_contain_text("paused")
    assert acme.status()["stage"] == "paused"
    expect(page.get_by_role("button", name="Re-sync this link")).to_be_disabled()
    page.get_by_role("button", name="Resume").click()
    expect(page.locator("#status")).to_have_text("Link resumed")
    expect(row).to_contain_text("regular")
    page.get_by_role("button", name="Re-sync this link").click()
    expect(page.locator("#status")).to_have_text("Re-sync queued")
    expect(page.locator('#activity tbody tr[data-event="resync_requested"]').first).to_be_visible()
    shots.take(page, "09-paused-resumed-resynced")


def test_a_tenant_key_cannot_see_another_tenants_links(run: Running, acme: Tenant, browser: Browser,
                                                       shots: Shots) -> None:
    other = Tenant(run, "Other Builders")
    other.link(OTHER_PROJECT)
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        tab = context.new_page()
        tab.goto(run.doc["functions_url"].rstrip("/") + "/api/dashboard/")
        tab.get_by_label("API key").fill(other.api_key)
        tab.get_by_role("button", name="Sign in").click()
        expect(tab.locator("#who-text")).to_have_text("Tenant: Other Builders", timeout=SIGN_IN_TIMEOUT_MS)
        expect(_row(tab, other.link_id)).to_be_visible()
        expect(tab.locator("#links tbody tr")).to_have_count(1)
        expect(_row(tab, acme.link_id)).to_have_count(0)
        answers = tab.evaluate("""async ([tenant, link]) => {
            const key = JSON.parse(sessionStorage.getItem('pcsync.session')).key;
            const get = (p) => fetch(p, {headers: {Authorization: 'Bearer ' + key}}).then((r) => r.status);
            return [await get('/api/tenants/' + tenant + '/links'),
                    await get('/api/tenants/' + tenant + '/links/' + link),
                    await get('/api/tenants/' + tenant + '/overview')];
        }""", [acme.tenant_id, acme.link_id])
        assert answers == [404, 404, 404]
        shots.take(tab, "10-other-tenant-sees-only-its-link")

        code = run.api.post(f"/api/operator/tenants/{acme.tenant_id}/sign-in-codes",
                            headers={"x-functions-key": run.doc["admin_key"]})
        assert code.status_code == 201, code.text
        tab.evaluate("() => sessionStorage.clear()")
        tab.goto(code.json()["sign_in_url"])
        expect(tab.locator("#who-text")).to_have_text("Operator", timeout=SIGN_IN_TIMEOUT_MS)
        for tenant in (acme, other):   # by id: other modules on the shared stack have tenants of these names
            expect(tab.locator(f'#tenant-select option[value="{tenant.tenant_id}"]')).to_have_count(1)
        expect(_row(tab, acme.link_id)).to_be_visible(timeout=SIGN_IN_TIMEOUT_MS)
        tab.select_option("#tenant-select", other.tenant_id)
        expect(_row(tab, other.link_id)).to_be_visible()
        shots.take(tab, "11-operator-sees-every-tenant")
    finally:
        context.close()
        run.api.delete(f"/api/tenants/{other.tenant_id}/links/{other.link_id}", headers=other.auth)
