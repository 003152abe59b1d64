"""Issue 17, point 3: a first `azd up` waits for the app identity's storage roles before deploying.

The postprovision hook retries a call the app answers only through those roles (the host's keys, kept in
its blob storage) until it succeeds or its deadline passes; then azd goes on and the hook says how to
retry. Run against a local ARM stand-in over real HTTP; the wait loop with a fake clock.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.infra.hooks import FakeArm, load
from tests.infra.test_parse import _azure_yaml

SUB, GROUP, APP = "00000000-0000-0000-0000-0000000000cc", "rg-prod", "func-abc"
LISTKEYS = f"/subscriptions/{SUB}/resourceGroups/{GROUP}/providers/Microsoft.Web/sites/{APP}/host/default/listkeys"
ENV = {"AZURE_SUBSCRIPTION_ID": SUB, "AZURE_RESOURCE_GROUP": GROUP, "AZURE_FUNCTION_APP_NAME": APP,
       "PCSYNC_ROLE_POLL_S": "0.05"}
DENIED = (400, {"error": {"code": "BadRequest", "message": "Encountered an error (Forbidden) from host runtime."}})
KEYS = (200, {"masterKey": "m", "functionKeys": {"default": "f"}, "systemKeys": {}})


def test_it_waits_until_the_host_reaches_its_storage(arm: tuple[FakeArm, Path],
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    fake, _ = arm
    fake.routes[("POST", LISTKEYS)] = [DENIED, DENIED, KEYS]
    assert load("wait_for_roles").main({**ENV, "PCSYNC_ROLE_WAIT_S": "30"}) == 0
    assert [m for m, p, _ in fake.calls if p.startswith(LISTKEYS)] == ["POST"] * 3
    assert "reaches its storage" in capsys.readouterr().out


def test_past_its_deadline_it_lets_azd_go_on_and_says_how_to_retry(arm: tuple[FakeArm, Path],
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    fake, _ = arm
    fake.routes[("POST", LISTKEYS)] = [DENIED]
    assert load("wait_for_roles").main({**ENV, "PCSYNC_ROLE_WAIT_S": "0.3"}) == 0
    assert len(fake.calls) >= 2, "it retried"
    assert "run `azd deploy` again" in capsys.readouterr().err


def test_the_wait_stops_at_its_deadline() -> None:
    hook = load("wait_for_roles")
    client = load("arm_client")
    now = [0.0]
    answers = [client.Answer(403, None)] * 100
    ok, last = hook.wait(lambda: answers.pop(), deadline_s=60, poll_s=10, clock=lambda: now[0],
                         sleep=lambda s: now.__setitem__(0, now[0] + s))
    assert not ok and last.status == 403 and len(answers) == 100 - 7 and now[0] <= 60  # t = 0, 10, ... 60
    assert not hook.ready(client.Answer(200, {"functionKeys": {}})), "keys without the master key: host not up"


def test_azd_runs_it_after_provisioning() -> None:
    hooks = _azure_yaml()["hooks"]
    assert isinstance(hooks, dict)
    for platform in ("posix", "windows"):
        assert hooks["postprovision"][platform]["run"].endswith("infra/hooks/wait_for_roles.py")  # type: ignore[index]
