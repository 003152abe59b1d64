"""What the runners hand the planner: both sides' current state built from the servers' payloads and the
agreed row (shared.sync.decide), and the one-aspect plans a content or a metadata step asks for
(shared.sync.plan.aspects). The policy itself is the scenarios' business; these show the wiring."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.graph.models import DriveItem
from shared.models.api import ConflictPolicy, Mode, TenantSettings, ToolKey
from shared.models.rows import ItemKind, ItemRow, ItemState
from shared.sync.decide import agreed_pair, folder_state, policy_of, procore_state, sharepoint_state
from shared.sync.plan.aspects import plan_content, plan_metadata
from shared.sync.plan.planner import plan
from shared.sync.plan.state import PlanInput, Policy, SideState
from shared.sync.plan.vocabulary import ActionKind, Side
from shared.tools.base import SourceItem

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)
ROW = ItemRow(link_id="l", tool=ToolKey.DOCUMENTS, procore_id="7", kind=ItemKind.FILE, state=ItemState.SYNCED,
              procore_name="Plan.pdf", procore_parent_id="10", procore_version="100", sp_item_id="S7",
              sp_parent_id="SF10", sp_name="Plan.pdf", sp_etag="e1", sp_quickxor="h1", updated_at=T0)


def _sp(name: str = "Plan.pdf", parent: str = "SF10", hash: str = "h1", at: datetime = T0, **over: object) -> DriveItem:
    payload: dict[str, object] = {"id": "S7", "name": name, "eTag": "e2", "size": 5, "file": {"hashes": {
        "quickXorHash": hash}}, "lastModifiedDateTime": at.isoformat(), "parentReference": {"id": parent}}
    payload.update(over)
    return DriveItem.model_validate(payload)


def _procore(name: str = "Plan.pdf", version: str = "100", at: datetime = T0) -> SourceItem:
    return SourceItem(tool=ToolKey.DOCUMENTS, procore_id="7", kind=ItemKind.FILE, name=name, parent_id="10",
                      version=version, size=5, updated_at=at)


def test_sharepoint_state_measures_content_by_the_agreed_hash_and_keys_the_parent_by_the_pair() -> None:
    same = sharepoint_state(_sp(), ROW, by_us=False)
    assert same is not None and not same.content_changed and same.parent == "10" and same.hash == "h1"
    edited = sharepoint_state(_sp(hash="h2", parent="SF99"), ROW, by_us=False)
    assert edited is not None and edited.content_changed and edited.parent == "sp:SF99"
    assert edited.modified == T0
    forced = sharepoint_state(_sp(), ROW, by_us=False, changed=True)
    assert forced is not None and forced.content_changed
    assert sharepoint_state(_sp(deleted={"state": "deleted"}), ROW, by_us=False) is None
    assert sharepoint_state(None, ROW, by_us=False) is None
    unknown = ROW.model_copy(update={"sp_quickxor": None})   # no agreed hash: no change can be told
    assert not _state(sharepoint_state(_sp(hash="h2"), unknown, by_us=False)).content_changed


def test_procore_state_measures_content_by_the_agreed_version() -> None:
    assert not _state(procore_state(_procore(), ROW)).content_changed
    assert _state(procore_state(_procore(version="101"), ROW)).content_changed
    unknown = ROW.model_copy(update={"procore_version": None})
    assert not _state(procore_state(_procore(version="101"), unknown)).content_changed
    assert _state(procore_state(_procore(), unknown, changed=True)).content_changed
    assert procore_state(None, ROW) is None
    assert procore_state(_procore().model_copy(update={"deleted": True}), ROW) is None
    locked = procore_state(_procore(), ROW, locked=True, hash="hp")
    assert locked is not None and locked.locked and locked.hash == "hp"


def _state(state: SideState | None) -> SideState:
    assert state is not None, "no state"
    return state


def test_policy_of_carries_the_tenant_settings_and_the_tools_mode() -> None:
    settings = TenantSettings(conflict_policy=ConflictPolicy.KEEP_BOTH, delete_sync=False)
    policy = policy_of(settings, Mode.ONE_WAY, "2026-12-01")
    assert (policy.mode, policy.conflict_policy, policy.delete_sync, policy.today) == \
        (Mode.ONE_WAY, ConflictPolicy.KEEP_BOTH, False, "2026-12-01")
    assert policy_of(TenantSettings(), None, "2026-12-01").mode is Mode.TWO_WAY
    assert policy.initial is None


def test_the_content_plan_leaves_renames_to_the_metadata_step_and_names_the_copy_by_the_current_name() -> None:
    inp = PlanInput(procore_state(_procore(name="Plan v2.pdf", version="101", at=T0 + timedelta(hours=1)), ROW),
                    sharepoint_state(_sp(name="Plan SP.pdf", hash="h2", parent="SF99"), ROW, by_us=False),
                    agreed_pair(ROW), Policy(conflict_policy=ConflictPolicy.KEEP_BOTH, today="2026-12-01"))
    full = plan(inp)
    assert ActionKind.RENAME in full.kinds() and ActionKind.MOVE in full.kinds()
    content = plan_content(inp)
    assert ActionKind.RENAME not in content.kinds() and ActionKind.MOVE not in content.kinds()
    copies = [a for a in content.actions if a.kind is ActionKind.KEEP_BOTH_COPY]
    assert {a.target for a in copies} == {Side.PROCORE, Side.SHAREPOINT}
    assert {a.name for a in copies} == {"Plan SP (SharePoint conflict 2026-12-01).pdf"}
    replace = [a for a in content.actions if a.kind is ActionKind.REPLACE_CONTENT]
    assert [(a.target, a.source, a.conflict) for a in replace] == [(Side.SHAREPOINT, Side.PROCORE, True)]


def test_the_metadata_plan_leaves_content_to_the_transfer_step() -> None:
    inp = PlanInput(procore_state(_procore(version="101"), ROW),
                    sharepoint_state(_sp(name="Plan SP.pdf", hash="h2"), ROW, by_us=False), agreed_pair(ROW))
    assert ActionKind.REPLACE_CONTENT in plan(inp).kinds()
    meta = plan_metadata(inp)
    assert [(a.kind, a.target, a.name) for a in meta.actions] == [(ActionKind.RENAME, Side.PROCORE, "Plan SP.pdf")]


def test_a_folder_holding_edits_beats_its_delete_and_one_without_goes() -> None:
    folder = ROW.model_copy(update={"kind": ItemKind.FOLDER, "procore_version": None, "sp_quickxor": None})
    kept = plan(PlanInput(None, folder_state(folder, procore=False, changed_below=True), agreed_pair(folder)))
    assert [(a.kind, a.target, a.conflict) for a in kept.actions] == [(ActionKind.RESTORE, Side.PROCORE, True)]
    gone = plan(PlanInput(folder_state(folder, procore=True, changed_below=False), None, agreed_pair(folder)))
    assert [(a.kind, a.target) for a in gone.actions] == [(ActionKind.DELETE, Side.PROCORE)]
    one_way = plan(PlanInput(None, folder_state(folder, procore=False, changed_below=True), agreed_pair(folder),
                             Policy(mode=Mode.ONE_WAY)))
    assert [(a.kind, a.conflict) for a in one_way.actions] == [(ActionKind.RECORD_ONLY, True)]


def test_a_rename_is_timed_by_the_items_own_change_and_the_newer_rename_wins() -> None:
    renamed = _procore(name="Plan P.pdf", at=T0).model_copy(update={"changed_at": T0 + timedelta(hours=2)})
    assert _state(procore_state(renamed, ROW)).modified == T0   # content time
    assert _state(procore_state(renamed, ROW, metadata=True)).modified == T0 + timedelta(hours=2)
    sp = sharepoint_state(_sp(name="Plan S.pdf", at=T0 + timedelta(hours=1)), ROW, by_us=False)
    meta = plan_metadata(PlanInput(procore_state(renamed, ROW, metadata=True), sp, agreed_pair(ROW)))
    assert [(a.kind, a.target, a.name) for a in meta.actions] == [(ActionKind.RENAME, Side.SHAREPOINT, "Plan P.pdf")]
    by_content_time = plan_metadata(PlanInput(procore_state(renamed, ROW), sp, agreed_pair(ROW)))
    assert [(a.kind, a.target) for a in by_content_time.actions] == [(ActionKind.RENAME, Side.PROCORE)]
