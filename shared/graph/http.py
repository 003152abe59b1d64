"""The one factory for the Graph httpx.Client (trust, timeouts, pooling, User-Agent).

Everything that talks to Microsoft (Graph calls, MSAL's token requests, upload/download URLs) uses
a client from here, so trust (system CAs plus an optional extra CA such as the emulator's) and
traffic decoration are decided in one place. Tests may pass their own httpx transport.
"""

from __future__ import annotations

import ssl

import httpx

from shared.graph.config import GraphConfig

MAX_CONNECTIONS = 20


def ssl_context(ca_file: str | None) -> ssl.SSLContext:
    ctx = httpx.create_ssl_context(trust_env=False)   # httpx's default trust store
    if ca_file:
        ctx.load_verify_locations(cafile=ca_file)
    return ctx


def make_http_client(config: GraphConfig, transport: httpx.BaseTransport | None = None, *,
                     keepalive: bool = True) -> httpx.Client:
    """keepalive=False for rare callers (token requests): no idle sockets left in a pool."""
    keep = MAX_CONNECTIONS if keepalive else 0
    return httpx.Client(
        verify=ssl_context(config.ca_file),
        timeout=httpx.Timeout(config.timeout_s, connect=config.connect_timeout_s),
        limits=httpx.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=keep),
        headers={"User-Agent": config.user_agent},
        follow_redirects=False,
        trust_env=False,
        transport=transport,
    )
