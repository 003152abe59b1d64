"""The closing summary: what synced (files, folders, bytes, time; the company's Documents too), the live
changes, the items per tool, a PDF of each record tool and the live RFI edit, skipped items with
reasons, the notification email as read back from the mailbox, the product's API calls per endpoint
from both emulators' `/_emulator/stats`, and the dashboard's URL and a one-time sign-in link for the demo's tenant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TextIO

from demo.arrival import Change
from demo.expected import Comparison

TOP_ROUTES = 16


@dataclass
class Summary:
    project: str
    comparison: Comparison
    initial_seconds: float
    initial_files: int
    changes: list[Change]
    skipped: list[dict[str, Any]]
    mail: dict[str, Any]
    procore_stats: dict[str, Any]
    graph_stats: dict[str, Any]
    app_ids: tuple[str, str]          # the product's client ids: (procore, graph)
    dashboard_url: str
    sign_in_url: str = ""             # the dashboard with a one-time code in its fragment (not the key)
    tools: dict[str, dict[str, Any]] = field(default_factory=dict)   # the link status's tool_status, tools on
    records: dict[str, str] = field(default_factory=dict)   # record tool folder -> one PDF of it in SharePoint
    rfi_edit_seconds: float | None = None                    # a live RFI edit until its PDF's new version
    company: Comparison | None = None                        # the company Documents link's tree check


def mb(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"


def _routes(stats: dict[str, Any], client_id: str) -> dict[str, int]:
    """Calls per `METHOD /route` of one client, from either emulator's stats shape."""
    clients = stats.get("by_client") or stats.get("clients") or {}
    routes = clients.get(client_id, {}).get("routes", {})
    return {r: int(v["calls"]) if isinstance(v, dict) else int(v) for r, v in routes.items()}


def api_calls(stats: dict[str, Any], client_id: str) -> tuple[int, list[tuple[str, int]]]:
    routes = _routes(stats, client_id)
    return sum(routes.values()), sorted(routes.items(), key=lambda kv: (-kv[1], kv[0]))


def write(s: Summary, out: TextIO) -> None:
    c = s.comparison
    rate = s.initial_files / s.initial_seconds if s.initial_seconds else 0.0
    lines = [
        "",
        f"== Summary: {s.project} ==",
        f"In SharePoint: {c.found_files} files and {c.found_folders} folders "
        f"(expected {c.expected_files} and {c.expected_folders}), {mb(c.bytes)}",
    ]
    if s.company is not None:
        k = s.company
        lines.append(f"Company docs:  {k.found_files} files and {k.found_folders} folders in SharePoint "
                     f"(expected {k.expected_files} and {k.expected_folders}), {mb(k.bytes)}")
    lines += [
        f"Initial sync:  {s.initial_seconds:.1f} s ({rate:.1f} files/s)",
        f"Live changes:  {len(s.changes)} arrived, "
        f"slowest {max((ch.seconds for ch in s.changes), default=0.0):.1f} s",
    ]
    lines += [f"  {ch.seconds:5.1f} s  {ch.what}" for ch in s.changes]
    if s.tools:
        lines.append("Per tool (items by state):")
        lines += [f"  {tool:<18} {t.get('mode', '?'):<8} " + ", ".join(
            f"{n} {state}" for state, n in (t.get("counts") or {}).items()) for tool, t in s.tools.items()]
    lines.append(f"Records:       {len(s.records)} one-way tools, one PDF each shown")
    lines += [f"  {folder}: {name}" for folder, name in s.records.items()]
    if s.rfi_edit_seconds is not None:
        lines.append(f"  {s.rfi_edit_seconds:5.1f} s  live RFI edit arrived as a new PDF version")
    lines.append(f"Skipped:       {len(s.skipped)} item(s)")
    lines += [f"  {item.get('name')!r}: {item.get('reason')}" for item in s.skipped]
    to = ", ".join(r["emailAddress"]["address"] for r in s.mail.get("toRecipients", []))
    lines += [f"Email sent:    \"{s.mail.get('subject')}\"", f"  to: {to}"]
    for label, stats, client in (("Procore", s.procore_stats, s.app_ids[0]), ("Graph", s.graph_stats, s.app_ids[1])):
        total, routes = api_calls(stats, client)
        lines.append(f"{label} API calls by the product: {total}")
        lines += [f"  {n:6d}  {route}" for route, n in routes[:TOP_ROUTES]]
        if len(routes) > TOP_ROUTES:
            lines.append(f"  {sum(n for _, n in routes[TOP_ROUTES:]):6d}  ({len(routes) - TOP_ROUTES} other endpoints)")
    lines.append(f"Dashboard:     {s.dashboard_url}")
    if s.sign_in_url:
        lines.append(f"Sign in once:  {s.sign_in_url}  (a one-time link for the demo's tenant, good for 10 minutes)")
    out.write("\n".join(lines) + "\n")
    out.flush()
