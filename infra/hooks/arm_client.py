"""The smallest Azure Resource Manager client the azd hooks need: a token from `azd auth token` (so no Azure
CLI is required) and JSON over HTTPS with the standard library. The hooks run on the operator's machine
before and after `azd provision`; they are not part of the function app (.funcignore drops infra/).
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

ARM_URL_ENV = "PCSYNC_ARM_URL"          # tests point the hooks at a local stand-in
DEFAULT_ARM_URL = "https://management.azure.com"
AZD_ENV = "PCSYNC_AZD"                  # the azd executable (tests: a stand-in script)
TIMEOUT_S = 30


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any


def arm_url() -> str:
    return os.environ.get(ARM_URL_ENV, DEFAULT_ARM_URL).rstrip("/")


def azd(*args: str) -> str:
    """Run azd (the one that runs this hook) and return its stdout; a failure is the hook's failure."""
    proc = subprocess.run([os.environ.get(AZD_ENV, "azd"), *args], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise SystemExit(f"`azd {' '.join(args)}` failed: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout


def token() -> str:
    """An ARM access token of whoever is signed in to azd."""
    answer = json.loads(azd("auth", "token", "--output", "json"))
    value = answer.get("token") if isinstance(answer, dict) else None
    if not value:
        raise SystemExit("`azd auth token` returned no token: run `azd auth login`")
    return str(value)


def call(method: str, path: str, bearer: str) -> Answer:
    """One ARM call; any HTTP status comes back as an Answer (the hooks decide), network errors raise."""
    request = urllib.request.Request(f"{arm_url()}{path}", method=method,
                                     headers={"Authorization": f"Bearer {bearer}", "Accept": "application/json"},
                                     data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            return Answer(response.status, _json(response.read()))
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, _json(exc.read()))


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except json.JSONDecodeError:
        return raw.decode("utf-8", "replace")
