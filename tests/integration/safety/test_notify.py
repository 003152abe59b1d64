"""Notification mail through Graph sendMail, against Azurite and the Graph emulator: a send that fails
with a transient error is retried by the dispatcher's deferred copy (a new queue message) and the mail
arrives exactly once; a duplicate delivery sends nothing more."""

from __future__ import annotations

import uuid
from typing import Any

from shared.models.messages import NOTIFY, SendNotification
from shared.onboarding import tenants
from shared.onboarding.schemas import UpdateTenantRequest
from shared.sync import dispatch
from tests.integration.safety.conftest import Env


def _mail(env: Env, subject: str) -> list[dict[str, Any]]:
    return [m for m in env.graph_emulator("/_emulator/mail")["value"] if m.get("subject") == subject]


def _deliver(env: Env, message: dict[str, Any]) -> None:
    queue = env.services.settings.queue_notify
    dispatch.handle(env.services, queue, SendNotification.model_validate(message).model_dump_json(), NOTIFY,
                    delivery_id=uuid.uuid4().hex)


def test_a_mail_whose_send_failed_is_sent_once_by_the_deferred_retry(env: Env) -> None:
    mailbox = env.graph_emu.descriptor()["mailbox"]
    env.tenant, _ = tenants.update_tenant(env.services, env.tenant, UpdateTenantRequest.model_validate(
        {"settings": {"mail_from": mailbox}}))
    link = env.new_link()
    queue = env.services.settings.queue_notify
    env.take(queue)
    subject = f"Two way sync initiated for project {uuid.uuid4().hex[:6]}"
    first = SendNotification(tenant_id=link.tenant_id, link_id=link.link_id, notification_id=uuid.uuid4().hex,
                             subject=subject, body="The initial sync is complete.")
    env.graph_emulator("/_emulator/throttle", {"status": 500, "retry_after": 0, "count": 1,
                                                "match": "^POST /users/.*/sendMail"})
    _deliver(env, first.model_dump(mode="json"))           # Graph answers 500: deferred, not lost
    assert _mail(env, subject) == []
    copies = env.take_until(lambda found: bool(found), queue=queue)
    assert [m["attempt"] for m in copies] == [1]

    _deliver(env, copies[0])                                # the deferred copy: a new message
    assert len(_mail(env, subject)) == 1
    _deliver(env, first.model_dump(mode="json"))            # a late duplicate of the first delivery
    _deliver(env, copies[0])
    assert len(_mail(env, subject)) == 1
    assert env.take(queue) == []
