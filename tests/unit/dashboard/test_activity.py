"""The activity filter without I/O (shared/dashboard/activity.py): every stored event counts as one kind, a
synced record names what it did to its item (record.change_of), and bad filter values are a 400 naming
the field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.dashboard.activity import KINDS, ActivityFilter, kind_of, parse_filter
from shared.models.api import ToolKey
from shared.models.rows import ActivityRow, ItemKind, ItemRow, ItemState
from shared.onboarding.web import ApiProblem
from shared.sync.runners.record import change_of

AT = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def _event(event: str, **fields: object) -> ActivityRow:
    return ActivityRow.model_validate({"link_id": "l1", "day": "2026-12-05", "row_key": "k", "at": AT,
                                       "event": event, **fields})


def _row(**fields: object) -> ItemRow:
    base: dict[str, object] = {"link_id": "l1", "tool": ToolKey.DOCUMENTS, "procore_id": "7", "kind": ItemKind.FILE,
                               "state": ItemState.SYNCED, "procore_name": "a.pdf", "procore_parent_id": "1",
                               "procore_version": "v1", "sp_item_id": "sp7", "sp_parent_id": "sp1",
                               "sp_name": "a.pdf", "sp_quickxor": "h1", "updated_at": AT}
    return ItemRow.model_validate({**base, **fields})


@pytest.mark.parametrize(("event", "fields", "kind"), [
    ("synced", {"change": "created"}, "created"),
    ("synced", {"change": "moved", "detail": "from SharePoint"}, "moved"),
    ("synced", {"detail": "rename in Procore"}, "renamed"),          # written before events named their change
    ("synced", {"detail": "move in Procore"}, "moved"),
    ("synced", {}, "updated"),
    ("rekeyed", {}, "updated"),
    ("deleted", {}, "deleted"),
    ("conflict", {}, "conflict"),
    ("skipped", {}, "skipped"),
    ("not_synced", {}, "skipped"),
    ("delete_not_synced", {}, "skipped"),
    ("error", {}, "failed"),
    ("held_deletes_released", {}, "link"),
    ("paused", {}, "link"),
])
def test_every_event_counts_as_one_kind(event: str, fields: dict[str, object], kind: str) -> None:
    assert kind_of(_event(event, **fields)) == kind
    assert kind in KINDS


def test_a_record_names_what_it_did_to_its_item() -> None:
    synced = _row()
    assert change_of(None, synced) == "created"
    assert change_of(_row(state=ItemState.PENDING, sp_item_id=None, procore_version=None), synced) == "created"
    assert change_of(_row(state=ItemState.SKIPPED, sp_item_id=None), synced) == "created"   # it never had a twin
    assert change_of(_row(state=ItemState.FAILED, procore_version="v0"), synced) == "updated"   # a retried edit
    assert change_of(synced, _row(procore_version="v2")) == "updated"
    assert change_of(synced, _row(sp_quickxor="h2")) == "updated"                # SharePoint's new content
    assert change_of(synced, _row(procore_name="b.pdf", sp_name="b.pdf")) == "renamed"
    assert change_of(synced, _row(procore_parent_id="2", sp_parent_id="sp2")) == "moved"
    assert change_of(synced, synced) == "updated"


def test_a_filter_matches_tool_kind_time_and_text() -> None:
    row = _event("synced", change="created", tool="rfis", item="12:pdf", path="RFI 012 - Slab edge.pdf",
                 detail=None)
    assert ActivityFilter().matches(row)
    assert ActivityFilter(tools=frozenset({ToolKey.RFIS, ToolKey.PHOTOS})).matches(row)
    assert not ActivityFilter(tools=frozenset({ToolKey.DOCUMENTS})).matches(row)
    assert ActivityFilter(kinds=frozenset({"created", "deleted"})).matches(row)
    assert not ActivityFilter(kinds=frozenset({"updated"})).matches(row)
    assert ActivityFilter(since=AT, until=AT).matches(row)
    assert not ActivityFilter(since=AT + timedelta(seconds=1)).matches(row)
    assert not ActivityFilter(until=AT - timedelta(seconds=1)).matches(row)
    assert ActivityFilter(text="slab edge").matches(row) and ActivityFilter(text="rfis").matches(row)
    assert not ActivityFilter(text="roof").matches(row)
    assert not ActivityFilter(tools=frozenset({ToolKey.DOCUMENTS})).matches(_event("paused"))   # no tool: not one


def test_the_query_is_parsed_into_a_filter() -> None:
    parsed = parse_filter({"tool": "documents, photos", "kind": "created,failed", "since": "2026-12-05T08:00:00Z",
                           "until": "2026-12-05T10:00:00+01:00", "text": "  Slab "})
    assert parsed.tools == {ToolKey.DOCUMENTS, ToolKey.PHOTOS} and parsed.kinds == {"created", "failed"}
    assert parsed.since == datetime(2026, 12, 5, 8, 0, tzinfo=UTC) and parsed.until == datetime(2026, 12, 5, 9, 0,
                                                                                                  tzinfo=UTC)
    assert parsed.text == "slab"
    assert parse_filter({}) == ActivityFilter() == parse_filter({"tool": "", "kind": " ", "text": ""})


@pytest.mark.parametrize(("params", "field"), [
    ({"tool": "blueprints"}, "tool"),
    ({"tool": "documents,nope"}, "tool"),
    ({"kind": "synced"}, "kind"),                     # an event name is not a kind
    ({"since": "yesterday"}, "since"),
    ({"until": "2026-12-05T08:00:00"}, "until"),      # no time zone
    ({"since": "2026-12-05T09:00:00Z", "until": "2026-12-05T08:00:00Z"}, "since"),
    ({"text": "x" * 201}, "text"),
])
def test_a_bad_filter_value_is_a_400_naming_its_field(params: dict[str, str], field: str) -> None:
    with pytest.raises(ApiProblem) as caught:
        parse_filter(params)
    assert caught.value.status == 400 and [p.field for p in caught.value.problems] == [field]
