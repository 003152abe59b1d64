"""Issue 17, point 5: host.json's functionTimeout is what the steps need, no more.

On Flex a timeout restarts the Python worker and fails the other messages in flight on that instance, so
the timeout must outlast the longest step: one step's bytes (budget.STEP_BYTES) through both its hops at
the slowest link budget.py plans for, plus one request stalled until its client timeout (so a stall fails
that one call, gracefully, before the host kills the worker). And it must end before the step's claim
lapses (progress.CLAIM_S): a step still running after that could be run twice at once.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

from shared.graph import config as graph_config
from shared.procore.http import DEFAULT_TIMEOUT as PROCORE_TIMEOUT
from shared.sync.transfer import budget, progress
from tests.infra.template import ROOT

HOST_JSON = ROOT / "host.json"
SLOWEST_LINK_BYTES_PER_S = 10 * 1000 * 1000   # budget.py: "at 10 MB/s, slower than any link this runs on"
HOPS_PER_STEP = 2                             # read (source or staging) + write (staging or destination)


def function_timeout() -> timedelta:
    value = json.loads(HOST_JSON.read_text())["functionTimeout"]
    m = re.fullmatch(r"(\d+):(\d\d):(\d\d)", value)
    assert m, f"functionTimeout {value!r} is not hh:mm:ss (-1, unbounded, is not allowed here)"
    return timedelta(hours=int(m[1]), minutes=int(m[2]), seconds=int(m[3]))


def longest_step() -> timedelta:
    moving = HOPS_PER_STEP * budget.STEP_BYTES / SLOWEST_LINK_BYTES_PER_S
    procore_stall = (PROCORE_TIMEOUT.read or 0) + (PROCORE_TIMEOUT.connect or 0)
    graph_stall = graph_config.DEFAULT_TIMEOUT_S + graph_config.DEFAULT_CONNECT_TIMEOUT_S
    return timedelta(seconds=moving + max(procore_stall, graph_stall))


def test_the_timeout_outlasts_the_longest_step() -> None:
    assert function_timeout() >= longest_step(), f"{function_timeout()} < longest step {longest_step()}"


def test_the_timeout_ends_before_a_steps_claim_lapses() -> None:
    assert function_timeout() < timedelta(seconds=progress.CLAIM_S)


def test_the_budget_docstring_still_states_the_rate_this_test_assumes() -> None:
    assert "10 MB/s" in (budget.__doc__ or ""), "budget.py changed its slowest-link assumption: update this test"
