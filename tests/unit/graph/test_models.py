"""DriveItem.modified_by_app: whose write made an item's current state (the engine's own-write check)."""

from __future__ import annotations

import pytest

from shared.graph.models import DriveItem


@pytest.mark.parametrize(("by", "app"), [
    ({"application": {"id": "our-app"}, "user": {"displayName": "SharePoint App"}}, "our-app"),
    ({"user": {"id": "u1", "displayName": "A Person"}}, None),
    (None, None),
])
def test_modified_by_app(by: dict[str, object] | None, app: str | None) -> None:
    body: dict[str, object] = {"id": "01ABC", "name": "Report.docx"}
    if by is not None:
        body["lastModifiedBy"] = by
    assert DriveItem.model_validate(body).modified_by_app == app
