"""Tool adapters, one per Procore tool, in one explicit registry (style R8).

Tools of contract §4 without an adapter yet are not synced; the link status says so.
Never imports azure.functions.
"""

from __future__ import annotations

from shared.models.api import ToolKey
from shared.tools.base import ToolAdapter
from shared.tools.documents import DocumentsAdapter

TOOLS: dict[ToolKey, ToolAdapter] = {adapter.key: adapter for adapter in (DocumentsAdapter(),)}
