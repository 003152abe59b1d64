"""Each tool's `web_url` (the item's page in Procore's web app, for the dashboard and the status API): a record
and every part of it open the record's page on the web app's host, a drawing its current revision, and a tool
without a known address (Documents, Photos, a tool not synced yet) gives none rather than a guess."""

from __future__ import annotations

import pytest

from shared.models.api import ToolKey
from shared.models.rows import ItemKind
from shared.procore.scope import Scope
from shared.tools import TOOLS
from shared.tools.base import SourceItem

PROJECT = Scope.project(562949953421312)
API = "https://api.procore.com"


def _item(tool: ToolKey, procore_id: str, kind: ItemKind = ItemKind.FILE, version: str | None = None) -> SourceItem:
    return SourceItem(tool=tool, procore_id=procore_id, kind=kind, name="x", parent_id=None, version=version)


@pytest.mark.parametrize(("tool", "path"), [
    (ToolKey.RFIS, "/562949953421312/project/rfi/show/12"),
    (ToolKey.SUBMITTALS, "/562949953421312/project/submittal_logs/12"),
    (ToolKey.OBSERVATIONS, "/562949953421312/project/observations/items/12"),
    (ToolKey.INSPECTIONS, "/562949953421312/project/checklists/lists/12"),
])
def test_a_record_and_its_parts_open_the_record_page(tool: ToolKey, path: str) -> None:
    adapter = TOOLS[tool]
    for procore_id, kind in (("12", ItemKind.FILE), ("12:pdf", ItemKind.FILE), ("12:attachments", ItemKind.FOLDER),
                             ("12:attachment:99", ItemKind.FILE)):
        assert adapter.web_url(PROJECT, _item(tool, procore_id, kind), api_base=API) == "https://app.procore.com" + path
    # the emulator's (or a sandbox's) address keeps its host: only an `api.` host becomes the web app's
    assert adapter.web_url(PROJECT, _item(tool, "12:pdf"), api_base="http://127.0.0.1:8123") == (
        "http://127.0.0.1:8123" + path)
    assert adapter.web_url(Scope.company(1), _item(tool, "12"), api_base=API) is None


def test_a_drawing_opens_its_current_revision() -> None:
    drawings = TOOLS[ToolKey.DRAWINGS]
    assert drawings.web_url(PROJECT, _item(ToolKey.DRAWINGS, "40", version="7001"), api_base=API) == (
        "https://app.procore.com/562949953421312/project/drawing_log/view_fullscreen/7001")
    assert drawings.web_url(PROJECT, _item(ToolKey.DRAWINGS, "40"), api_base=API) is None     # no revision known
    assert drawings.web_url(PROJECT, _item(ToolKey.DRAWINGS, "area:3", ItemKind.FOLDER), api_base=API) is None


@pytest.mark.parametrize("tool", [ToolKey.DOCUMENTS, ToolKey.PHOTOS])
def test_documents_and_photos_give_no_guessed_address(tool: ToolKey) -> None:
    for kind in ItemKind:
        assert TOOLS[tool].web_url(PROJECT, _item(tool, "5", kind, version="9"), api_base=API) is None


def test_every_tool_answers() -> None:
    for tool, adapter in TOOLS.items():
        url = adapter.web_url(PROJECT, _item(tool, "12", version="3"), api_base=API)
        assert url is None or url.startswith("https://app.procore.com/562949953421312/project/"), (tool, url)
