"""A faithful Microsoft Graph / SharePoint emulator on loopback (HTTP for Graph, TLS for the authority).

Speaks only the public API plus the /_emulator/ test surface; never imports shared/.
Tests: `from emulators.graph import start_emulator`; processes: `python -m emulators.graph`.
"""

from emulators.graph.config import EmulatorConfig
from emulators.graph.server import GraphEmulator, start_emulator

__all__ = ["EmulatorConfig", "GraphEmulator", "start_emulator"]
