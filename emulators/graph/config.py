"""Tunable timings and limits of the emulator: real Graph values by default, shortened by tests.

Tests change them through `POST /_emulator/config` (or the Python API) so retry windows and token
lifetimes do not make the suite slow. Every field is a documented Graph/SharePoint value unless noted;
`office_rewrite` and `open_ended_ranges` are behaviour switches (office.py, api_uploads.py).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

MIB = 1024 * 1024


@dataclass
class EmulatorConfig:
    token_lifetime_s: int = 3599                  # Entra ID app-only token: expires_in 3599
    simple_upload_limit: int = 250 * MIB          # PUT /content: "files up to 250 MB"
    fragment_multiple: int = 320 * 1024           # non-final fragments: multiples of 320 KiB
    max_fragment_bytes: int = 60 * MIB            # each fragment request < 60 MiB
    upload_session_lifetime_s: int = 7 * 24 * 3600  # emulator choice: sessions expire after a week
    download_url_lifetime_s: int = 3600           # pre-authenticated URL: "1 hour"
    validation_timeout_s: float = 10.0            # subscription validation: answer within 10 s
    notification_timeout_s: float = 3.0           # deliveries must be answered within 3 s
    notification_retry_window_s: float = 4 * 3600.0   # Graph retries for up to 4 h
    notification_retry_base_s: float = 30.0       # emulator choice: first retry delay (doubles)
    notification_batch_window_s: float = 0.2      # emulator choice: coalesce changes into one POST
    subscription_max_minutes: int = 42300         # driveItem subscriptions
    subscription_min_minutes: int = 45            # shorter requested lifetimes are raised to 45 min
    children_page_size: int = 200                 # emulator choice for GET children without $top
    delta_page_size: int = 200                    # emulator choice for delta without $top
    max_top: int = 999
    max_path_chars: int = 400                     # decoded path incl. file name must be < 400
    batch_max_requests: int = 20
    office_rewrite: bool = False                  # test switch: store Office uploads rewritten (office.py)
    open_ended_ranges: bool = False               # test switch: nextExpectedRanges "n-", not "n-(total-1)"

    def update(self, values: dict[str, object]) -> list[str]:
        """Apply known keys; return the unknown ones."""
        known = {f.name: f.type for f in fields(self)}
        unknown = [k for k in values if k not in known]
        for key, value in values.items():
            if key in known:
                current = getattr(self, key)
                if isinstance(current, bool) and isinstance(value, str):   # bool("false") is True
                    value = value.strip().lower() in ("1", "true", "yes", "on")
                setattr(self, key, type(current)(value))  # type: ignore[call-arg]
        return unknown

    def as_dict(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}
