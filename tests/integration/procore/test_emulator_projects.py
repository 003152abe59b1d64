"""The test-only POST /_emulator/projects: one more seeded project while the emulator runs, so e2e modules
can share a stack without sharing a project. The app sees it through the public API like a seeded one."""

from __future__ import annotations

from contextlib import closing

import httpx

from emulators.procore.server import RunningEmulator, start
from shared.procore.scope import Scope
from tests.integration.procore.conftest import GENEROUS, connect


def _post(e: RunningEmulator, body: object) -> httpx.Response:
    return httpx.post(e.base_url + "/_emulator/projects", json=body, timeout=30)


def _files(e: RunningEmulator, project_id: int) -> list[str]:
    with closing(connect(e, "app")) as app:
        return sorted(i.name for i in app.documents.list_documents(Scope.project(project_id))
                      if not i.is_folder and not i.is_recycle_bin)


def test_an_added_project_is_seeded_like_the_others_and_visible_to_the_app() -> None:
    emu = start(size="small", config=GENEROUS)
    try:
        assert _post(emu, {"id": 131, "name": "Shared Stack Module"}).status_code == 201
        with closing(connect(emu, "app")) as app:
            projects = {p.id: p.name for p in app.directory.projects()}
        assert projects[131] == "Shared Stack Module" and 101 in projects
        added, seeded = _files(emu, 131), _files(emu, 101)
        assert len(added) >= 10 and len(added) >= len(seeded) // 2   # a realistic tree, not an empty root
        assert _post(emu, {"id": 131, "name": "again"}).status_code == 409
        assert _post(emu, {"id": 101, "name": "taken by the seed"}).status_code == 409
        for bad in ({"name": "no id"}, {"id": "132", "name": "x"}, {"id": 0, "name": "x"}, {"id": 133}, []):
            assert _post(emu, bad).status_code == 422, bad
    finally:
        emu.stop()


def test_an_added_project_is_deterministic() -> None:
    first, second = start(size="small", config=GENEROUS), start(size="small", config=GENEROUS)
    try:
        for e in (first, second):
            assert _post(e, {"id": 140, "name": "Same"}).status_code == 201
        assert _files(first, 140) == _files(second, 140)
        assert _files(first, 101) == _files(second, 101)
    finally:
        first.stop()
        second.stop()
