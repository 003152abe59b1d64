"""Deployment health: the configuration problems an operator must fix, read from the app settings
alone (no storage call, so the probe stays cheap and keyless). Never imports azure.functions.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ValidationError

from shared.config import Settings, load_settings

MAIL_SENDER_PROBLEM = ("PCSYNC_MAIL_SENDER is not set: notification mail (initial sync complete, deletes "
                       "paused) cannot be sent; set it (azd env set AZURE_MAIL_SENDER <mailbox>; azd provision)")


class Health(BaseModel):
    status: str                          # "ok" | "misconfigured"
    problems: list[str] = []


def settings_problems(settings: Settings) -> list[str]:
    """What a loaded configuration lacks for the product to do its whole job."""
    return [] if settings.mail_sender else [MAIL_SENDER_PROBLEM]


def check_health(env: Mapping[str, str] | None = None) -> Health:
    """The app's health from its settings (the process environment by default)."""
    try:
        problems = settings_problems(load_settings(env))
    except ValidationError as exc:   # messages and setting names only: input values may be secrets
        problems = [f"settings do not load: {'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}"
                    for e in exc.errors()]
    return Health(status="misconfigured", problems=problems) if problems else Health(status="ok")
