"""Everything one pipeline step needs about its link: rows, clients, and where follow-ups go.

A step loads its context from the message (tenant and link rows), so steps stay stateless; the lane
of the message picks the queues of its follow-up steps (initial-sync work never delays live work).
Never imports azure.functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from pydantic import BaseModel

from shared.graph.session import GraphSession
from shared.models.api import InitialSync, Mode, ToolKey, effective_tools
from shared.models.messages import Lane
from shared.models.rows import ItemRow, LinkRow, Stage, TenantRow
from shared.procore.client import ProcoreClient
from shared.runtime import Services
from shared.store.repositories import item_key
from shared.store.tables import Stored
from shared.tools import TOOLS
from shared.tools.base import ToolAdapter

ACTIVE_STAGES = frozenset({Stage.INITIAL_SYNC, Stage.REGULAR, Stage.PAUSED})


class Step:
    """Follow-up step families; each has a live and an initial-sync queue (except notify). Recording is
    not a step: the step that wrote records its outcome inline (runners/record.py)."""

    DETECT = "detect"
    TRANSFER = "transfer"
    METADATA = "metadata"
    NOTIFY = "notify"


@dataclass
class LinkContext:
    services: Services
    tenant: TenantRow
    link: LinkRow
    lane: Lane
    _items: dict[str, Stored[ItemRow] | None] = field(default_factory=dict)

    @cached_property
    def procore(self) -> ProcoreClient:
        return self.services.procore(self.tenant)

    @cached_property
    def graph(self) -> GraphSession:
        return self.services.graph(self.tenant)

    @property
    def drive_id(self) -> str:
        return self.link.drive_id

    def adapter(self, tool: ToolKey) -> ToolAdapter:
        return TOOLS[tool]

    def meets_sharepoint_first(self, tool: ToolKey) -> bool:
        """Does the tool's initial sync meet SharePoint's items of the same path before it writes (the
        initial lane of a from-SharePoint link, a two-way tool that takes part in one)?"""
        return self.lane is Lane.INITIAL and self.link.initial_sync is InitialSync.FROM_SHAREPOINT \
            and self.modes.get(tool) is Mode.TWO_WAY and TOOLS[tool].capabilities.from_sharepoint

    @property
    def modes(self) -> dict[ToolKey, Mode]:
        """The link's tool modes as the engine applies them (a one-way tenant caps two-way at one-way)."""
        return effective_tools(self.link.tools, self.tenant.settings.direction)

    def queue(self, step: str) -> str:
        s = self.services.settings
        initial = self.lane is Lane.INITIAL
        return {
            Step.DETECT: s.queue_initial_sync if initial else s.queue_live,
            Step.TRANSFER: s.queue_transfer_initial if initial else s.queue_transfer,
            Step.METADATA: s.queue_metadata_initial if initial else s.queue_metadata,
            Step.NOTIFY: s.queue_notify,
        }[step]

    def send(self, step: str, message: BaseModel, delay_s: float = 0) -> None:
        self.services.queues.send(self.queue(step), message, delay_s=delay_s)

    def item(self, tool: ToolKey, procore_id: str, *, fresh: bool = False) -> Stored[ItemRow] | None:
        """The items row (cached for the step unless `fresh`)."""
        key = item_key(tool.value, procore_id)
        if fresh or key not in self._items:
            self._items[key] = self.services.repos.items.get(self.link.link_id, key)
        return self._items[key]

    def forget_cached(self, tool: ToolKey, procore_id: str) -> None:
        self._items.pop(item_key(tool.value, procore_id), None)

    def reload_link(self) -> LinkRow:
        stored = self.services.repos.links.get(self.link.tenant_id, self.link.link_id)
        if stored is not None:
            self.link = stored.row
        return self.link


def load_context(services: Services, tenant_id: str, link_id: str, lane: Lane) -> LinkContext | None:
    """The step's context, or None when the link is gone or stopped (the message is dropped).

    A paused link still gets a context: the dispatcher defers its work instead of dropping it."""
    link = services.repos.links.get(tenant_id, link_id)
    tenant = services.repos.get_tenant(tenant_id)
    if link is None or tenant is None or link.row.stage not in ACTIVE_STAGES:
        return None
    return LinkContext(services, tenant.row, link.row, lane)
