"""Items marked private in Procore: skipped unless the tenant includes them (`include_private`).

A SharePoint site is usually readable by more people than a private record, so the default is to
leave such items out, each recorded as skipped with PRIVATE_REASON. Pure. Never imports azure.functions.
"""

from __future__ import annotations

from shared.models.api import TenantSettings
from shared.tools.base import SourceItem

PRIVATE_REASON = "private in Procore"


def private_skip(item: SourceItem, settings: TenantSettings) -> str | None:
    """The reason to skip `item` (None: copy it)."""
    return PRIVATE_REASON if item.private and not settings.include_private else None
