"""The initial-sync completion rule and its email, for every kind of link (pure)."""

from __future__ import annotations

import pytest

from shared.models.api import DEFAULT_PROJECT_TOOLS, InitialSync, Mode, ToolKey
from shared.sync.completion import Completion, InitialProgress, decide_completion, initial_sync_email

D, P, R = ToolKey.DOCUMENTS, ToolKey.PHOTOS, ToolKey.RFIS
DOCS_ONLY = {D: Mode.TWO_WAY}
PHOTOS_ONLY = {D: Mode.OFF, P: Mode.TWO_WAY}
ONE_WAY_TOOLS = {D: Mode.OFF, P: Mode.ONE_WAY, R: Mode.ONE_WAY}


@pytest.mark.parametrize(("tools", "finished", "pending", "expected"), [
    (DOCS_ONLY, [], False, Completion.WAITING),                 # documents still enumerating
    (DOCS_ONLY, [D], True, Completion.WAITING),                 # enumerated, items still being copied
    (DOCS_ONLY, [D], False, Completion.COMPLETE),
    (PHOTOS_ONLY, [], False, Completion.WAITING),               # no documents: waits for photos, not documents
    (PHOTOS_ONLY, [P], False, Completion.COMPLETE),             # ... and completes without documents
    (PHOTOS_ONLY, [P], True, Completion.WAITING),
    (ONE_WAY_TOOLS, [P], False, Completion.WAITING),            # one-way tools: every enabled one counts
    (ONE_WAY_TOOLS, [P, R], False, Completion.COMPLETE),
    ({D: Mode.OFF}, [], False, Completion.COMPLETE),            # nothing enabled: nothing to copy
    (DEFAULT_PROJECT_TOOLS, [D], False, Completion.WAITING),    # the other default tools not finished yet
    (DEFAULT_PROJECT_TOOLS, list(ToolKey), False, Completion.COMPLETE),
])
def test_completion_needs_every_enabled_tool(tools: dict[ToolKey, Mode], finished: list[ToolKey], pending: bool,
                                             expected: Completion) -> None:
    assert decide_completion(InitialProgress(tools=tools, finished=finished, pending=pending)) is expected


@pytest.mark.parametrize(("sp_enumeration", "pending", "expected"), [
    (None, False, Completion.START_SP_PHASE),
    ("started", False, Completion.WAITING),
    ("done", True, Completion.WAITING),
    ("done", False, Completion.COMPLETE),
])
def test_from_sharepoint_adds_its_sharepoint_phase(sp_enumeration: str | None, pending: bool,
                                                   expected: Completion) -> None:
    progress = InitialProgress(tools=DOCS_ONLY, finished=[D], pending=pending,
                               initial_sync=InitialSync.FROM_SHAREPOINT, sp_enumeration=sp_enumeration)
    assert decide_completion(progress) is expected


@pytest.mark.parametrize(("tools", "company", "subject"), [
    (DOCS_ONLY, False, "Two way sync initiated for project Tower A"),
    (DEFAULT_PROJECT_TOOLS, False, "Two way sync initiated for project Tower A"),   # documents two-way, rest one-way
    (PHOTOS_ONLY, False, "Two way sync initiated for project Tower A"),
    (ONE_WAY_TOOLS, False, "One way sync initiated for project Tower A"),
    ({D: Mode.ONE_WAY}, False, "One way sync initiated for project Tower A"),
    ({D: Mode.TWO_WAY}, True, "Two way sync initiated for the company documents of Tower A"),
    ({D: Mode.ONE_WAY}, True, "One way sync initiated for the company documents of Tower A"),
])
def test_the_subject_names_what_was_linked(tools: dict[ToolKey, Mode], company: bool, subject: str) -> None:
    email = initial_sync_email("Tower A", tools, company=company)
    assert email.subject == subject
    assert "Tower A" in email.body and "complete" in email.body
    assert ("either side" in email.body) is subject.startswith("Two way")
