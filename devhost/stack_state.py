"""What a stack keeps in its state dir so that a restart looks like the same stack: the ports of every
part (ports.json) and the host's keys (keys.json). Same ports keep registered webhooks and Graph
subscriptions (which point at the host's URL) and stack.json valid across a stop or a crash.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

from devhost.keys import generate_key

PORT_NAMES = ("blob", "queue", "table", "procore", "graph", "graph_tls", "graph_sharepoint", "host")
LOOPBACK = "127.0.0.1"


class PortInUse(RuntimeError):
    """A port the state dir remembers is held by another process."""


def _write_json(path: Path, doc: dict[str, object]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2))
    os.replace(tmp, path)


def check_free(port: int, what: str, state_dir: Path) -> None:
    """PortInUse when `port` cannot be bound now (the way the children bind: SO_REUSEADDR)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((LOOPBACK, port))
    except OSError as exc:
        raise PortInUse(f"port {port} ({what}), remembered in {state_dir / 'ports.json'}, is in use "
                        f"({exc.strerror}): stop whatever holds it (another stack on this state dir?) or use "
                        "a fresh --state-dir") from None
    finally:
        sock.close()


def remembered_ports(state_dir: Path) -> dict[str, int]:
    """The ports a previous start of this state dir used (checked free now), or {} for a fresh one: then
    every part binds a free port itself (no race with other processes) and `remember_ports` keeps them."""
    path = state_dir / "ports.json"
    if not path.exists():
        return {}
    ports = {k: int(v) for k, v in json.loads(path.read_text()).items() if k in PORT_NAMES}
    for name, port in ports.items():
        check_free(port, name, state_dir)
    return ports


def remember_ports(state_dir: Path, ports: dict[str, int]) -> None:
    _write_json(state_dir / "ports.json", dict(ports))


def stack_keys(state_dir: Path, master_key: str | None) -> tuple[str, str]:
    """(master key, function key) of the host: remembered, so stack.json's admin_key survives a restart;
    an explicit --master-key replaces the remembered one."""
    path = state_dir / "keys.json"
    saved = json.loads(path.read_text()) if path.exists() else {}
    keys = {"master": master_key or saved.get("master") or generate_key(),
            "function": saved.get("function") or generate_key()}
    if keys != saved:
        _write_json(path, dict(keys))
        path.chmod(0o600)
    return keys["master"], keys["function"]
