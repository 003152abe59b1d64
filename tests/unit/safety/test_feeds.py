"""Procore change feeds and hints: the resource_name an adapter gives an item kind maps back to that kind
(for project and company links), and every feed belongs to a registered tool."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.models.api import InitialSync, Mode, ToolKey
from shared.models.messages import DETECT, CheckLink, ReconcileLink, RenewLink
from shared.models.rows import ItemKind, LinkRow
from shared.safety.feeds import FEEDS
from shared.tools import TOOLS

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _link(project: int | None) -> LinkRow:
    return LinkRow(tenant_id="t", link_id="l", procore_company_id=1, procore_project_id=project, project_name="P",
                   site_id="s", drive_id="d", folder_path="f", initial_sync=InitialSync.STANDARD,
                   tools={ToolKey.DOCUMENTS: Mode.TWO_WAY}, created_at=NOW, updated_at=NOW)


@pytest.mark.parametrize("project", [101, None])
@pytest.mark.parametrize("kind", list(ItemKind))
def test_hint_resource_names_map_back_to_the_item_kind(project: int | None, kind: ItemKind) -> None:
    for adapter in TOOLS.values():
        name = adapter.resource_name(_link(project), kind)
        assert adapter.kind_of_resource(name) is kind
        assert name.startswith("Project " if project else "Company ")


def test_every_feed_is_a_registered_tool() -> None:
    assert set(FEEDS) <= set(TOOLS) and ToolKey.DOCUMENTS in FEEDS


def test_the_safety_messages_travel_on_the_detect_queue() -> None:
    for message in (RenewLink(tenant_id="t", link_id="l"), ReconcileLink(tenant_id="t", link_id="l", graph=False),
                    CheckLink(tenant_id="t", link_id="l")):
        assert DETECT.validate_json(message.model_dump_json()) == message
