"""The weekly digest's content, as pure data and text: per link, what was synced per tool, conflicts,
skipped and failed items with their reasons, and held deletes. Gathering it (tables) is in
runners/digest.py; sending it is the notification step's. Never imports azure.functions.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

DIGEST_DAYS = 7
MAX_LISTED = 25   # items listed per section of one link (the rest is counted)
DIGEST_PREFIX = "weekly-digest"


class ItemNote(BaseModel):
    model_config = ConfigDict(frozen=True)

    tool: str
    name: str
    reason: str


class LinkDigest(BaseModel):
    """One link's week."""

    label: str                                   # "Riverside (Procore project 131) <-> Projects/Riverside"
    synced: dict[str, int] = {}                  # tool -> files and records synced (created, updated, moved...)
    deleted: dict[str, int] = {}                 # tool -> deletes carried over
    conflicts: list[str] = []                    # "path: how it was settled"
    skipped: list[ItemNote] = []
    skipped_total: int = 0
    failed: list[ItemNote] = []
    failed_total: int = 0
    held_deletes: list[str] = []


def digest_week(now: datetime) -> tuple[datetime, datetime, str]:
    """(since, until, notification id) of the digest sent at `now`: the 7 days before it, one id per ISO
    week, so a timer that fires twice in a week sends one digest."""
    year, week, _ = now.isocalendar()
    return now - timedelta(days=DIGEST_DAYS), now, f"{DIGEST_PREFIX}-{year}-W{week:02d}"


def _section(title: str, lines: list[str], total: int) -> list[str]:
    if not total:
        return []
    out = [f"  {title} ({total}):"] + [f"    - {line}" for line in lines[:MAX_LISTED]]
    if total > min(len(lines), MAX_LISTED):
        out.append(f"    ... and {total - min(len(lines), MAX_LISTED)} more (see the status API)")
    return out


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{tool} {n}" for tool, n in sorted(counts.items())) if counts else "nothing"


def render_digest(tenant_name: str, links: list[LinkDigest], since: datetime, until: datetime) -> tuple[str, str]:
    """(subject, plain-text body) of the digest."""
    first, last = since.date().isoformat(), until.date().isoformat()
    subject = f"Weekly sync digest for {tenant_name}: {first} to {last}"
    body = [f"What Procore <-> SharePoint sync did for {tenant_name} from {since:%Y-%m-%d %H:%M} to "
            f"{until:%Y-%m-%d %H:%M} UTC.", ""]
    for link in links:
        body.append(link.label)
        body.append(f"  Synced: {_counts(link.synced)}")
        if link.deleted:
            body.append(f"  Deleted: {_counts(link.deleted)}")
        body += _section("Conflicts", link.conflicts, len(link.conflicts))
        body += _section("Skipped", [f"{n.tool}: {n.name}: {n.reason}" for n in link.skipped], link.skipped_total)
        body += _section("Failed", [f"{n.tool}: {n.name}: {n.reason}" for n in link.failed], link.failed_total)
        body += _section("Deletes held by the mass-delete breaker (release or discard them)", link.held_deletes,
                         len(link.held_deletes))
        body.append("")
    body.append("Turn this email off with PATCH /api/tenants/{tenant_id} {\"settings\": {\"weekly_digest\": false}}.")
    return subject, "\n".join(body)
