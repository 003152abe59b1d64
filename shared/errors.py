"""The product's error tree: each type says who must act.

    SyncError
    ├── TransientError          retried through the queue (visibility delay), never in-process for long
    │   ├── Throttled(retry_after)
    │   ├── Unavailable
    │   └── Locked              item checked out / being edited (Graph 423, Procore checked_out_until)
    ├── ConfigError             the tenant must act: the link pauses and the admin is notified
    │   ├── BadCredentials
    │   ├── PermissionDenied
    │   └── TargetNotFound
    ├── ItemSkipped(reason)     recorded in activity, not retried
    │   ├── IllegalName
    │   ├── UnsupportedType
    │   └── TooLarge
    ├── Conflict                a precondition failed (ETag/If-Match 412, name clash 409): re-read, decide again
    └── InvariantBroken         our bug: the message goes to poison

Library exceptions (httpx, azure-core) are translated once, at each client boundary.
Never imports azure.functions.
"""

from __future__ import annotations


class SyncError(Exception):
    """Base of every error the product raises on purpose."""


class TransientError(SyncError):
    """Try again later; the queue step re-enqueues with a visibility delay."""

    def __init__(self, message: str = "", retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Throttled(TransientError):
    """The service said 429/503 (or its rate-limit headers said so); wait `retry_after` seconds."""


class Unavailable(TransientError):
    """5xx, a timeout or a dropped connection."""


class Locked(TransientError):
    """The item is checked out or being edited; do not overwrite it, retry later."""


class ConfigError(SyncError):
    """Something the tenant must fix (credentials, permissions, a deleted target)."""


class BadCredentials(ConfigError):
    """The credential was refused even after a fresh token."""


class PermissionDenied(ConfigError):
    """The identity may not do this (403 / app not connected to the company)."""


class TargetNotFound(ConfigError):
    """The configured project, site, drive or folder does not exist (any more)."""


class ItemSkipped(SyncError):
    """This one item cannot be synced; record why and move on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class IllegalName(ItemSkipped):
    """The name or path is illegal on the destination even after sanitizing."""


class UnsupportedType(ItemSkipped):
    """Temporary/lock files and types we never sync."""


class TooLarge(ItemSkipped):
    """Over the destination's size limit."""


class Conflict(SyncError):
    """A precondition failed (412) or a name already exists (409): re-read and decide again."""


class NotFound(SyncError):
    """The resource does not exist (404) — on a delete this means it is already done."""


class InvariantBroken(SyncError):
    """A bug in our code or an impossible state; never retried blindly."""
