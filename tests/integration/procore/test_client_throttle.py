"""Rate limits through the client: a 429 storm is waited out without hitting the limit again; 503
switch; long waits become errors.Throttled; the throttle state is observable and shareable."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from emulators.procore.server import RunningEmulator
from shared import errors
from shared.procore.client import ProcoreClient
from shared.procore.retry import RetryPolicy
from shared.procore.throttle import ThrottleGate, ThrottleState

from .conftest import control_of

APP = "pcsync-app-client"


def test_429_storm_waits_and_never_exceeds_the_limit_again(
        fresh_emu: RunningEmulator, client_factory: Callable[..., ProcoreClient]) -> None:
    control = control_of(fresh_emu)
    control.config(rate_spike_limit=6, rate_spike_window_s=1)
    client = client_factory("app", target=fresh_emu)
    token = client.session.tokens.token()
    headers = {"Authorization": f"Bearer {token}", "Procore-Company-Id": "1"}
    for _ in range(6):                    # someone else (another worker) used the window up
        assert httpx.get(fresh_emu.base_url + "/rest/v1.0/me", headers=headers).status_code == 200
    started = time.monotonic()
    for _ in range(14):
        client.directory.me()
    elapsed = time.monotonic() - started
    statuses = control.statuses(APP, "/rest/v1.0/me")
    assert statuses.get("429") == 1                    # the first call learned the state, then no more
    assert statuses.get("200") == 6 + 14
    assert elapsed >= 2.0                              # 14 calls at 6 per second need 3 windows
    assert client.throttle.waited_s > 0


def test_503_switch_is_retried_after_retry_after(fresh_emu: RunningEmulator,
                                                 client_factory: Callable[..., ProcoreClient]) -> None:
    control = control_of(fresh_emu)
    client = client_factory("app", target=fresh_emu)
    client.directory.me()
    control.post("/unavailable", {"count": 2, "retry_after": 1})
    started = time.monotonic()
    assert client.directory.me().id == 2001
    assert time.monotonic() - started >= 1.9
    assert control.statuses(APP, "/rest/v1.0/me").get("503") == 2


def test_long_retry_after_raises_throttled_for_the_queue(fresh_emu: RunningEmulator,
                                                         client_factory: Callable[..., ProcoreClient]) -> None:
    control = control_of(fresh_emu)
    client = client_factory("app", target=fresh_emu, policy=RetryPolicy(max_inline_wait_s=2))
    control.post("/unavailable", {"count": 1, "retry_after": 30})
    with pytest.raises(errors.Throttled) as caught:
        client.directory.me()
    assert caught.value.retry_after is not None and 29 <= caught.value.retry_after <= 31
    with pytest.raises(errors.Throttled):              # the gate remembers: no call is made meanwhile
        client.directory.me()
    assert control.statuses(APP, "/rest/v1.0/me").get("503") == 1


def test_injected_faults_are_retried(fresh_emu: RunningEmulator,
                                     client_factory: Callable[..., ProcoreClient]) -> None:
    control = control_of(fresh_emu)
    client = client_factory("app", target=fresh_emu, policy=RetryPolicy(max_attempts=8, base_backoff_s=0.01,
                                                                          max_inline_wait_s=10))
    control.post("/faults", {"error_rate": 0.3, "statuses": [500, 502], "seed": 7})
    for _ in range(10):
        client.directory.me()
    statuses = control.statuses(APP, "/rest/v1.0/me")
    assert statuses.get("200") == 10 and statuses.get("500", 0) + statuses.get("502", 0) > 0
    control.post("/faults", {"error_rate": 0})


def test_throttle_state_is_observable_and_can_be_shared(fresh_emu: RunningEmulator,
                                                        client_factory: Callable[..., ProcoreClient]) -> None:
    control_of(fresh_emu).config(rate_spike_limit=50)
    saved: list[ThrottleState] = []
    client = client_factory("app", target=fresh_emu, throttle=ThrottleGate(on_change=saved.append))
    client.directory.me()
    state = client.throttle.snapshot()
    assert state.limit == 50 and state.remaining == 49 and state.reset_at and state.reset_at > time.time()
    assert saved[-1] == state
    roundtrip = ThrottleState.model_validate_json(state.model_dump_json())
    other = ThrottleGate()
    other.merge(roundtrip.model_copy(update={"blocked_until": time.time() + 60}))
    assert other.acquire(time.time()) > 50          # another worker learned we must wait
