"""Issue 6 item 4, rapid saves: a file saved again and again in SharePoint (as Office autosave does) is
copied to Procore once the saves pause for the tenant's quiet period (5 s by default), so Procore gets
the last bytes and not one version per save — for a new file and for a new version alike, in both
delivery modes (each queue message once / twice). Issue 15: coalescing is leading-edge, so the burst's
first save may also have gone at once (at most one version more), and a quiet file's single save is
copied without waiting for the quiet period at all (a tenant whose period is far longer than the wait).
"""

from __future__ import annotations

import time

from shared.graph import content as sp_content
from shared.graph import items as sp_items
from shared.procore.client import ProcoreClient
from shared.procore.models import DocFile
from shared.procore.scope import Scope
from tests.support.e2e import Onboarded, Running, wait_for, wait_quiet
from tests.support.live import live_fixture

PROJECT = 119   # its own project on the shared stack (tests/support/live.py)
SCOPE = Scope.project(PROJECT)
SAVES = 6
SAVE_EVERY_S = 0.3      # well inside the 5 s quiet period
SETTLE_TIMEOUT_S = 120  # until the pipeline is quiet (the quiet period's deferred steps included)
LIVE_TIMEOUT_S = 60


LONG_QUIET_PROJECT = 157
LONG_QUIET_S = 300      # far longer than LIVE_TIMEOUT_S: only a leading-edge copy arrives in time
LEADING_MAX = 2         # the burst's first save (copied at once) and its last (after the quiet period)


live = live_fixture("rapid-saves", PROJECT)
long_quiet = live_fixture("rapid-saves-long-quiet", LONG_QUIET_PROJECT, settings={"quiet_period_s": LONG_QUIET_S})


def _procore_file(user: ProcoreClient, name: str, scope: Scope = SCOPE) -> DocFile | None:
    found = [i for i in user.documents.list_documents(scope)
             if i.name == name and not i.is_folder and not i.is_deleted and not i.is_recycle_bin]
    assert len(found) <= 1, f"{name} exists {len(found)} times in Procore"
    return user.documents.file(scope, found[0].id) if found else None


def _latest_bytes(user: ProcoreClient, file: DocFile) -> bytes:
    assert file.latest_version is not None
    return b"".join(user.downloads.iter_bytes(file.latest_version.url))


def _save_burst(run: Running, item_id: str, tag: str) -> bytes:
    graph = run.graph_session("user")
    body = b""
    for n in range(1, SAVES + 1):
        body = f"{tag}: autosave {n}\n".encode() * (40 + n)
        sp_content.put_replace_small(graph, run.site["drive_id"], item_id, body)
        time.sleep(SAVE_EVERY_S)
    return body


def test_rapid_saves_coalesce_into_the_last_bytes(live: tuple[Running, Onboarded]) -> None:
    run, ob = live
    user = run.procore_client("user")
    graph = run.graph_session("user")
    drive = run.site["drive_id"]
    docs = sp_items.get_by_path(graph, drive, f"{ob.folder_path}/Documents")
    assert docs is not None

    # A new file, saved six times within two seconds: one Procore file, the last bytes, at most two versions
    # (its first save may have been copied at once, the leading edge; the rest coalesce into one copy).
    item = sp_content.put_new_small(graph, drive, docs.id, "Autosaved Report.txt", b"first keystroke\n", "fail")
    last = _save_burst(run, item.id, "new file")
    arrived = wait_for(lambda: _procore_file(user, "Autosaved Report.txt"), LIVE_TIMEOUT_S, "the file in Procore")
    wait_quiet(run, timeout=SETTLE_TIMEOUT_S)   # any extra version would have arrived by now
    settled = _procore_file(user, "Autosaved Report.txt")
    assert settled is not None and settled.id == arrived.id
    assert _latest_bytes(user, settled) == last
    assert 1 <= len(settled.file_versions) <= LEADING_MAX, [v.number for v in settled.file_versions]
    before = len(settled.file_versions)

    # The same file edited again in a burst: one new version with the last bytes (two at most: leading edge).
    last = _save_burst(run, item.id, "edit")
    wait_for(lambda: (f := _procore_file(user, "Autosaved Report.txt")) is not None
             and len(f.file_versions) > before and _latest_bytes(user, f) == last,
             LIVE_TIMEOUT_S, "the burst's last bytes in Procore")
    wait_quiet(run, timeout=SETTLE_TIMEOUT_S)   # any extra version would have arrived by now
    settled = _procore_file(user, "Autosaved Report.txt")
    assert settled is not None
    assert _latest_bytes(user, settled) == last
    assert 1 <= len(settled.file_versions) - before <= LEADING_MAX, [v.number for v in settled.file_versions]


def test_a_quiet_files_first_save_is_copied_at_once(long_quiet: tuple[Running, Onboarded]) -> None:
    """The tenant's quiet period is 300 s: a new file saved once still arrives well within a minute (the
    leading edge), with its bytes, as one version."""
    run, ob = long_quiet
    user = run.procore_client("user")
    graph = run.graph_session("user")
    drive = run.site["drive_id"]
    docs = sp_items.get_by_path(graph, drive, f"{ob.folder_path}/Documents")
    assert docs is not None
    body = b"saved once, then left alone\n" * 20
    sp_content.put_new_small(graph, drive, docs.id, "Saved Once.txt", body, "fail")
    arrived = wait_for(lambda: _procore_file(user, "Saved Once.txt", Scope.project(LONG_QUIET_PROJECT)),
                       LIVE_TIMEOUT_S, "the file in Procore")
    assert _latest_bytes(user, arrived) == body
    assert len(arrived.file_versions) == 1
