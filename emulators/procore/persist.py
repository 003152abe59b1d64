"""What of the Procore emulator survives a restart: records, hooks and their queued deliveries, tokens,
blob index and URL-signing secret, ids, settings. Not kept: stats, faults, rate-limit windows.

Blob bytes already live on disk under the data dir; this module only saves and restores metadata
(emulators/persistence.py does the file handling).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..persistence import Snapshots
from .config import EmulatorConfig
from .store import State
from .webhooks import hooks_of

_RECORDS = ("folders", "files", "versions", "uploads", "albums", "images", "records", "roots", "events",
            "notifications", "directory")
_EXTRA = ("pdf_cache", "exports", "upload_keys", "webhook_rng")


def _collect(st: State) -> dict[str, Any]:
    hooks = hooks_of(st)
    with hooks.lock:
        return {
            **{name: getattr(st, name) for name in _RECORDS},
            "ids": st._ids,
            "config": st.config.model_dump(),
            "extra": {k: st.extra[k] for k in _EXTRA if k in st.extra},
            "hooks": (hooks.hooks, hooks.triggers, hooks.attempts),
            "tokens": st.tokens._tokens,
            "blobs": (st.blobs._blobs, st.blobs.secret, st.blobs._n),
        }


def snapshots_of(st: State, data_dir: Path) -> Snapshots:
    return Snapshots(data_dir, "procore", lambda: _collect(st), st.lock)


def restore(st: State, saved: dict[str, Any]) -> None:
    """Put a saved state back into a fresh (unseeded) State, before the server starts."""
    for name in _RECORDS:
        setattr(st, name, saved[name])
    st._ids = saved["ids"]
    for key, value in EmulatorConfig(**saved["config"]).model_dump().items():
        setattr(st.config, key, value)         # in place: the limiter and workers hold this object
    st.extra.update(saved["extra"])
    hooks = hooks_of(st)
    hooks.hooks, hooks.triggers, hooks.attempts = saved["hooks"]
    for hook in hooks.hooks.values():
        hook.in_flight = False                 # the delivery that was running died with the process
    st.tokens._tokens = saved["tokens"]
    st.blobs._blobs, st.blobs.secret, st.blobs._n = saved["blobs"]
