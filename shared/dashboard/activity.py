"""Which activity events a caller asks for: the activity API's filters (tool, kind, time range, text),
parsed from the query with a clear 400 naming a bad value, and the kind each stored event counts as.
Pure: no I/O (the paging over day partitions that applies a filter is shared.onboarding.status).
Never imports azure.functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from shared.models.api import ToolKey
from shared.models.rows import ActivityRow
from shared.onboarding.web import ApiProblem

# What happened to an item, in the words; `link`: an event about the link, not an item (paused,
# tools changed, held deletes released, an email sent, ...).
KINDS = ("created", "updated", "renamed", "moved", "deleted", "conflict", "skipped", "failed", "link")
MAX_TEXT_CHARS = 200
_BY_EVENT = {"conflict": "conflict", "skipped": "skipped", "not_synced": "skipped", "delete_not_synced": "skipped",
             "error": "failed", "deleted": "deleted", "rekeyed": "updated"}
_MOVES = {"rename in Procore": "renamed", "move in Procore": "moved"}


def kind_of(row: ActivityRow) -> str:
    """The kind an event counts as. A synced event names its change (record.change_of); one written before
    it did is `renamed` / `moved` by its detail, else `updated`."""
    if row.event == "synced":
        return row.change if row.change in KINDS else _MOVES.get(row.detail or "", "updated")
    return _BY_EVENT.get(row.event, "link")


class ActivityFilter(BaseModel):
    """Events of any of `tools` and of any of `kinds` (empty: all), at `since` or later and `until` or
    earlier, whose event, tool, item, path or detail holds `text` (any case)."""

    model_config = ConfigDict(frozen=True)

    tools: frozenset[ToolKey] = frozenset()
    kinds: frozenset[str] = frozenset()
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None

    def matches(self, row: ActivityRow) -> bool:
        if self.tools and row.tool not in self.tools:
            return False
        if self.kinds and kind_of(row) not in self.kinds:
            return False
        if (self.since and row.at < self.since) or (self.until and row.at > self.until):
            return False
        if self.text:
            fields = (row.event, row.tool.value if row.tool else None, row.item, row.path, row.detail)
            return any(self.text in value.casefold() for value in fields if value)
        return True


NO_FILTER = ActivityFilter()


def _values(raw: str | None) -> list[str]:
    return [v.strip() for v in (raw or "").split(",") if v.strip()]


def _time(params: Mapping[str, str], name: str) -> datetime | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise ApiProblem.on_field(400, "invalid_request", name, f"{name} must be an ISO 8601 time with its "
                                  "time zone, e.g. 2026-12-05T08:00:00Z.")
    return value


def parse_filter(params: Mapping[str, str]) -> ActivityFilter:
    """The filter of an activity request's query: `tool` and `kind` (one value or several, comma-separated),
    `since` and `until` (ISO 8601 times with a zone), `text`."""
    tools = _values(params.get("tool"))
    known_tools = {t.value for t in ToolKey}
    if any(t not in known_tools for t in tools):
        raise ApiProblem.on_field(400, "invalid_request", "tool",
                                  f"tool must be one or more (comma-separated) of {', '.join(sorted(known_tools))}.")
    kinds = _values(params.get("kind"))
    if any(k not in KINDS for k in kinds):
        raise ApiProblem.on_field(400, "invalid_request", "kind",
                                  f"kind must be one or more (comma-separated) of {', '.join(KINDS)}.")
    since, until = _time(params, "since"), _time(params, "until")
    if since and until and since > until:
        raise ApiProblem.on_field(400, "invalid_request", "since", "since must not be later than until.")
    text = (params.get("text") or "").strip()
    if len(text) > MAX_TEXT_CHARS:
        raise ApiProblem.on_field(400, "invalid_request", "text", f"text must be at most {MAX_TEXT_CHARS} characters.")
    return ActivityFilter(tools=frozenset(ToolKey(t) for t in tools), kinds=frozenset(kinds), since=since,
                          until=until, text=text.casefold() or None)
