"""The pause policy: every cause has a reason a person can act on (no raw API error), only the causes
a check can see fixed resume by itself, and the one email names the project and the folder."""

from __future__ import annotations

import pytest

from shared import errors
from shared.sync import pausing
from shared.sync.pausing import PauseCause


def test_folder_gone_names_the_folder_and_the_fix() -> None:
    d = pausing.folder_gone("Projects/Tower A")
    assert d.cause is PauseCause.FOLDER_GONE
    assert "'Projects/Tower A'" in d.reason and "recycle bin" in d.reason and "resumes by itself" in d.reason
    assert "library root" in pausing.folder_gone("").reason


@pytest.mark.parametrize(("system", "cause", "field"), [
    ("procore", PauseCause.PROCORE_CREDENTIALS, "procore.client_secret"),
    ("microsoft", PauseCause.MICROSOFT_CREDENTIALS, "microsoft.client_secret"),
])
def test_credential_causes_name_the_credential_to_update(system: str, cause: PauseCause, field: str) -> None:
    d = pausing.credentials(system)
    assert d.cause is cause and field in d.reason and "PATCH" in d.reason


def test_only_checkable_causes_resume_by_themselves() -> None:
    assert not pausing.resumes_by_itself(PauseCause.BY_REQUEST.value)
    assert not pausing.resumes_by_itself(PauseCause.CONFIGURATION.value)
    assert not pausing.resumes_by_itself(None)
    for cause in (PauseCause.FOLDER_GONE, PauseCause.DRIVE_GONE, PauseCause.SHAREPOINT_ACCESS,
                  PauseCause.MICROSOFT_CREDENTIALS, PauseCause.PROCORE_CREDENTIALS, PauseCause.PROCORE_PROJECT):
        assert pausing.resumes_by_itself(cause.value)
    assert pausing.AUTO_RESUMABLE | {PauseCause.BY_REQUEST, PauseCause.CONFIGURATION} == set(PauseCause)


def test_an_unexplained_configuration_error_keeps_its_text_bounded() -> None:
    d = pausing.unexplained(errors.PermissionDenied("x" * 2000))
    assert d.cause is PauseCause.CONFIGURATION and d.reason.startswith("PermissionDenied: x")
    assert len(d.reason) <= pausing.MAX_REASON and d.reason.endswith("(fix it, then call resume)")


def test_project_and_company_are_named_when_unreachable() -> None:
    assert "Procore project 101" in pausing.procore_unreachable(101, 7).reason
    assert "Procore company 7" in pausing.procore_unreachable(None, 7).reason


def test_the_pause_mail_names_project_folder_and_reason() -> None:
    subject, body = pausing.pause_mail("Riverside", "Projects/R", "because")
    assert subject == "Sync paused for project Riverside"
    assert "'Projects/R'" in body and "because" in body and "Nothing is lost" in body
