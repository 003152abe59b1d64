"""Issue 16: no client secret, access token, API key or file byte ever appears in the logs of an e2e run.

This module runs after every other module of its delivery mode on the shared stack (marker `scans_logs`,
tests/e2e/conftest.py), so the logs it reads (the host's, each emulator's, Azurite's and the telemetry
file) hold that whole run: onboarding, initial syncs, live changes both ways, conflicts, pauses, deletes.
It syncs one file each way itself, with content no log may show. The secrets are the stack's own (its
config, keys and secret-store key), the tenant's API key, and every access token the emulators issued.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from devhost.stack import TELEMETRY_FILE
from devhost.stack_state import stack_keys
from shared.graph import content as sp_content
from shared.graph import items as sp_items
from shared.procore.scope import Scope
from shared.procore.uploads import FileSource
from tests.support.e2e import Onboarded, Running, quickxor_of, wait_for
from tests.support.live import live_fixture
from tests.support.trees import procore_bytes, procore_item

pytestmark = pytest.mark.scans_logs
PROJECT = 132   # its own project on the shared stack (tests/support/live.py)
SCOPE = Scope.project(PROJECT)
LIVE_TIMEOUT_S = 90
MARKER = "pcsync-file-content-" + secrets.token_hex(12)   # what each file synced here holds
MIN_NEEDLE = 16   # shorter strings could appear by chance

live = live_fixture("logscan", PROJECT)


def _sync_both_ways(run: Running, ob: Onboarded, tmp: Path) -> None:
    user = run.procore_client("user")
    from_procore = f"{MARKER} written in Procore\n".encode() * 30
    source = tmp / "from-procore.txt"
    source.write_bytes(from_procore)
    uuid = user.uploads.upload(SCOPE, FileSource(source), filename="Scan Procore.txt").uuid
    root = user.documents.root(SCOPE, exclude_files=True)
    user.documents.create_file(SCOPE, name="Scan Procore.txt", parent_id=root.id, upload_uuid=uuid)
    graph = run.graph_session("user")
    drive = run.site["drive_id"]
    path = f"{ob.folder_path}/Documents/Scan Procore.txt"
    wait_for(lambda: (i := sp_items.get_by_path(graph, drive, path)) and i.quick_xor_hash == quickxor_of(
        iter([from_procore])), LIVE_TIMEOUT_S, "the file in SharePoint")

    from_sp = f"{MARKER} written in SharePoint\n".encode() * 30
    docs = sp_items.get_by_path(graph, drive, f"{ob.folder_path}/Documents")
    assert docs is not None
    sp_content.put_new_small(graph, drive, docs.id, "Scan SharePoint.txt", from_sp, "fail")
    created = wait_for(lambda: procore_item(user, SCOPE, "Scan SharePoint.txt"), LIVE_TIMEOUT_S,
                       "the file in Procore")
    wait_for(lambda: procore_bytes(user, SCOPE, created.id) == from_sp, LIVE_TIMEOUT_S, "its bytes in Procore")


def _secrets_of(run: Running, ob: Onboarded) -> dict[str, str]:
    doc, state = run.doc, run.stack.state_dir
    master, function = stack_keys(state, None)
    found = {
        "procore app client secret": doc["procore"]["app"]["client_secret"],
        "procore user client secret": doc["procore"]["user"]["client_secret"],
        "graph app client secret": doc["graph"]["app"]["client_secret"],
        "graph user client secret": doc["graph"]["user"]["client_secret"],
        "operator key": doc["admin_key"], "master key": master, "function key": function,
        "tenant API key": ob.api_key,
        "local secret-store key": (state / "local-secret.key").read_text().strip(),
    }
    for which in ("procore", "graph"):
        for n, token in enumerate(run.emulator(which, "/_emulator/tokens")["tokens"]):
            found[f"{which} access token #{n}"] = token
    return found


def test_no_secret_token_key_or_file_byte_in_any_log(live: tuple[Running, Onboarded], tmp_path: Path) -> None:
    run, ob = live
    _sync_both_ways(run, ob, tmp_path)
    state = run.stack.state_dir
    logs = {p.name: p.read_text(errors="replace") for p in [*state.glob("*.log"), state / TELEMETRY_FILE]}
    assert {"host.log", "procore.log", "graph.log", "azurite.log", TELEMETRY_FILE} <= set(logs), sorted(logs)
    # The logs hold the syncing: the host's call lines and the telemetry of this module's link.
    assert "pcsync.graph" in logs["host.log"] and "pcsync.procore" in logs["host.log"]
    assert ob.link_id in logs[TELEMETRY_FILE] and "webhooks/procore" in logs[TELEMETRY_FILE]
    needles = _secrets_of(run, ob)
    tokens = [k for k in needles if "access token" in k]
    assert len(tokens) >= 4, f"the emulators issued {len(tokens)} tokens: the run made fewer logins than this knows"
    needles["file content"] = MARKER
    for what, needle in needles.items():
        assert len(needle) >= MIN_NEEDLE, what
        for name, text in logs.items():
            assert needle not in text, f"{what} found in {name}"
