"""Initial sync under a host crash: a page whose step died after writing its items' pending rows but
before sending their messages is redelivered, and the redelivery sends the messages the rows still
wait for (the crash test in tests/e2e/test_crash.py found items left pending forever)."""

from __future__ import annotations

from typing import Any

from shared.models.messages import EnumeratePage, StartInitialSync
from tests.integration.safety.conftest import Env


def _ours(messages: list[dict[str, Any]], link_id: str, kind: str) -> set[str]:
    return {str(m["procore_id"]) for m in messages if m["link_id"] == link_id and m["kind"] == kind}


def test_a_redelivered_page_sends_again_what_its_pending_items_wait_for(env: Env) -> None:
    settings = env.services.settings
    link = env.new_link()
    env.take(settings.queue_initial_sync)
    env.run(StartInitialSync(tenant_id=link.tenant_id, link_id=link.link_id))
    pages = [m for m in env.take(settings.queue_initial_sync) if m["link_id"] == link.link_id
             and m["kind"] == "enumerate_page"]
    assert len(pages) == 1
    env.take(settings.queue_metadata_initial)
    env.run(EnumeratePage.model_validate(pages[0]))
    files = _ours(env.take(settings.queue_transfer_initial), link.link_id, "fetch_file")
    folders = _ours(env.take(settings.queue_metadata_initial), link.link_id, "mirror_folder")
    assert files and folders

    # The messages above died with the host (taken, never run): the page's redelivery sends them again.
    env.run(EnumeratePage.model_validate(pages[0]))
    assert _ours(env.take(settings.queue_transfer_initial), link.link_id, "fetch_file") == files
    assert _ours(env.take(settings.queue_metadata_initial), link.link_id, "mirror_folder") == folders
    env.take(settings.queue_initial_sync)
