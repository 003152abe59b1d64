"""What a stack remembers in its state dir: ports (a taken one is refused with a clear message) and the
host's keys (the same admin_key after a restart; an explicit --master-key replaces it)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from devhost.stack_state import PortInUse, remember_ports, remembered_ports, stack_keys


def test_remembered_ports_come_back_and_a_taken_one_is_refused(tmp_path: Path) -> None:
    assert remembered_ports(tmp_path) == {}                     # fresh: every part binds its own
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    taken = holder.getsockname()[1]
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    released = free.getsockname()[1]
    free.close()
    try:
        remember_ports(tmp_path, {"host": released})
        assert remembered_ports(tmp_path) == {"host": released}
        remember_ports(tmp_path, {"host": released, "procore": taken})
        with pytest.raises(PortInUse, match=rf"port {taken} \(procore\), remembered in .*ports.json, is in use"):
            remembered_ports(tmp_path)
    finally:
        holder.close()


def test_host_keys_are_remembered(tmp_path: Path) -> None:
    master, function = stack_keys(tmp_path, None)
    assert len(master) > 40 and master != function
    assert stack_keys(tmp_path, None) == (master, function)
    assert stack_keys(tmp_path, "explicit-key") == ("explicit-key", function)
    assert json.loads((tmp_path / "keys.json").read_text())["master"] == "explicit-key"
    assert (tmp_path / "keys.json").stat().st_mode & 0o777 == 0o600
