"""Issue 11 point 4 against Azurite and both emulators: a link without Documents (Photos only, or only
one-way tools) completes its initial sync and sends its email once, whatever the redeliveries; a
company link's email names the company's documents; without a sender mailbox the link still completes
and the unsent email is recorded, never a pause."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.models.api import CreateLinkRequest, Mode, ToolKey
from shared.models.messages import DETECT, METADATA, NOTIFY, TRANSFER
from shared.models.rows import LinkRow, Stage
from shared.onboarding.links import create_link
from shared.runtime import Services
from shared.sync import dispatch
from tests.integration.safety.conftest import Env, _close

DEADLINE_S = 120.0  # every step run twice in this process, one after another: ~10 s idle, 40+ s on a loaded machine


@pytest.fixture(scope="module")
def with_sender(env: Env) -> Iterator[Services]:
    """The same storage and queues, in a deployment whose PCSYNC_MAIL_SENDER is the emulator's mailbox."""
    services = Services(env.services.settings.model_copy(
        update={"mail_sender": env.graph_emu.descriptor()["mailbox"]}))
    yield services
    _close(services)


def _run_initial_sync(env: Env, link: LinkRow) -> list[dict[str, Any]]:
    """Deliver the link's initial-lane messages (detect, metadata, transfer), each twice as
    at-least-once delivery may, until the link leaves the initial sync; returns its notifications."""
    s = env.services.settings
    lanes = ((s.queue_initial_sync, DETECT), (s.queue_metadata_initial, METADATA),
             (s.queue_transfer_initial, TRANSFER))
    deadline = time.monotonic() + DEADLINE_S
    while env.link(link.link_id).stage is Stage.INITIAL_SYNC:
        assert time.monotonic() < deadline, f"still in initial sync: {env.link(link.link_id)}"
        delivered = 0
        for queue, adapter in lanes:
            for message in [m for m in env.take(queue) if m["link_id"] == link.link_id]:
                delivered += 1
                for _ in range(2):
                    dispatch.handle(env.services, queue, json.dumps(message), adapter, delivery_id=uuid.uuid4().hex)
        if not delivered:
            time.sleep(0.3)
    for queue, _ in lanes:
        assert not [m for m in env.take(queue) if m["link_id"] == link.link_id], f"{queue}: work after completion"
    return [m for m in env.take(s.queue_notify) if m["link_id"] == link.link_id]


def _deliver_twice(services: Services, notifications: list[dict[str, Any]]) -> None:
    for message in notifications:
        for _ in range(2):
            dispatch.handle(services, services.settings.queue_notify, json.dumps(message), NOTIFY,
                            delivery_id=uuid.uuid4().hex)


def _mail(env: Env, subject: str) -> list[dict[str, Any]]:
    return [m for m in env.graph_emulator("/_emulator/mail")["value"] if m.get("subject") == subject]


def _events(env: Env, link: LinkRow, event: str) -> list[Any]:
    today = datetime.now(UTC).date()
    return [a for a in env.repos.recent_activity(link.link_id, today - timedelta(days=1), today) if a.event == event]


def _retool(env: Env, link: LinkRow, tools: dict[ToolKey, Mode]) -> LinkRow:
    """The link as stored with `tools` before its initial sync runs: onboarding refuses tools without an
    adapter today (only Documents has one), so a Photos-only link is made the way a later release will
    have made it, to show the completion does not wait on Documents."""
    env.repos.links.mutate(link.tenant_id, link.link_id, lambda row: row.model_copy(update={"tools": tools}))
    return env.link(link.link_id)


def test_a_photos_only_link_completes_and_is_emailed_once(env: Env, with_sender: Services) -> None:
    link = _retool(env, env.new_link(), {ToolKey.DOCUMENTS: Mode.OFF, ToolKey.PHOTOS: Mode.TWO_WAY})
    notifications = _run_initial_sync(env, link)
    assert env.link(link.link_id).stage is Stage.REGULAR
    subject = f"Two way sync initiated for project {link.project_name}"
    assert [n["subject"] for n in notifications] == [subject]
    _deliver_twice(with_sender, notifications)
    mail = _mail(env, subject)
    assert len(mail) == 1, mail
    assert [a.detail for a in _events(env, link, "email_sent")] == [subject]


def test_a_one_way_link_without_a_sender_completes_and_records_the_unsent_email(env: Env) -> None:
    assert not env.services.settings.mail_sender and not env.tenant.settings.mail_from
    link = env.new_link(documents="one_way")
    notifications = _run_initial_sync(env, link)
    subject = f"One way sync initiated for project {link.project_name}"
    assert [n["subject"] for n in notifications] == [subject]
    _deliver_twice(env.services, notifications)
    after = env.link(link.link_id)
    assert after.stage is Stage.REGULAR and after.stage_reason is None, "a missing sender never pauses a link"
    unsent = _events(env, link, "email_not_sent")
    assert len(unsent) == 1 and subject in (unsent[0].detail or "") and "PCSYNC_MAIL_SENDER" in unsent[0].detail
    assert not _mail(env, subject) and not _events(env, link, "email_sent")


def test_a_company_link_email_names_the_company_documents(env: Env, with_sender: Services) -> None:
    request = CreateLinkRequest.model_validate({
        "procore_company_documents": True, "initial_sync": "standard",
        "sharepoint": {"site_id": env.site["id"], "drive_id": env.site["drive_id"],
                       "folder_path": f"Safety/company-{uuid.uuid4().hex[:8]}"}})
    link = env.link(create_link(env.services, env.tenant, request, env.receiver.base_url))
    assert link.procore_project_id is None and set(link.tools) == {ToolKey.DOCUMENTS}
    notifications = _run_initial_sync(env, link)   # enumerates and copies the company's documents too
    subject = f"Two way sync initiated for the company documents of {link.project_name}"
    assert [n["subject"] for n in notifications] == [subject]
    _deliver_twice(with_sender, notifications)
    assert len(_mail(env, subject)) == 1
