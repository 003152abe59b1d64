"""Emulator settings (switchable at run time through /_emulator/config) and the fixed identities.

Defaults are Procore's documented values; tests shorten them so nothing waits for an hour.
Never imports shared/: the emulator knows only the public API.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

COMPANY_ID = 1
OTHER_COMPANY_ID = 2          # exists, but the app is not installed there -> 403 "not connected"
HIDDEN_PROJECT_ID = 199       # in company 1, not among the app's permitted projects -> 404 for the app


class EmulatorConfig(BaseModel):
    """Everything a test may change while the server runs."""

    model_config = ConfigDict(validate_assignment=True)

    token_lifetime_s: int = 5400
    rate_hourly_limit: int = 3600
    rate_hourly_window_s: float = 3600.0
    rate_spike_limit: int = 100          # Procore does not publish the spike value [unconfirmed]
    rate_spike_window_s: float = 10.0
    upload_start_window_s: float = 3600.0          # POST to storage within 1 h of create
    upload_attach_window_s: float = 7 * 24 * 3600.0  # attach within one week
    min_segment_bytes: int = 5 * 1024 * 1024
    max_segment_bytes: int = 5 * 1024**3
    storage_url_ttl_s: float = 3600.0
    default_per_page: int = 100
    max_per_page: int = 10000
    webhook_timeout_s: float = 5.0
    webhook_retry_base_s: float = 1.0
    webhook_retry_max_s: float = 3600.0
    webhook_discard_after_s: float = 12 * 3600.0
    pdf_export_delay_s: float = 0.3


@dataclass
class Identity:
    """A client-credentials identity: the product's DMSA (`app`) or a person (`user`)."""

    key: str
    client_id: str
    client_secret: str
    user_id: int
    login: str
    name: str
    companies: frozenset[int]
    # None: every project of its companies; else only these (DMSA "permitted projects")
    projects: frozenset[int] | None = None

    def ref(self) -> dict[str, object]:
        return {"id": self.user_id, "login": self.login, "name": self.name}

    def sees_project(self, project_id: int) -> bool:
        return self.projects is None or project_id in self.projects


@dataclass
class Project:
    id: int
    company_id: int
    name: str


@dataclass
class Company:
    id: int
    name: str


@dataclass
class Directory:
    companies: dict[int, Company] = field(default_factory=dict)
    projects: dict[int, Project] = field(default_factory=dict)
    identities: dict[str, Identity] = field(default_factory=dict)   # by client_id

    def by_key(self, key: str) -> Identity:
        return next(i for i in self.identities.values() if i.key == key)


def default_directory(project_names: list[tuple[int, str]]) -> Directory:
    """Company 1 with the given projects (+ a hidden one), company 2 without the app."""
    d = Directory()
    d.companies[COMPANY_ID] = Company(COMPANY_ID, "Summit Builders Inc.")
    d.companies[OTHER_COMPANY_ID] = Company(OTHER_COMPANY_ID, "Other Contractor LLC")
    for pid, name in project_names:
        d.projects[pid] = Project(pid, COMPANY_ID, name)
    d.projects[HIDDEN_PROJECT_ID] = Project(HIDDEN_PROJECT_ID, COMPANY_ID, "Confidential Bid (not permitted)")
    d.projects[201] = Project(201, OTHER_COMPANY_ID, "Other Company Project")
    visible = frozenset(pid for pid, _ in project_names)
    app = Identity("app", "pcsync-app-client", "pcsync-app-secret", 2001, "dmsa+pcsync@example.com",
                   "SharePoint Sync (service account)", frozenset({COMPANY_ID}), visible)
    user = Identity("user", "field-user-client", "field-user-secret", 3001, "pat.manager@example.com",
                    "Pat Manager", frozenset({COMPANY_ID, OTHER_COMPANY_ID}), None)
    d.identities = {app.client_id: app, user.client_id: user}
    return d
