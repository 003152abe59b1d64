"""How `./dev test` spreads the suite over pytest-xdist workers (`--dist loadgroup`): which tests must share
a worker (those on one stack: a shared stack per delivery mode, a module's own stack per parameter) and in
what order the groups start (the longest first, from measured durations), so the few long e2e groups never
end up queued behind each other on one worker while the others idle.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pytest
from xdist.remote import Producer
from xdist.scheduler import LoadScopeScheduling
from xdist.workermanage import WorkerController

from tests.support.live import SHARED

# Measured seconds of the longest groups (one worker, stack start included; `--durations` of a serial run
# on the 2-core machine). Only their order matters: a group not named here is estimated by its level.
KNOWN_S = {
    "e2e/test_large_transfer.py": 360,
    "e2e/test_initial_sync.py:variant=duplicates": 230,
    "e2e/test_initial_sync.py:variant=faults": 160,
    "e2e/test_cheap_checks.py": 150,
    "e2e/shared-once": 840,     # with Photos, records, company Documents, one-way, the dashboard, traces
    "e2e/shared-twice": 840,
    "e2e/test_initial_sync.py:variant=plain": 110,
    "e2e/test_busy_drive.py:drive=twice": 140,   # 234 s beside the others (parallel run, loaded machine)
    "e2e/test_mass_delete.py:live=twice": 100,
    "e2e/test_mass_delete.py:live=once": 80,
    "e2e/test_golden_scenarios.py:staged=twice": 80,
    "e2e/test_golden_scenarios.py:staged=once": 80,
    "e2e/test_office_rewrite.py:live=twice": 70,
    "e2e/test_office_rewrite.py:live=once": 60,
    "e2e/test_demo.py": 55,
    "e2e/test_bench.py": 210,    # the quick bench: its own stack, about 3.5 min beside the others
}
PER_TEST_S = {"e2e": 30.0, "integration": 1.0, "infra": 1.0, "unit": 0.05}
BROAD_SCOPES = ("session", "package", "module", "class")
GROUPS_DIR = "pcsync_groups_dir"      # the workerinput key
_DIR = pytest.StashKey[Path]()


def group_of(item: pytest.Item) -> str:
    """The worker group of a test: its delivery mode's shared stack, or its module together with the
    values of its module-wide fixture parameters (each of which is a stack or staging of its own)."""
    module = item.path.relative_to(item.config.rootpath / "tests").as_posix()
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return module
    if SHARED in callspec.params:
        return f"{module.split('/')[0]}/shared-{callspec.params[SHARED]}"
    fixtures = item._fixtureinfo.name2fixturedefs  # type: ignore[attr-defined]
    broad = [f"{name}={callspec.params[name]}" for name in sorted(callspec.params)
             if name in fixtures and fixtures[name][-1].scope in BROAD_SCOPES]
    return ":".join([module, *broad])


def groups_dir(config: pytest.Config) -> Path:
    """The controller's folder where each worker leaves its tests' groups (made on first use)."""
    if _DIR not in config.stash:
        config.stash[_DIR] = Path(tempfile.mkdtemp(prefix="pcsync-groups-"))
    return config.stash[_DIR]


def tell_worker(node: WorkerController) -> None:
    """Controller: give a starting worker the groups folder."""
    node.workerinput[GROUPS_DIR] = str(groups_dir(node.config))


def report_groups(config: pytest.Config, items: Sequence[pytest.Item]) -> None:
    """Worker: leave each collected test's group for the controller's scheduler. xdist's own loadgroup
    cannot carry them: it renames `item._nodeid`, which pytest 9 no longer reads (nodeid is `str(item._id)`)."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None or GROUPS_DIR not in workerinput:
        return
    groups = {item.nodeid: group_of(item) for item in items}
    Path(workerinput[GROUPS_DIR], f"{workerinput['workerid']}.json").write_text(json.dumps(groups))


def forget_groups(config: pytest.Config) -> None:
    if _DIR in config.stash:
        shutil.rmtree(config.stash[_DIR], ignore_errors=True)


def estimate_s(group: str, tests: int) -> float:
    """How long a group is expected to take on one worker (its measured time, else by its level)."""
    if group in KNOWN_S:
        return KNOWN_S[group]
    return tests * PER_TEST_S.get(group.split("/")[0], PER_TEST_S["e2e"])


class LongestFirstScheduling(LoadScopeScheduling):
    """xdist's scope scheduling over our groups (each group whole on one worker), queued by expected
    duration (longest first) rather than by how many tests they hold, so each worker starts on a long
    group and the short ones fill in after."""

    def __init__(self, config: pytest.Config, log: Producer | None = None) -> None:
        super().__init__(config, log)
        self._groups: dict[str, str] = {}
        self._ranked = False

    def schedule(self) -> None:
        if self.collection is None and not self._groups:     # every worker has collected, nothing sent yet
            for reported in sorted(groups_dir(self.config).glob("*.json")):
                self._groups.update(json.loads(reported.read_text()))
        super().schedule()

    def _split_scope(self, nodeid: str) -> str:
        return self._groups.get(nodeid, nodeid)

    def _assign_work_unit(self, node: WorkerController) -> None:
        if not self._ranked:      # the first assignment: the queue is complete, nothing is sent yet
            self._ranked = True
            units = sorted(self.workqueue.items(), key=lambda unit: -estimate_s(unit[0], len(unit[1])))
            self.workqueue.clear()
            self.workqueue.update(units)
        super()._assign_work_unit(node)
