"""`./dev stack --state-dir DIR`: Azurite + the emulators + the local Functions host, as one stack.

Each part is a child process; the stack writes DIR/stack.json (contract §2) once every part answers,
then waits for SIGINT/SIGTERM and stops the children in reverse order (the host first, so in-flight
messages finish). Children also get PR_SET_PDEATHSIG, so a killed stack never leaves orphans behind.
"""

from __future__ import annotations

import argparse
import base64
import ctypes
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from devhost.azurite import Azurite, start_azurite
from shared.config import setting_defaults

ROOT = Path(__file__).resolve().parents[1]
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0
# Emulators started when their package exists: stack.json key -> python module.
EMULATORS = {"procore": "emulators.procore", "graph": "emulators.graph"}


def _die_with_parent() -> None:
    """Linux: deliver SIGTERM to the child when the stack process dies, however it dies."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class Stack:
    """Starts and stops the stack's children; `describe()` is the stack.json content."""

    def __init__(self, state_dir: Path, *, master_key: str | None = None, seed_size: str = "demo",
                 host_env: dict[str, str] | None = None) -> None:
        self.state_dir = state_dir.resolve()
        self.seed_size = seed_size
        self.host_env = host_env or {}
        self.master_key = master_key or secrets.token_urlsafe(32)
        self.azurite: Azurite | None = None
        self.children: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.parts: dict[str, Any] = {}

    def start(self) -> dict[str, Any]:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.azurite = start_azurite(self.state_dir, in_memory=False, preexec_fn=_die_with_parent)
        for key, module in EMULATORS.items():
            if (ROOT / Path(*module.split(".")) / "__main__.py").exists():
                argv = [sys.executable, "-m", module, "--port", "0", "--data-dir", str(self.state_dir / key)]
                if key == "procore":
                    argv += ["--size", self.seed_size]
                self.parts[key] = self._start_child(key, argv)
        host = self._start_child(
            "host",
            [sys.executable, "-m", "devhost", "--script-root", str(ROOT), "--app", "function_app",
             "--port", "0", f"--master-key={self.master_key}"],
            env={"AzureWebJobsStorage": self.azurite.connection_string, **self._emulator_env(), **self.host_env},
        )
        self.parts["host"] = host
        return self.describe()

    def _emulator_env(self) -> dict[str, str]:
        """Settings the product needs on the local stack: the secret-store key (kept in the state dir so
        a restarted stack still reads its tenants' secrets) and trust in the emulators' CA."""
        key_file = self.state_dir / "local-secret.key"
        if not key_file.exists():
            key_file.write_text(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
            key_file.chmod(0o600)
        env = {**setting_defaults(), "PCSYNC_SECRET_STORE": "local",
               "PCSYNC_LOCAL_SECRET_KEY": key_file.read_text().strip()}
        mailbox = self.parts.get("graph", {}).get("mailbox")
        if mailbox:
            env["PCSYNC_MAIL_SENDER"] = mailbox
        ca_files = [p["ca_file"] for k, p in self.parts.items() if k in EMULATORS and p.get("ca_file")]
        if ca_files:
            env["PCSYNC_CA_FILE"] = ca_files[0]
        return env

    def _start_child(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
        ready = self.state_dir / f"{name}.ready.json"
        ready.unlink(missing_ok=True)
        log = open(self.state_dir / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps writing to it
        proc = subprocess.Popen(
            [*argv, "--ready-file", str(ready)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, env={**os.environ, **(env or {})}, preexec_fn=_die_with_parent,
        )
        log.close()
        self.children.append((name, proc))
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not ready.exists():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}; see {self.state_dir / (name + '.log')}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} was not ready within {READY_TIMEOUT_S:.0f} s")
            time.sleep(0.05)
        descriptor: dict[str, Any] = json.loads(ready.read_text())
        return descriptor

    def describe(self) -> dict[str, Any]:
        assert self.azurite is not None
        host = self.parts["host"]
        doc: dict[str, Any] = {
            "functions_url": host["url"],
            "admin_key": host["admin_key"],
            "storage_connection_string": self.azurite.connection_string,
        }
        ca_files = [p["ca_file"] for k, p in self.parts.items() if k in EMULATORS and p.get("ca_file")]
        if ca_files:
            doc["ca_file"] = ca_files[0]
        for key in EMULATORS:
            if key in self.parts:
                doc[key] = {k: v for k, v in self.parts[key].items() if k != "ca_file"}
        return doc

    def stop(self) -> None:
        """Stop the children newest first; each gets STOP_TIMEOUT_S to finish, then SIGKILL."""
        for _name, proc in reversed(self.children):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
        self.children.clear()
        if self.azurite is not None:
            self.azurite.stop()


def _write_atomically(path: Path, content: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(content)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./dev stack", description=__doc__)
    parser.add_argument("--state-dir", required=True, type=Path, help="where data, logs and stack.json go")
    parser.add_argument("--master-key", help="operator key for the local host (random if omitted)")
    parser.add_argument("--seed-size", default="demo", help="size of the seeded Procore data: small|demo|e2e|large")
    args = parser.parse_args(argv)

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    stack = Stack(args.state_dir, master_key=args.master_key, seed_size=args.seed_size)
    try:
        doc = stack.start()
        _write_atomically(stack.state_dir / "stack.json", json.dumps(doc, indent=2))
        print(f"stack ready: {doc['functions_url']} (details in {stack.state_dir / 'stack.json'})", flush=True)
        while not stop.wait(0.5):
            dead = [name for name, proc in stack.children if proc.poll() is not None]
            if dead:
                print(f"stack: {', '.join(dead)} exited unexpectedly; stopping", file=sys.stderr)
                return 1
        return 0
    except RuntimeError as exc:
        print(f"stack failed to start: {exc}", file=sys.stderr)
        return 1
    finally:
        stack.stop()
        (stack.state_dir / "stack.json").unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
