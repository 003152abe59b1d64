"""The one factory for the httpx.Client every Procore call goes through (the seam of R5).

Production passes nothing (real transport); unit tests pass an httpx.MockTransport; integration
tests point the client at the emulator's URLs. Redirects are never followed automatically: the
download code follows them itself so the token never leaves the API host.
"""

from __future__ import annotations

import httpx

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
DEFAULT_LIMITS = httpx.Limits(max_connections=32, max_keepalive_connections=16)
USER_AGENT = "pcsync-procore/0.1"


def create_http_client(
    *,
    transport: httpx.BaseTransport | None = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    verify: bool | str = True,
) -> httpx.Client:
    """An httpx.Client configured for Procore: no automatic redirects, bounded pool, our UA."""
    return httpx.Client(
        transport=transport,
        timeout=timeout,
        limits=DEFAULT_LIMITS,
        follow_redirects=False,
        verify=verify,
        headers={"User-Agent": USER_AGENT},
    )
