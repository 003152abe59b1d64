"""Operator decision on deletes the mass-delete breaker holds: release (apply) or discard (undo).

Discarding a delete copies the item back to the side where it was deleted, as a new item, so both
sides agree again and nothing is lost. Never imports azure.functions.
"""

from __future__ import annotations

from datetime import UTC, datetime

from shared.models.messages import FetchFile, Lane, ProcoreMetadata, SpMetadata, SpToProcore
from shared.models.rows import DeleteRow, LinkRow
from shared.runtime import Services
from shared.store.tables import Stored


def _items_of(services: Services, link: LinkRow) -> list[Stored[DeleteRow]]:
    return [d for d in services.repos.deletes.query(link.link_id) if d.row.state == "held"]


def decide_held(services: Services, link: LinkRow, action: str) -> int:
    """Apply `action` to every held delete of the link; returns how many there were."""
    s = services.settings
    held = _items_of(services, link)
    for stored in held:
        d = stored.row
        tool, _, procore_id = d.item_key.partition(":")
        common = {"tenant_id": link.tenant_id, "link_id": link.link_id, "lane": Lane.LIVE}
        item = services.repos.items.get(link.link_id, d.item_key)
        if action == "release":
            services.repos.deletes.replace(d.model_copy(update={"state": "released"}), stored.etag)
            if d.direction == "to_sharepoint":
                services.queues.send(s.queue_metadata, SpMetadata(**common, tool=tool, procore_id=procore_id,
                                                                  action="recycle"))
            elif d.sp_item_id:
                services.queues.send(s.queue_metadata, ProcoreMetadata(**common, tool=tool, sp_item_id=d.sp_item_id,
                                                                       action="recycle"))
            continue
        services.repos.deletes.replace(d.model_copy(update={"state": "discarded"}), stored.etag)
        if item is not None:  # forget the pair: the surviving side is copied back as a new item
            services.repos.items.delete(link.link_id, d.item_key)
        if d.sp_item_id:
            services.repos.items_by_sp.delete(link.link_id, d.sp_item_id)
        if d.direction == "to_sharepoint" and d.sp_item_id:
            services.queues.send(s.queue_transfer, SpToProcore(**common, tool=tool, sp_item_id=d.sp_item_id))
        elif d.direction == "to_procore":
            services.queues.send(s.queue_transfer, FetchFile(**common, tool=tool, procore_id=procore_id, version=""))

    def clear(current: LinkRow | None) -> LinkRow | None:
        if current is None:
            return None
        return current.model_copy(update={"deletes_held": False, "deletes_held_reason": None,
                                          "updated_at": datetime.now(UTC)})

    services.repos.links.mutate(link.tenant_id, link.link_id, clear)
    services.repos.record_activity(services.repos.new_activity(link.link_id, f"held_deletes_{action}d",
                                                               detail=f"{len(held)} deletes"))
    return len(held)
