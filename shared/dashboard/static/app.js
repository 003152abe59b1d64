// The pcsync dashboard: calls only the public API (/api/...), with the key from sessionStorage sent as a
// header (tenant: Authorization: Bearer; operator: x-functions-key), never in a URL. Polls for updates.
"use strict";
(function () {
  const POLL_MS = 2500;
  const STORE = "pcsync.session";
  const TOOLS = ["documents", "photos", "rfis", "submittals", "drawings", "forms", "observations", "inspections",
                 "incidents", "commitments"];
  // The activity API's kinds (it filters on the server: tool, kind, since, text; paged by its continuation).
  const KINDS = ["created", "updated", "renamed", "moved", "deleted", "conflict", "skipped", "failed", "link"];
  const PERIODS = [["", "any time"], ["1", "the last hour"], ["24", "the last 24 hours"], ["168", "the last week"],
                   ["720", "the last month"]];
  const TEXT_DELAY_MS = 300;
  const $ = (id) => document.getElementById(id);
  const state = { session: null, tenant: null, link: null, activity: [], continuation: null, charts: {},
                  toolsDirty: false, settingsDirty: false, timer: null, query: "", textTimer: null };

  function el(tag, text, attrs) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    return node;
  }
  // Re-render a container only when its data changed, and never under the keyboard focus (the next poll
  // catches up once the focus has left), so polling does not move a keyboard user's place.
  function put(container, data, build) {
    const key = JSON.stringify(data);
    if (container.dataset.key === key) return;
    if (container.dataset.key !== undefined && container.contains(document.activeElement)) return;
    container.replaceChildren(...build());
    container.dataset.key = key;
  }
  function say(text, error, fromPoll) {
    $("status").textContent = text || "";
    $("status").className = error ? "error" : "";
    $("status").dataset.poll = fromPoll ? "1" : "";
  }
  function when(iso) { return iso ? new Date(iso).toLocaleString() : "\u2014"; }
  function mb(bytes) { return (bytes / 1048576).toFixed(2); }
  function size(bytes) {
    if (bytes < 1024) return bytes + " B";
    if (bytes < 1048576) return (bytes / 1024).toFixed(1) + " KB";
    return mb(bytes) + " MB";
  }

  // ---- session ------------------------------------------------------------------------------------
  function load() { try { return JSON.parse(sessionStorage.getItem(STORE)); } catch (e) { return null; } }
  function save(s) { sessionStorage.setItem(STORE, JSON.stringify(s)); state.session = s; }
  function tenantOfKey(key) { const m = /^pcs_([0-9a-f]{32})_/.exec(key); return m ? m[1] : null; }
  function base() {
    const s = state.session;
    return (s.kind === "operator" ? "/api/operator/tenants/" : "/api/tenants/") + state.tenant;
  }
  async function api(method, path, body) {
    const headers = { "Accept": "application/json" };
    if (state.session.kind === "operator") headers["x-functions-key"] = state.session.key;
    else headers["Authorization"] = "Bearer " + state.session.key;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const resp = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
                                     cache: "no-store", credentials: "omit" });
    const text = await resp.text();
    const data = text ? JSON.parse(text) : null;
    if (!resp.ok) {
      const err = new Error((data && data.message) || ("HTTP " + resp.status));
      err.status = resp.status;
      throw err;
    }
    return data;
  }

  async function exchangeCode(code) {
    const resp = await fetch("/api/sign-in", { method: "POST", headers: { "Content-Type": "application/json" },
                                               body: JSON.stringify({ code }), credentials: "omit" });
    const data = await resp.json();
    if (!resp.ok) throw new Error(data.message || "the sign-in link did not work");
    save({ kind: data.kind, key: data.key, tenant: data.tenant_id });
  }

  async function start() {
    const hash = new URLSearchParams(location.hash.slice(1));
    const code = hash.get("code");
    if (code) {
      history.replaceState(null, "", location.pathname);        // the code leaves the address bar at once
      try { await exchangeCode(code); } catch (e) { say(e.message, true); }
    }
    state.session = load();
    if (!state.session) { $("sign-in").hidden = false; $("key").focus(); return; }
    $("sign-in").hidden = true;
    $("who").hidden = false;
    if (state.session.kind === "operator") {
      const tenants = (await api("GET", "/api/operator/tenants")).items;
      const select = $("tenant-select");
      select.replaceChildren(...tenants.map((t) => el("option", t.name + " (" + t.tenant_id.slice(0, 8) + ")",
                                                         { value: t.tenant_id })));
      state.tenant = state.session.tenant && tenants.some((t) => t.tenant_id === state.session.tenant)
        ? state.session.tenant : (tenants[0] || {}).tenant_id;
      select.value = state.tenant || "";
      select.hidden = $("tenant-select-label").hidden = false;
      $("who-text").textContent = "Operator";
    } else {
      state.tenant = state.session.tenant || tenantOfKey(state.session.key);
    }
    if (!state.tenant) { say("No tenant to show.", true); return; }
    $("app").hidden = false;
    await refresh();
    state.timer = setInterval(() => refresh().catch((e) => say(e.message, true, true)), POLL_MS);
  }

  // ---- rendering ------------------------------------------------------------------------------------
  async function refresh() {
    const overview = await api("GET", base() + "/overview?window=" + $("window").value);
    if (state.session.kind !== "operator") $("who-text").textContent = "Tenant: " + overview.tenant_name;
    renderServices(overview.services);
    const links = (await api("GET", base() + "/links")).items;
    renderLinks(overview, links);
    renderCharts(overview);
    if (!state.link && links.length) state.link = links[0].link_id;
    if (state.link) await refreshLink();
    await refreshSettings();
    $("updated").textContent = "Updated " + new Date().toLocaleTimeString();   // not announced: it changes often
    if ($("status").dataset.poll) say("");                                      // a polling error is over
  }

  function renderServices(services) {
    put($("services"), services.map((s) => [s.service, s.state, s.detail, s.retry_after_s]), () => services.map((s) => {
      const li = el("li", (s.service === "procore" ? "Procore" : "Microsoft") + ": ", { "data-service": s.service });
      li.append(el("strong", s.state, { class: "state-" + s.state }));
      if (s.detail) li.append(el("span", " \u2014 " + s.detail));
      if (s.retry_after_s) li.append(el("span", " (retry after " + s.retry_after_s + " s)"));
      return li;
    }));
  }

  function renderLinks(overview, links) {
    const figures = Object.fromEntries(overview.links.map((f) => [f.link_id, f]));
    put($("links").tBodies[0], [state.link, links, overview.links], () => links.map((l) => {
      const f = figures[l.link_id] || { counts: {}, storage_bytes: 0 };
      const tr = el("tr", null, { "data-link": l.link_id });
      if (l.link_id === state.link) tr.className = "selected";
      tr.append(el("td", l.project_name), el("td", l.sharepoint.folder_path),
                el("td", l.stage, { class: "state-" + l.stage }));
      const cell = el("td");
      if (f.progress !== null && f.progress !== undefined) {
        const pct = Math.round(f.progress * 100);
        cell.append(el("progress", null, { max: "100", value: String(pct), "aria-label": "Initial sync " + pct + "%" }),
                    el("span", " " + pct + "%", { class: "pct" }));
        if (f.files_per_hour) cell.append(el("div", Math.round(f.files_per_hour) + " files/h, done ~" +
                                                    when(f.expected_finish)));
      } else cell.append(el("span", l.stage === "regular" ? "100%" : "\u2014", { class: "pct" }));
      tr.append(cell);
      for (const k of ["synced", "pending", "skipped", "failed"]) tr.append(el("td", f.counts[k] || 0, { class: "num" }));
      tr.append(el("td", size(f.storage_bytes), { class: "num" }), el("td", when(f.last_to_sharepoint)),
                el("td", when(f.last_to_procore)));
      const open = el("button", "Open", { type: "button", "aria-label": "Open link " + l.project_name });
      open.addEventListener("click", () => { state.link = l.link_id; state.activity = []; state.toolsDirty = false;
                                             state.continuation = null; state.loadedMore = false;
                                             refresh().catch((e) => say(e.message, true)); });
      const td = el("td"); td.append(open); tr.append(td);
      return tr;
    }));
  }

  function chart(id, config) {
    if (typeof Chart === "undefined") return;
    if (state.charts[id]) { state.charts[id].data = config.data; state.charts[id].update("none"); return; }
    state.charts[id] = new Chart($(id), { ...config, options: { animation: false, responsive: true,
                                                                 scales: { y: { beginAtZero: true } } } });
  }

  function renderCharts(overview) {
    const labels = overview.transfers.map((b) => new Date(b.start).toLocaleString([], { month: "short",
      day: "numeric", hour: "2-digit", minute: "2-digit" }));
    chart("chart-files", { type: "bar", data: { labels, datasets: [
      { label: "copied", data: overview.transfers.map((b) => b.transferred_files), backgroundColor: "#0b5cad" },
      { label: "deleted", data: overview.transfers.map((b) => b.deleted_files), backgroundColor: "#a4161a" }] } });
    chart("chart-bytes", { type: "line", data: { labels, datasets: [
      { label: "transferred MB", data: overview.transfers.map((b) => +mb(b.transferred_bytes)), borderColor: "#0b5cad" },
      { label: "deleted MB", data: overview.transfers.map((b) => +mb(b.deleted_bytes)), borderColor: "#a4161a" }] } });
    const lat = overview.latency;
    chart("chart-latency", { type: "line", data: { labels, datasets: [
      { label: "to SharePoint p50", data: lat.map((b) => b.to_sharepoint_p50_s), borderColor: "#0b5cad", spanGaps: true },
      { label: "to SharePoint p90", data: lat.map((b) => b.to_sharepoint_p90_s), borderColor: "#5b8fd0", spanGaps: true },
      { label: "to Procore p50", data: lat.map((b) => b.to_procore_p50_s), borderColor: "#7a4b00", spanGaps: true },
      { label: "to Procore p90", data: lat.map((b) => b.to_procore_p90_s), borderColor: "#c08a2e", spanGaps: true }] } });
    $("latency-summary").replaceChildren(...overview.latency_summary.map((s) => el("li",
      (s.direction === "to_sharepoint" ? "To SharePoint" : "To Procore") + ": " + (s.samples
        ? "p50 " + s.p50_s.toFixed(1) + " s, p90 " + s.p90_s.toFixed(1) + " s, p99 " + s.p99_s.toFixed(1) + " s (" +
          s.samples + " changes)" : "no live change in this window"), { "data-direction": s.direction })));
    const byId = Object.fromEntries(overview.links.map((f) => [f.link_id, f]));
    const largest = overview.largest_links.map((id) => byId[id]);
    chart("chart-storage", { type: "bar", data: { labels: largest.map((f) => f.project_name), datasets: [
      { label: "MB", data: largest.map((f) => +mb(f.storage_bytes)), backgroundColor: "#1d6b2f" }] } });
  }

  async function refreshLink() {
    const path = base() + "/links/" + state.link;
    let link;
    try { link = await api("GET", path); } catch (e) {
      if (e.status === 404) { state.link = null; $("link-detail").hidden = true; return; }
      throw e;
    }
    $("link-detail").hidden = false;
    $("detail-title").textContent = "Link: " + link.project_name + " \u2194 " + link.sharepoint.folder_path;
    $("detail-stage").textContent = "Stage: " + link.stage + (link.stage_reason ? " (" + link.stage_reason + ")" : "");
    $("pause").disabled = link.stage === "paused"; $("resume").disabled = link.stage !== "paused";
    $("resync").disabled = link.stage !== "regular";
    if (!state.toolsDirty) renderTools(link);
    $("held").hidden = !link.deletes_held && !link.held_deletes.length;
    $("held-reason").textContent = link.deletes_held_reason || "";
    put($("held-list"), link.held_deletes, () => link.held_deletes.map((p) => el("li", p)));
    const failed = (await api("GET", path + "/items?state=failed&limit=100")).items;
    const skipped = (await api("GET", path + "/items?state=skipped&limit=100")).items;
    put($("problems").tBodies[0], [state.link, failed, skipped], () => failed.concat(skipped).map((i) => {
      const tr = el("tr");
      tr.append(el("td", i.name), el("td", i.tool), el("td", i.state), el("td", i.reason || ""));
      const td = el("td");
      if (i.state === "failed" && i.kind === "file") {
        const b = el("button", "Retry", { type: "button", "aria-label": "Retry " + i.name });
        b.addEventListener("click", () => act("POST", path + "/items/retry", { tool: i.tool, procore_id: i.procore_id },
                                               "Retry queued for " + i.name));
        td.append(b);
      }
      tr.append(td);
      return tr;
    }));
    const conflicts = (await api("GET", path + "/activity?kind=conflict&limit=20")).items;
    put($("conflicts"), [state.link, conflicts], () => conflicts.map(
      (a) => el("li", when(a.at) + " \u2014 " + (a.path || a.item) + ": " + (a.detail || ""))));
    await loadActivity();
  }

  // The filters as the activity API's query (the server filters; the page never filters what it got).
  function activityQuery() {
    const q = new URLSearchParams();
    if ($("filter-tool").value) q.set("tool", $("filter-tool").value);
    if ($("filter-kind").value) q.set("kind", $("filter-kind").value);
    const hours = +$("filter-period").value;
    if (hours) q.set("since", new Date(Date.now() - hours * 3600e3).toISOString());
    const text = $("filter-text").value.trim();
    if (text) q.set("text", text);
    return q;
  }
  function filterKey() {          // what the filters ask for, without the moving `since` of a period
    return [$("filter-tool").value, $("filter-kind").value, $("filter-period").value, $("filter-text").value.trim()]
      .join("\u0000");
  }

  async function loadActivity() {
    const key = filterKey(), link = state.link;
    const q = activityQuery(); q.set("limit", "100");
    const first = await api("GET", base() + "/links/" + link + "/activity?" + q);
    if (key !== filterKey() || link !== state.link) return;    // the filters changed meanwhile: that answer is stale
    if (state.query !== key) {                                 // new filters: start over from their first page
      state.query = key; state.activity = []; state.continuation = null; state.loadedMore = false;
    }
    const known = new Set(state.activity.map((a) => a.at + a.event + a.item));
    const fresh = first.items.filter((a) => !known.has(a.at + a.event + a.item));
    state.activity = fresh.concat(state.activity);
    if (state.continuation === null && !state.loadedMore) state.continuation = first.continuation;
    renderActivity();
  }

  function renderTools(link) {
    put($("tools"), [link.link_id, link.tools, link.tool_status], () => Object.entries(link.tools).map(([tool, mode]) => {
      const wrap = el("div");
      const id = "tool-" + tool;
      wrap.append(el("label", tool, { for: id }));
      const select = el("select", null, { id, "data-tool": tool });
      for (const m of (tool === "documents" || tool === "photos") ? ["two_way", "one_way", "off"] : ["one_way", "off"]) {
        select.append(el("option", m.replace("_", "-"), { value: m }));
      }
      select.value = mode;
      const st = link.tool_status[tool];
      wrap.append(select, el("span", st ? " " + st.state + (st.reason ? ": " + st.reason : "") : ""));
      select.addEventListener("change", () => { state.toolsDirty = true; });
      return wrap;
    }));
  }

  function renderActivity() {
    const rows = state.activity;
    put($("activity").tBodies[0], [state.link, rows], () => rows.map((a) => {
      const tr = el("tr", null, { "data-event": a.event, "data-kind": a.kind });
      const item = el("td", (a.path || a.item || "") + " ");
      if (a.tool && a.item) {
        for (const [side, label] of [["procore", "Procore"], ["sharepoint", "SharePoint"]]) {
          const open = el("button", label, { type: "button", class: "link",
                                             "aria-label": "Open " + (a.path || a.item) + " in " + label });
          open.addEventListener("click", () => openItem(a, side));
          item.append(open, " ");
        }
      }
      tr.append(el("td", when(a.at)), el("td", a.event), el("td", a.kind || ""), el("td", a.tool || ""), item,
                el("td", a.detail || ""));
      return tr;
    }));
    $("activity-empty").hidden = rows.length > 0;
    $("more").disabled = !state.continuation;
  }

  async function openItem(a, side) {
    if (side === "procore" && a.procore_url) { window.open(a.procore_url, "_blank", "noopener,noreferrer"); return; }
    try {
      const where = await api("GET", base() + "/links/" + state.link + "/items/location?tool=" +
                                     encodeURIComponent(a.tool) + "&procore_id=" + encodeURIComponent(a.item));
      const url = where[side + "_url"];
      if (url) window.open(url, "_blank", "noopener,noreferrer");
      else say((a.path || a.item) + (side === "procore" ? ": Procore gives no web address for this " + a.tool + " item."
                                                        : " has no SharePoint twin (any more)."));
    } catch (e) { say(e.message, true); }
  }

  async function refreshSettings() {
    if (state.settingsDirty) return;
    const t = await api("GET", base());
    if (state.settingsDirty) return;                // edited while the read was on its way: keep the edit
    $("s-conflict").value = t.settings.conflict_policy; $("s-delete").checked = t.settings.delete_sync;
    $("s-share").value = t.settings.mass_delete_share; $("s-count").value = t.settings.mass_delete_count_24h;
    $("s-quiet").value = t.settings.quiet_period_s; $("s-notify").value = t.notify.join(", ");
  }

  async function act(method, path, body, done) {
    try { await api(method, path, body); say(done); await refresh(); } catch (e) { say(e.message, true); }
  }

  // ---- wiring ---------------------------------------------------------------------------------------
  function wire() {
    for (const t of TOOLS) $("filter-tool").append(el("option", t, { value: t }));
    for (const k of KINDS) $("filter-kind").append(el("option", k, { value: k }));
    for (const [v, label] of PERIODS) $("filter-period").append(el("option", label, { value: v }));
    const refilter = () => { if (state.link) loadActivity().catch((e) => say(e.message, true)); };
    for (const id of ["filter-tool", "filter-kind", "filter-period"]) $(id).addEventListener("change", refilter);
    $("filter-text").addEventListener("input", () => {       // typed text: ask once the typing pauses
      clearTimeout(state.textTimer); state.textTimer = setTimeout(refilter, TEXT_DELAY_MS);
    });
    $("sign-in-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const key = $("key").value.trim();
      const operator = $("is-operator").checked;
      if (!operator && !tenantOfKey(key)) { say("That is not a tenant API key (pcs_...).", true); return; }
      save({ kind: operator ? "operator" : "tenant", key, tenant: operator ? null : tenantOfKey(key) });
      $("key").value = "";
      start().catch((e) => { sessionStorage.removeItem(STORE); say(e.message, true); location.reload(); });
    });
    $("sign-out").addEventListener("click", () => { sessionStorage.removeItem(STORE); location.reload(); });
    $("tenant-select").addEventListener("change", (ev) => {
      state.tenant = ev.target.value; state.link = null; state.activity = []; state.continuation = null;
      save({ ...state.session, tenant: state.tenant }); refresh().catch((e) => say(e.message, true));
    });
    $("window").addEventListener("change", () => refresh().catch((e) => say(e.message, true)));
    const linkPath = () => base() + "/links/" + state.link;
    $("pause").addEventListener("click", () => act("POST", linkPath() + "/pause", undefined, "Link paused"));
    $("resume").addEventListener("click", () => act("POST", linkPath() + "/resume", undefined, "Link resumed"));
    $("resync").addEventListener("click", () => act("POST", linkPath() + "/resync", undefined, "Re-sync queued"));
    $("release").addEventListener("click", () => act("POST", linkPath() + "/held-deletes", { action: "release" },
                                                     "Held deletes released"));
    $("discard").addEventListener("click", () => act("POST", linkPath() + "/held-deletes", { action: "discard" },
                                                     "Held deletes discarded"));
    $("tools-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const tools = {};
      for (const s of $("tools").querySelectorAll("select")) tools[s.dataset.tool] = s.value;
      state.toolsDirty = false;
      act("PATCH", linkPath(), { tools }, "Tool modes saved");
    });
    $("settings-form").addEventListener("input", () => { state.settingsDirty = true; });
    $("settings-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const body = { settings: { conflict_policy: $("s-conflict").value, delete_sync: $("s-delete").checked,
                                 mass_delete_share: +$("s-share").value, mass_delete_count_24h: +$("s-count").value,
                                 quiet_period_s: +$("s-quiet").value },
                     notify: $("s-notify").value.split(",").map((v) => v.trim()).filter(Boolean) };
      state.settingsDirty = false;
      act("PATCH", base(), body, "Settings saved");
    });
    $("more").addEventListener("click", async () => {
      if (!state.continuation) return;
      const key = filterKey(), q = activityQuery();
      q.set("limit", "100"); q.set("continuation", state.continuation);
      const page = await api("GET", linkPath() + "/activity?" + q);
      if (key !== filterKey()) return;
      state.activity = state.activity.concat(page.items); state.continuation = page.continuation;
      state.loadedMore = true; renderActivity();
    });
  }

  // A sign-in link opened in a tab already showing the dashboard changes only the fragment: start over.
  window.addEventListener("hashchange", () => { if (location.hash.includes("code=")) location.reload(); });

  document.addEventListener("DOMContentLoaded", () => {
    wire();
    start().catch((e) => say(e.message, true));
  });
})();
