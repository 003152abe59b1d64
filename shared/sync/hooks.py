"""A link's change feeds as both sides of their life see them: registration at onboarding
(shared.onboarding.registration) and the renewal step (runners/renew.py) share these names, URLs,
row keys and secret hashes, so no runner needs to import shared.onboarding. Pure (the tool registry read
for capabilities); never imports azure.functions.
"""

from __future__ import annotations

import hashlib
import hmac

from shared.models.api import Mode, ToolKey
from shared.tools import TOOLS  # the registry (the adapters' capabilities), not a tool module

HOOK_NAMESPACE = "procore-sharepoint-sync"
GRAPH_DELTA_CURSOR = "graph_delta"


def procore_receiver_url(base_url: str, tenant_id: str, link_id: str) -> str:
    return f"{base_url}/api/webhooks/procore/{tenant_id}/{link_id}"


def graph_receiver_url(base_url: str) -> str:
    return f"{base_url}/api/webhooks/graph"


def hook_key(tenant_id: str, hook_id: int) -> str:
    """The SubscriptionRow id of a Procore hook: hook ids are unique only within one Procore
    environment (and emulator), while the subscriptions table is shared by every tenant."""
    return f"{tenant_id}:{hook_id}"


def secret_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def secret_matches(presented: str | None, stored_hash: str) -> bool:
    """Constant-time comparison of a presented secret with a stored SHA-256."""
    return hmac.compare_digest(secret_hash(presented or ""), stored_hash)


def needs_graph(tools: dict[ToolKey, Mode]) -> bool:
    """SharePoint-side changes matter to two-way tools; to two-way-capable tools set one-way (their
    SharePoint copies are watched so a person's change is logged and a deleted copy restored); and to one-way
    tools with derived items (a record's PDF or attachment a person deleted is put back: runners/detect_sp.py)."""
    return any(mode is Mode.TWO_WAY or (mode is Mode.ONE_WAY and (TOOLS[tool].capabilities.two_way or (
        TOOLS[tool].capabilities.available and TOOLS[tool].capabilities.derived_items)))
               for tool, mode in tools.items())
