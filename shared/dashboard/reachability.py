"""Are Procore and Microsoft Graph reachable with the tenant's credentials, or throttling us, right now?

One cheap read each (Procore: the companies the app sees; Graph: the libraries of a linked site, else the
state unknown), its outcome cached per tenant for CACHE_S so a polling dashboard costs one probe per half
minute. Never imports azure.functions.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from shared import errors
from shared.dashboard.schemas import ServiceReachability
from shared.graph import sites
from shared.models.rows import LinkRow, TenantRow
from shared.runtime import Services

CACHE_S = 30.0
_cache: dict[str, tuple[float, list[ServiceReachability]]] = {}
_lock = threading.Lock()


def _probe(service: str, call: Callable[[], object]) -> ServiceReachability:
    started = time.monotonic()
    now = datetime.now(UTC)

    def answer(state: str, detail: str | None = None, retry: float | None = None) -> ServiceReachability:
        return ServiceReachability.model_validate({
            "service": service, "state": state, "detail": detail, "retry_after_s": retry,
            "latency_ms": int((time.monotonic() - started) * 1000), "checked_at": now})

    try:
        call()
    except errors.Throttled as exc:
        return answer("throttled", "the service asks us to slow down", exc.retry_after)
    except errors.TransientError as exc:
        return answer("unreachable", f"{type(exc).__name__}: the service did not answer", exc.retry_after)
    except (errors.BadCredentials, errors.PermissionDenied) as exc:
        return answer("refused", f"{type(exc).__name__}: check the tenant's credentials")
    except errors.SyncError as exc:
        return answer("unknown", type(exc).__name__)
    return answer("ok")


def probe_services(services: Services, tenant: TenantRow, links: list[LinkRow]) -> list[ServiceReachability]:
    """Both services' state for the tenant (cached for CACHE_S)."""
    site = next((link.site_id for link in links), None)
    cache_key = f"{tenant.tenant_id}|{site}"
    with _lock:
        hit = _cache.get(cache_key)
        if hit is not None and time.monotonic() - hit[0] < CACHE_S:
            return hit[1]
    result = [_probe("procore", lambda: services.procore(tenant).directory.companies())]
    if site is None:
        result.append(ServiceReachability(service="microsoft", state="unknown", detail="no linked site to read",
                                          checked_at=datetime.now(UTC)))
    else:
        result.append(_probe("microsoft", lambda: sites.list_drives(services.graph(tenant), site)))
    with _lock:
        _cache[cache_key] = (time.monotonic(), result)
    return result
