"""azd postprovision hook: wait until the app's identity can use its storage roles before azd deploys.

With shared keys off, the Flex deployment writes the package to the blob container as the app's identity,
and a first `azd up` fails with 403 (InaccessibleStorageException) while that fresh role assignment
propagates (Azure/azure-dev#8026; RBAC changes take minutes). This hook retries one call the app can only
answer through that identity's data-plane roles: listing the host keys (the host reads and writes them in
its blob storage with the same identity). It waits at most PCSYNC_ROLE_WAIT_S, then lets azd go on and
says what to do if the deploy still meets the 403: `azd deploy` again.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping

import arm_client

SITES_API = "2024-04-01"
WAIT_ENV = "PCSYNC_ROLE_WAIT_S"
POLL_ENV = "PCSYNC_ROLE_POLL_S"
DEFAULT_WAIT_S = 300.0
POLL_S = 10.0
RETRY_ADVICE = ("if `azd deploy` then fails with 403 InaccessibleStorageException, the role has not propagated "
                "yet: wait a minute and run `azd deploy` again (it is idempotent)")


def ready(answer: arm_client.Answer) -> bool:
    """Did the host answer with its keys (so it reached its storage with the app identity)?"""
    return answer.status == 200 and isinstance(answer.body, dict) and "masterKey" in answer.body


def wait(probe: Callable[[], arm_client.Answer], deadline_s: float, poll_s: float = POLL_S,
         clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
         ) -> tuple[bool, arm_client.Answer]:
    """Probe until ready or the deadline; (ready, last answer)."""
    end = clock() + deadline_s
    while True:
        answer = probe()
        if ready(answer) or clock() + poll_s > end:
            return ready(answer), answer
        sleep(poll_s)


def main(env: Mapping[str, str]) -> int:
    subscription, group = env.get("AZURE_SUBSCRIPTION_ID", ""), env.get("AZURE_RESOURCE_GROUP", "")
    app = env.get("AZURE_FUNCTION_APP_NAME", "")
    if not (subscription and group and app):
        print(f"wait_for_roles: provisioning outputs missing; {RETRY_ADVICE}", file=sys.stderr)
        return 0
    bearer = arm_client.token()
    path = (f"/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Web/sites/{app}"
            f"/host/default/listkeys?api-version={SITES_API}")
    deadline = float(env.get(WAIT_ENV) or DEFAULT_WAIT_S)
    started = time.monotonic()
    ok, last = wait(lambda: arm_client.call("POST", path, bearer), deadline, float(env.get(POLL_ENV) or POLL_S))
    if ok:
        print(f"wait_for_roles: the app identity reaches its storage ({time.monotonic() - started:.0f} s)")
    else:
        print(f"wait_for_roles: no answer through the app identity after {deadline:.0f} s (last HTTP {last.status}); "
              f"{RETRY_ADVICE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(os.environ))
