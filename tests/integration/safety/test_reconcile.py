"""Reconciliation step against the emulators: a delta run every pass, Procore changes since the
watermark (created, renamed, recycled) handed to detect once each, a missing watermark started at now
(no re-plan of the project), the watermark set when the initial sync starts, and links not in regular
sync left alone. The timers' fan-out sends one message per link of the right stages.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from shared.models.messages import ReconcileLink, StartInitialSync
from shared.models.rows import DeleteRow, LinkRow, Stage
from shared.procore.scope import Scope
from shared.procore.uploads import FileSource
from shared.safety import fanout
from shared.safety.watermark import Watermark
from tests.integration.safety.conftest import PROJECT, Env

SCOPE = Scope.project(PROJECT)
KIND = "procore_watermark:documents"


def _stage(env: Env, link: LinkRow, stage: Stage) -> LinkRow:
    env.repos.links.mutate(link.tenant_id, link.link_id, lambda r: r.model_copy(update={"stage": stage}))
    return env.link(link.link_id)


def _reconcile(env: Env, link: LinkRow, *, procore: bool = True) -> list[dict[str, Any]]:
    env.run(ReconcileLink(tenant_id=link.tenant_id, link_id=link.link_id, procore=procore))
    return env.take()


def _hints(sent: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in sent if m["kind"] == "procore_change"]


def _mark(env: Env, link: LinkRow) -> Watermark:
    stored = env.repos.cursors.get(link.link_id, KIND)
    assert stored is not None
    mark = Watermark.parse(stored.row.value)
    assert mark is not None
    return mark


def test_a_link_without_watermark_starts_now_and_replans_nothing(env: Env) -> None:
    link = _stage(env, env.new_link(), Stage.REGULAR)
    env.take()
    assert env.repos.cursors.get(link.link_id, KIND) is None
    sent = _reconcile(env, link)
    assert [m["kind"] for m in sent] == ["drive_delta"]
    assert abs((_mark(env, link).until - datetime.now(UTC)).total_seconds()) < 30


def test_procore_changes_since_the_watermark_become_hints_once(env: Env, tmp_path: Path) -> None:
    link = _stage(env, env.new_link(), Stage.REGULAR)
    env.take()
    _reconcile(env, link)                                # starts the watermark
    user = env.procore_client("user")
    try:
        root = user.documents.root(SCOPE, exclude_files=True)
        untouched = next(i for i in user.documents.list_documents(SCOPE) if not i.is_folder)
        folder = user.documents.create_folder(SCOPE, f"Reconciled {link.link_id[:6]}", parent_id=root.id)
        src = tmp_path / "memo.txt"
        src.write_bytes(b"made while the webhooks were lost\n")
        upload = user.uploads.upload(SCOPE, FileSource(src), filename="memo.txt")
        doc = user.documents.create_file(SCOPE, name=f"Memo {link.link_id[:6]}.txt", parent_id=folder.id,
                                         upload_uuid=upload.uuid)
        gone = user.documents.create_file(SCOPE, name=f"Gone {link.link_id[:6]}.txt", parent_id=folder.id,
                                          upload_uuid=user.uploads.upload(SCOPE, FileSource(src),
                                                                          filename="gone.txt").uuid)
        user.documents.delete_file(SCOPE, gone.id)
    finally:
        user.close()

    before = _mark(env, link)
    off_turn = _reconcile(env, link, procore=False)      # not the link's turn for the Procore pass
    assert [m["kind"] for m in off_turn] == ["drive_delta"] and _mark(env, link) == before
    sent = _reconcile(env, link)
    assert sent[0]["kind"] == "drive_delta"
    hints = _hints(sent)
    by_id = {h["resource_id"]: h for h in hints}
    assert len(by_id) == len(hints)                      # each item once
    assert by_id[folder.id]["resource_name"] == "Project Folders"
    assert by_id[doc.id]["resource_name"] == "Project Files"
    assert gone.id in by_id                              # recycled: detect turns it into a delete
    assert untouched.id not in by_id
    assert all(h["event_type"] == "update" and h["source_application_id"] is None and h["tool"] == "documents"
               and h["link_id"] == link.link_id for h in hints)
    mark = _mark(env, link)
    assert {str(folder.id), str(doc.id), str(gone.id)} <= set(mark.seen)

    again = _reconcile(env, link)                        # nothing changed since: only the delta run
    assert [m["kind"] for m in again] == ["drive_delta"]
    assert _mark(env, link).until >= mark.until


def test_a_pass_forgets_delete_rows_too_old_to_count_but_keeps_held_ones(env: Env) -> None:
    link = _stage(env, env.new_link(), Stage.REGULAR)
    env.take()
    now = datetime.now(UTC)
    rows = {"old-applied": ("applied", 72), "old-discarded": ("discarded", 50), "old-pending": ("pending", 49),
            "old-held": ("held", 24 * 30), "recent-applied": ("applied", 47)}
    for key, (state, hours) in rows.items():
        env.repos.deletes.upsert(DeleteRow(link_id=link.link_id, item_key=key, direction="to_procore", state=state,
                                           detected_at=now - timedelta(hours=hours)))
    _reconcile(env, link)
    left = {d.row.item_key for d in env.repos.deletes.query(link.link_id)}
    assert left == {"old-held", "recent-applied"}


def test_links_not_in_regular_sync_are_not_reconciled(env: Env) -> None:
    link = env.new_link()
    env.take()
    assert _reconcile(env, link) == []                  # still in its initial sync
    paused = _stage(env, link, Stage.PAUSED)
    assert _reconcile(env, paused) == []                # not deferred and bounced either: dropped
    assert env.invisible() == 0
    assert env.repos.cursors.get(link.link_id, KIND) is None


def test_the_initial_sync_sets_the_watermark_when_it_starts(env: Env) -> None:
    link = env.new_link()
    started = [m for m in env.take(env.services.settings.queue_initial_sync) if m["link_id"] == link.link_id]
    assert [m["kind"] for m in started] == ["start_initial_sync"]
    before = datetime.now(UTC)
    env.run(StartInitialSync(tenant_id=link.tenant_id, link_id=link.link_id))
    mark = _mark(env, link)
    assert before <= mark.until <= datetime.now(UTC) and mark.seen == {}
    env.run(StartInitialSync(tenant_id=link.tenant_id, link_id=link.link_id))  # redelivered: kept
    assert _mark(env, link) == mark
    env.take(env.services.settings.queue_initial_sync)


def test_the_timers_send_one_message_per_link_of_the_right_stage(env: Env) -> None:
    regular = _stage(env, env.new_link(), Stage.REGULAR)
    initial = env.new_link()
    paused = _stage(env, env.new_link(), Stage.PAUSED)
    stopped = _stage(env, env.new_link(), Stage.DELETED)
    env.take()
    ours = {regular.link_id, initial.link_id, paused.link_id, stopped.link_id}

    total = fanout.fan_out_renewals(env.services)   # every link in this storage account, other tests' too
    renewals = env.take_until(lambda taken: len(taken) >= total)
    assert len(renewals) == total and {m["kind"] for m in renewals} == {"renew_link"}
    mine = sorted(m["link_id"] for m in renewals if m["link_id"] in ours)
    assert mine == sorted([regular.link_id, initial.link_id, paused.link_id])

    total = fanout.fan_out_reconciles(env.services)
    reconciles = env.take_until(lambda taken: len(taken) >= total)
    # A paused link gets one too: on it the pass is the check that resumes it once its cause is fixed.
    assert sorted(m["link_id"] for m in reconciles if m["link_id"] in ours) == sorted([regular.link_id,
                                                                                         paused.link_id])
    assert all(env.link(m["link_id"]).stage in (Stage.REGULAR, Stage.PAUSED) for m in reconciles
               if m["tenant_id"] == regular.tenant_id)
