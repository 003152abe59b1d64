"""Operator decision on deletes the mass-delete breaker holds: release (apply) or discard (undo).

Discarding a delete copies the item back to the side where it was deleted, as a new item, so both
sides agree again and nothing is lost. A release approves the whole burst of deletes, the part still
arriving included (shared.sync.guards). Never imports azure.functions.
"""

from __future__ import annotations

from datetime import UTC, datetime

from shared.models.messages import FetchFile, Lane, ProcoreMetadata, SpMetadata, SpToProcore
from shared.models.rows import DeleteRow, LinkRow
from shared.runtime import Services
from shared.store.tables import Stored


def _items_of(services: Services, link: LinkRow) -> list[Stored[DeleteRow]]:
    return [d for d in services.repos.deletes.query(link.link_id) if d.row.state == "held"]


def _clear(services: Services, link: LinkRow, released_at: datetime | None) -> None:
    def clear(current: LinkRow | None) -> LinkRow | None:
        if current is None:
            return None
        update: dict[str, object] = {"deletes_held": False, "deletes_held_reason": None,
                                     "updated_at": datetime.now(UTC)}
        if released_at is not None and current.deletes_held:   # a release with nothing held approves nothing
            update["deletes_released_at"] = released_at
        return current.model_copy(update=update)

    services.repos.links.mutate(link.tenant_id, link.link_id, clear)


def _decide(services: Services, link: LinkRow, key: str, state: str) -> bool:
    """Move one held delete to `state`; False when it is no longer held (decided meanwhile)."""

    def change(current: DeleteRow | None) -> DeleteRow | None:
        return current.model_copy(update={"state": state}) if current and current.state == "held" else None

    return services.repos.deletes.mutate_won(link.link_id, key, change)


def decide_held(services: Services, link: LinkRow, action: str) -> int:
    """Apply `action` to every held delete of the link; returns how many there were.

    A release clears the hold first and records when, so deletes of the same burst arriving from
    now on are applied (breaker.admit_delete), and only then releases the held ones (a delete held
    concurrently is either seen here or releases itself on seeing the cleared hold)."""
    s = services.settings
    if action == "release":
        _clear(services, link, datetime.now(UTC))
    held = _items_of(services, link)
    count = 0
    for stored in held:
        d = stored.row
        tool, _, procore_id = d.item_key.partition(":")
        common = {"tenant_id": link.tenant_id, "link_id": link.link_id, "lane": Lane.LIVE}
        if action == "release":
            if not _decide(services, link, d.item_key, "released"):
                continue
            count += 1
            if d.direction == "to_sharepoint":
                services.queues.send(s.queue_metadata, SpMetadata(**common, tool=tool, procore_id=procore_id,
                                                                  action="recycle"))
            elif d.sp_item_id:
                services.queues.send(s.queue_metadata, ProcoreMetadata(**common, tool=tool, sp_item_id=d.sp_item_id,
                                                                       action="recycle"))
            continue
        if not _decide(services, link, d.item_key, "discarded"):
            continue
        count += 1
        item = services.repos.items.get(link.link_id, d.item_key)
        if item is not None:  # forget the pair: the surviving side is copied back as a new item
            services.repos.items.delete(link.link_id, d.item_key)
        if d.sp_item_id:
            services.repos.items_by_sp.delete(link.link_id, d.sp_item_id)
        if d.direction == "to_sharepoint" and d.sp_item_id:
            services.queues.send(s.queue_transfer, SpToProcore(**common, tool=tool, sp_item_id=d.sp_item_id))
        elif d.direction == "to_procore":
            services.queues.send(s.queue_transfer, FetchFile(**common, tool=tool, procore_id=procore_id, version=""))

    if action != "release":
        _clear(services, link, None)
    services.repos.record_activity(services.repos.new_activity(link.link_id, f"held_deletes_{action}d",
                                                               detail=f"{count} deletes"))
    return count
