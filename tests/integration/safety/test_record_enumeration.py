"""The initial enumeration of a records tool against Azurite and the Graph emulator: each record is planned as
its parts (the PDF, the attachments folder and each attachment), the folder made in SharePoint by the
enumerating step itself ($batch, runners/tree.py `mirror_folders`) and every file sent to its transfer step.
The records tool is the in-memory one (tests/support/records_tool.py), so the test owns the records."""

from __future__ import annotations

from shared.graph import items as sp_items
from shared.models.api import ToolKey
from shared.models.messages import EnumeratePage, Lane
from shared.models.rows import ItemState, LinkRow, ToolRootState
from shared.sync.context import load_context
from shared.sync.runners.initial import enumerate_pages
from tests.integration.safety.conftest import Env
from tests.support.records_tool import ROOT_ID, Attachment, OneWayRecords, Record, RecordsContext

RFI = Record(12, 12, "Slab edge detail", "2026-03-01T09:00:00+00:00",
             (Attachment(345, "sketch.pdf", "2026-03-01T08:00:00+00:00"),
              Attachment(346, "photo.jpg", "2026-03-01T08:30:00+00:00")))


def test_the_initial_enumeration_plans_the_parts_of_each_record_and_makes_their_folders(env: Env) -> None:
    link = env.new_link(rfis="one_way")
    env.take(env.services.settings.queue_initial_sync)
    loaded = load_context(env.services, link.tenant_id, link.link_id, Lane.INITIAL)
    assert loaded is not None and link.root_item_id is not None
    rfis = sp_items.ensure_folder(loaded.graph, link.drive_id, link.root_item_id, "RFIs")

    def rooted(current: LinkRow | None) -> LinkRow | None:   # as start_initial_sync leaves the link
        assert current is not None
        return current.model_copy(update={"tool_roots": {ToolKey.RFIS: ToolRootState(
            procore_id=ROOT_ID, sp_item_id=rfis.id, sp_folder_name="RFIs")}})

    env.repos.links.mutate(link.tenant_id, link.link_id, rooted)
    ctx = RecordsContext(env.services, loaded.tenant, env.link(link.link_id), Lane.INITIAL,
                         tool=OneWayRecords(RFI, Record(13, 13, "Door hardware", "2026-03-01T10:00:00+00:00")))
    enumerate_pages(ctx, EnumeratePage(tenant_id=link.tenant_id, link_id=link.link_id, tool=ToolKey.RFIS, page=1))

    s = env.services.settings
    sent = [*env.take(s.queue_transfer_initial), *env.take(s.queue_metadata_initial)]
    files = sorted(f["procore_id"] for m in sent for f in ([m] if m["kind"] == "fetch_file" else
                                                          [b["fetch"] for b in m.get("files", [])]))
    assert files == ["12:attachment:345", "12:attachment:346", "12:pdf", "13:pdf"], sent
    assert not [m for m in sent if m["kind"] == "mirror_folder"], sent       # the folder was made in the step
    rows = {r.row.procore_id: r.row for r in env.repos.items.query(link.link_id)}
    assert sorted(rows) == ["12:attachment:345", "12:attachment:346", "12:attachments", "12:pdf", "13:pdf"]
    folder = rows["12:attachments"]
    assert folder.state is ItemState.SYNCED and folder.sp_item_id is not None and folder.sp_parent_id == rfis.id
    made = sp_items.get_item(ctx.graph, link.drive_id, folder.sp_item_id)
    assert made.name == folder.sp_name and made.is_folder
    assert {r.state for k, r in rows.items() if k != "12:attachments"} == {ItemState.PENDING}
