"""A SharePoint change is attributed to a tool by the engine without naming one (issue 12 point 3):
its twin's tool, the tool whose SharePoint folder or mapped folder holds it, or the link's only two-way
tool, or with several two-way tools the one whose folder holds it up the SharePoint path; every follow-up
message carries that tool. Against Azurite (items rows, queues) and the Graph emulator."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from shared.graph import items as sp_items
from shared.models.api import Mode, ToolKey
from shared.models.messages import Lane, SpChange
from shared.models.rows import ItemKind, ItemRow, ItemState, LinkRow, ToolRootState
from shared.store.repositories import ItemBySpRow, item_key
from shared.sync.context import LinkContext, load_context
from shared.sync.runners.detect_sp import sp_change, sp_tool
from tests.integration.safety.conftest import Env

DOCS_ROOT, PHOTOS_ROOT = "SP-DOCS-ROOT", "SP-PHOTOS-ROOT"


def _context(env: Env, link: LinkRow, **modes: Mode) -> LinkContext:
    ctx = load_context(env.services, link.tenant_id, link.link_id, Lane.LIVE)
    assert ctx is not None
    roots = {ToolKey.DOCUMENTS: ToolRootState(procore_id="1", sp_item_id=DOCS_ROOT, sp_folder_name="Documents"),
             ToolKey.PHOTOS: ToolRootState(procore_id="2", sp_item_id=PHOTOS_ROOT, sp_folder_name="Photos")}
    ctx.link = ctx.link.model_copy(update={"tool_roots": roots,
                                           "tools": {**ctx.link.tools, **{ToolKey(k): v for k, v in modes.items()}}})
    return ctx


def _twin(env: Env, link: LinkRow, tool: ToolKey, sp_item_id: str) -> ItemRow:
    row = ItemRow(link_id=link.link_id, tool=tool, procore_id=uuid.uuid4().hex[:8], kind=ItemKind.FOLDER,
                  state=ItemState.SYNCED, procore_name="Folder", sp_item_id=sp_item_id, updated_at=datetime.now(UTC))
    env.repos.items.upsert(row)
    env.repos.items_by_sp.upsert(ItemBySpRow(link_id=link.link_id, sp_item_id=sp_item_id,
                                             item_key=item_key(tool.value, row.procore_id)))
    return row


def test_the_tool_of_a_sharepoint_item(env: Env) -> None:
    link = env.new_link(documents="two_way")
    ctx = _context(env, link)
    photo_folder = _twin(env, link, ToolKey.PHOTOS, f"P-{uuid.uuid4().hex[:6]}")
    assert sp_tool(ctx, photo_folder, None) is ToolKey.PHOTOS                       # its twin's tool
    assert sp_tool(ctx, None, DOCS_ROOT) is ToolKey.DOCUMENTS                      # in the tool's folder
    assert sp_tool(ctx, None, photo_folder.sp_item_id) is ToolKey.PHOTOS          # in a mapped folder
    assert sp_tool(ctx, None, "NOT-MIRRORED-YET") is ToolKey.DOCUMENTS           # the only two-way tool
    both = _context(env, link, photos=Mode.TWO_WAY)
    assert sp_tool(both, None, PHOTOS_ROOT) is ToolKey.PHOTOS
    assert sp_tool(both, None, "NOT-MIRRORED-YET") is None                       # ambiguous: not guessed
    assert sp_tool(_context(env, link, documents=Mode.ONE_WAY), None, "NOT-MIRRORED-YET") is None


def test_follow_ups_carry_the_tool_and_a_one_way_tool_ignores_sharepoint(env: Env) -> None:
    link = env.new_link(documents="two_way")
    env.take(env.services.settings.queue_initial_sync)
    change = SpChange(tenant_id=link.tenant_id, link_id=link.link_id, sp_item_id=f"F-{uuid.uuid4().hex[:6]}",
                      is_folder=True, name="New folder", parent_id=DOCS_ROOT, etag="e1")
    assert sp_change(_context(env, link, documents=Mode.ONE_WAY), change) == []
    assert env.take(env.services.settings.queue_metadata) == []
    assert sp_change(_context(env, link), change)
    sent = env.take(env.services.settings.queue_metadata)
    assert [(m["kind"], m["tool"], m["sp_item_id"]) for m in sent] == [
        ("procore_metadata", "documents", change.sp_item_id)]


def test_with_two_two_way_tools_a_new_item_finds_its_tool_through_its_folders(env: Env) -> None:
    """Documents and Photos both two-way: an item below folders not mirrored yet is attributed by reading
    its ancestors in SharePoint up to a tool's folder (not guessed); none found: nothing is done."""
    link = env.new_link(documents="two_way", photos="two_way")
    ctx = _context(env, link, photos=Mode.TWO_WAY)
    graph, drive = ctx.graph, env.site["drive_id"]
    root = sp_items.ensure_folder(graph, drive, "root", f"Tools {uuid.uuid4().hex[:6]}")
    photos_root = sp_items.ensure_folder(graph, drive, root.id, "Photos")
    album = sp_items.ensure_folder(graph, drive, photos_root.id, "New album")
    nested = sp_items.ensure_folder(graph, drive, album.id, "Inside")
    ctx.link = ctx.link.model_copy(update={"tool_roots": {
        **ctx.link.tool_roots, ToolKey.PHOTOS: ToolRootState(procore_id="albums", sp_item_id=photos_root.id,
                                                             sp_folder_name="Photos")}})
    assert sp_tool(ctx, None, nested.id) is ToolKey.PHOTOS          # two levels below the Photos folder
    assert sp_tool(ctx, None, root.id) is None                      # outside every tool's folder
    change = SpChange(tenant_id=link.tenant_id, link_id=link.link_id, sp_item_id=f"F-{uuid.uuid4().hex[:6]}",
                      is_folder=True, name="Deeper", parent_id=nested.id, etag="e1")
    assert sp_change(ctx, change)
    sent = env.take(env.services.settings.queue_metadata)
    assert [(m["tool"], m["sp_item_id"]) for m in sent] == [("photos", change.sp_item_id)]
