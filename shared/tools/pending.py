"""Tools of contract §4 the product cannot sync yet, registered as what is known of them: their key,
modes, capabilities (`available=False`) and webhook resource names.

The engine and onboarding check `capabilities.available` first (refused with 422 tool_not_available,
shown "not available" in the link status, no triggers registered), so the sync methods below are never
reached; if one were, it fails loudly instead of doing anything. Never imports azure.functions.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import NoReturn

from shared import errors
from shared.models.api import TWO_WAY_TOOLS, Mode, ToolKey
from shared.models.rows import ItemKind, LinkRow
from shared.procore.client import ProcoreClient
from shared.procore.scope import Scope
from shared.safety.watermark import Changed
from shared.tools.base import Capabilities, SourceItem, SourcePage, ToolRoot, VersionOrder, compare_tokens

# Procore webhook resource names per tool (reference procore-api.md §8.2); names are case- and
# space-sensitive.
RESOURCES: dict[ToolKey, tuple[str, ...]] = {
    ToolKey.PHOTOS: ("Images", "Image Categories"),
    ToolKey.RFIS: ("RFIs", "RFI Replies"),
    ToolKey.SUBMITTALS: ("Submittals", "Submittal Packages"),
    ToolKey.DRAWINGS: ("Drawings", "Drawing Sets", "Drawing Areas", "Drawing Uploads"),
    ToolKey.FORMS: ("Forms",),
    ToolKey.OBSERVATIONS: ("Observation Items", "Observation Item Response Logs"),
    ToolKey.INSPECTIONS: ("Inspection Checklists", "Inspection Logs"),
    ToolKey.INCIDENTS: ("Incidents",),
    ToolKey.COMMITMENTS: ("Work Order Contracts", "Work Order Contract Line Items", "Purchase Order Contracts",
                          "Purchase Order Contract Line Items"),
}


class PendingTool:
    """A tool known by name only: every sync method raises (the engine never calls them)."""

    def __init__(self, key: ToolKey, resources: tuple[str, ...]) -> None:
        two_way = key in TWO_WAY_TOOLS
        self.key = key
        self.title = key.value.capitalize()
        self.allowed_modes = frozenset({Mode.TWO_WAY, Mode.ONE_WAY, Mode.OFF} if two_way else {Mode.ONE_WAY, Mode.OFF})
        self.capabilities = Capabilities(available=False, two_way=two_way, tree=False,
                                         versioned=key is not ToolKey.PHOTOS, derived_items=not two_way)
        self._resources = resources

    def _unavailable(self) -> NoReturn:
        raise errors.InvariantBroken(f"the {self.key.value} tool cannot sync yet (capabilities.available is False)")

    def root(self, client: ProcoreClient, link: LinkRow) -> ToolRoot:
        self._unavailable()

    def list_page(self, client: ProcoreClient, link: LinkRow, page: int) -> SourcePage:
        self._unavailable()

    def get(self, client: ProcoreClient, link: LinkRow, procore_id: str, kind: ItemKind) -> SourceItem | None:
        self._unavailable()

    def children(self, client: ProcoreClient, link: LinkRow, container_id: str) -> list[SourceItem]:
        self._unavailable()

    def fetch(self, client: ProcoreClient, link: LinkRow, item: SourceItem) -> Iterator[bytes]:
        self._unavailable()

    def parts(self, client: ProcoreClient, link: LinkRow, item: SourceItem) -> list[SourceItem]:
        self._unavailable()

    def compare_versions(self, candidate: str, recorded: str) -> VersionOrder:
        return compare_tokens(candidate, recorded)

    def changes(self, client: ProcoreClient, link: LinkRow, since: datetime, until: datetime) -> Iterator[Changed]:
        self._unavailable()

    def check_access(self, client: ProcoreClient, scope: Scope) -> None:
        self._unavailable()

    def webhook_resources(self, *, company: bool) -> tuple[str, ...]:
        return () if company else self._resources

    def owns_resource(self, resource_name: str) -> bool:
        return resource_name in self._resources

    def kind_of_resource(self, resource_name: str) -> ItemKind | None:
        return None  # nothing of this tool is synced, so no delivery names an item we handle

    def resource_name(self, link: LinkRow, kind: ItemKind) -> str:
        self._unavailable()

    def create_container(self, client: ProcoreClient, link: LinkRow, parent_id: str, name: str) -> SourceItem:
        self._unavailable()

    def create_content(self, client: ProcoreClient, link: LinkRow, parent_id: str, name: str,
                       upload_uuid: str) -> SourceItem:
        self._unavailable()

    def replace_content(self, client: ProcoreClient, link: LinkRow, procore_id: str, upload_uuid: str) -> SourceItem:
        self._unavailable()

    def move(self, client: ProcoreClient, link: LinkRow, procore_id: str, kind: ItemKind, *,
             name: str | None = None, parent_id: str | None = None) -> None:
        self._unavailable()

    def delete(self, client: ProcoreClient, link: LinkRow, procore_id: str, kind: ItemKind) -> None:
        self._unavailable()

    def sp_columns(self, item: SourceItem) -> dict[str, str]:
        return {}

    def web_url(self, scope: Scope, item: SourceItem, *, api_base: str) -> str | None:
        """A tool the product does not sync has no items to show."""
        return None
