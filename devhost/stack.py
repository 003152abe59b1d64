"""`./dev stack --state-dir DIR`: Azurite + the emulators + the local Functions host, as one stack.

Each part is a supervised child process (supervisor.py): one that dies is restarted with a backoff,
on the same port and with the same data, so stack.json stays valid. Everything lives in DIR: Azurite's
data, the emulators' state, the ports and keys (stack_state.py), so starting the stack again on the
same DIR after a stop or a crash brings back the same data on the same ports (registered webhooks and
subscriptions keep working). SIGINT/SIGTERM stop the children newest first (the host first, so
in-flight messages finish); PR_SET_PDEATHSIG means a killed stack never leaves orphans behind.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from devhost.azurite import Azurite, start_azurite
from devhost.stack_state import remember_ports, remembered_ports, stack_keys
from devhost.supervisor import Child, GaveUp, die_with_parent, say
from shared.config import setting_defaults

ROOT = Path(__file__).resolve().parents[1]
SUPERVISE_INTERVAL_S = 0.5
TELEMETRY_FILE = "telemetry.jsonl"
DIGEST_OFF = "0 0 0 1 1 *"  # 1 January, midnight
# Emulators started when their package exists: stack.json key -> python module.
EMULATORS = {"procore": "emulators.procore", "graph": "emulators.graph"}


class AzuriteChild(Child):
    """Azurite as a supervised child: persisted under the state dir, on the remembered ports."""

    azurite: Azurite | None = None

    def start(self, stopping: threading.Event | None = None) -> dict[str, Any]:
        ports = {"Blob": int(self.env["blob"]), "Queue": int(self.env["queue"]), "Table": int(self.env["table"])}
        self.azurite = start_azurite(self.state_dir, in_memory=False, preexec_fn=die_with_parent, ports=ports)
        self.proc = self.azurite.process
        self.started_at = time.monotonic()
        self.descriptor = {"connection_string": self.azurite.connection_string}
        return self.descriptor

    def stop(self) -> None:
        if self.azurite is not None:
            self.azurite.stop()


class Stack:
    """Starts, supervises and stops the stack's children; `describe()` is the stack.json content."""

    def __init__(self, state_dir: Path, *, master_key: str | None = None, seed_size: str = "demo",
                 host_env: dict[str, str] | None = None, host_args: list[str] | None = None,
                 persist: bool = True) -> None:
        """`persist`: the emulators save their state in the state dir before answering each write (what
        `./dev stack` promises across a crash); off, they keep it in memory, as fast as the tests want."""
        self.state_dir = state_dir.resolve()
        self.persist = persist
        self.seed_size = seed_size
        self.host_env = host_env or {}
        self.host_args = host_args or []
        self.master_key = master_key
        self.azurite: Azurite | None = None
        self.children: list[Child] = []
        self.parts: dict[str, Any] = {}
        self.stopping = threading.Event()

    def start(self) -> dict[str, Any]:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        ports = remembered_ports(self.state_dir)
        master, function = stack_keys(self.state_dir, self.master_key)
        self.master_key = master
        storage = AzuriteChild("azurite", [], ROOT, self.state_dir,
                               env={k: str(ports.get(k, 0)) for k in ("blob", "queue", "table")})
        self._launch(storage)
        self.azurite = storage.azurite
        assert self.azurite is not None
        for key, module in EMULATORS.items():
            if (ROOT / Path(*module.split(".")) / "__main__.py").exists():
                argv = [sys.executable, "-m", module, "--port", str(ports.get(key, 0)),
                        "--data-dir", str(self.state_dir / key), *([] if self.persist else ["--no-persist"])]
                if key == "procore":   # its storage port is remembered in its own data dir
                    argv += ["--size", self.seed_size]
                else:   # the SharePoint host serves upload sessions a restarted host may still be using
                    argv += ["--tls-port", str(ports.get("graph_tls", 0)),
                             "--sharepoint-port", str(ports.get("graph_sharepoint", 0))]
                self.parts[key] = self._launch(Child(key, argv, ROOT, self.state_dir))
        host = Child("host", [sys.executable, "-m", "devhost", "--script-root", str(ROOT), "--app", "function_app",
                              "--port", str(ports.get("host", 0)), f"--master-key={master}",
                              f"--function-key={function}", *self.host_args], ROOT, self.state_dir,
                     env={"AzureWebJobsStorage": self.azurite.connection_string, **self._emulator_env(),
                          **self.host_env})
        self.parts["host"] = self._launch(host)
        self._pin_ports(storage)
        return self.describe()

    def _pin_ports(self, storage: AzuriteChild) -> None:
        """Remember the ports every part bound, and restart each child on them from now on."""
        assert self.azurite is not None
        ports = {k.lower(): v for k, v in self.azurite.ports.items()}
        ports["host"] = _port(self.parts["host"]["url"])
        if "procore" in self.parts:
            ports["procore"] = _port(self.parts["procore"]["base_url"])
        if "graph" in self.parts:
            ports["graph"] = _port(self.parts["graph"]["base_url"])
            ports["graph_tls"] = _port(self.parts["graph"]["authority"])
            ports["graph_sharepoint"] = _port(self.parts["graph"]["sharepoint_url"])
        remember_ports(self.state_dir, ports)
        storage.env = {k: str(ports[k]) for k in ("blob", "queue", "table")}
        for child in self.children:
            flags = {"procore": {"--port": "procore"}, "graph": {"--port": "graph", "--tls-port": "graph_tls",
                                                                       "--sharepoint-port": "graph_sharepoint"},
                     "host": {"--port": "host"}}.get(child.name, {})
            for flag, name in flags.items():
                child.argv[child.argv.index(flag) + 1] = str(ports[name])

    def _launch(self, child: Child) -> dict[str, Any]:
        self.children.append(child)
        return child.start(self.stopping)

    def _emulator_env(self) -> dict[str, str]:
        """Settings the product needs on the local stack: the secret-store key (kept in the state dir so
        a restarted stack still reads its tenants' secrets) and trust in the emulators' CA."""
        key_file = self.state_dir / "local-secret.key"
        if not key_file.exists():
            key_file.write_text(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
            key_file.chmod(0o600)
        env = {**setting_defaults(), "PCSYNC_SECRET_STORE": "local",
               "PCSYNC_LOCAL_SECRET_KEY": key_file.read_text().strip(),
               # traces, structured logs and metrics as JSON lines (shared/telemetry/jsonl.py)
               "PCSYNC_TELEMETRY_FILE": str(self.state_dir / TELEMETRY_FILE), "PCSYNC_METRIC_INTERVAL_MS": "10000",
               # no weekly digest unless asked for (a test stack up on a Monday morning must not mail)
               "PCSYNC_DIGEST_SCHEDULE": os.environ.get("PCSYNC_DIGEST_SCHEDULE") or DIGEST_OFF}
        mailbox = self.parts.get("graph", {}).get("mailbox")
        if mailbox:
            env["PCSYNC_MAIL_SENDER"] = mailbox
        ca_files = [p["ca_file"] for k, p in self.parts.items() if k in EMULATORS and p.get("ca_file")]
        if ca_files:
            env["PCSYNC_CA_FILE"] = ca_files[0]
        return env

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

    def supervise(self) -> bool:
        """Restart any child that died (GaveUp when one crash-loops); True when one came back."""
        restarted: list[Child] = []
        for child in self.children:
            if not self.stopping.is_set():
                child.supervise(self.stopping, restarted.append)
        for child in restarted:
            if isinstance(child, AzuriteChild):
                self.azurite = child.azurite
            else:
                self.parts[child.name] = child.descriptor
        return bool(restarted)

    def stop(self) -> None:
        """Stop the children newest first; each gets STOP_TIMEOUT_S to finish, then SIGKILL."""
        self.stopping.set()
        for child in reversed(self.children):
            child.stop()
        self.children.clear()


def _port(url: str) -> int:
    port = urlsplit(url).port
    assert port is not None, url
    return port


def _write_atomically(path: Path, content: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(content)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./dev stack", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--state-dir", required=True, type=Path, help="where data, logs and stack.json go")
    parser.add_argument("--master-key", help="operator key for the local host (default: remembered in the state "
                                             "dir, random the first time)")
    parser.add_argument("--seed-size", default="demo", help="size of the seeded Procore data: small|demo|e2e|large "
                                                            "(first start of a state dir only)")
    parser.add_argument("--fetch-visibility", type=float,
                        help="the host's queue-message visibility and the product's upload lease, in seconds "
                             "(default 600, as on Azure): how long what a crashed host was running stays held")
    args = parser.parse_args(argv)

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    host_args, host_env = [], {}
    if args.fetch_visibility:  # what a crashed host held frees up after this long: messages and upload leases
        host_args = ["--fetch-visibility", str(args.fetch_visibility)]
        host_env = {"PCSYNC_LEASE_SECONDS": str(args.fetch_visibility)}
    stack = Stack(args.state_dir, master_key=args.master_key, seed_size=args.seed_size, host_args=host_args,
                  host_env=host_env)
    wrote = False
    try:
        doc = stack.start()
        _write_atomically(stack.state_dir / "stack.json", json.dumps(doc, indent=2))
        wrote = True
        print(f"stack ready: {doc['functions_url']} (details in {stack.state_dir / 'stack.json'})", flush=True)
        while not stop.wait(SUPERVISE_INTERVAL_S):
            if stack.supervise():
                _write_atomically(stack.state_dir / "stack.json", json.dumps(stack.describe(), indent=2))
        return 0
    except GaveUp as exc:
        say(f"{exc}; stopping")
        return 1
    except RuntimeError as exc:
        print(f"stack failed to start: {exc}", file=sys.stderr)
        return 1
    finally:
        stack.stop()
        if wrote:  # (a second stack refused on a busy state dir leaves the first one's file alone)
            (stack.state_dir / "stack.json").unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
