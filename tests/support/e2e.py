"""End-to-end helpers: a whole local stack (devhost.stack.Stack), onboarding through the public API,
and both sides' trees read back through the public Procore and Graph APIs with the *user* identities.
They live in the `demo` package (product tooling, which must not import tests); re-exported here.

The tests' stacks poll idle queues every 2 s, through the app setting that overrides host.json's 0.5 s as on
Azure: up to eight stacks stay up through `./dev test`, and at 0.5 s their idle polling alone took a fifth of
the 2-core machine. Latency is the bench's to measure, on host.json's own setting (bench/stack.py).
"""

from __future__ import annotations

from pathlib import Path

from demo.onboarding import NOTIFY, Onboarded, link_status, onboard, wait_regular
from demo.quiet import pending_messages, wait_quiet
from demo.stack import Running
from demo.stack import start_stack as _start_stack
from demo.trees import ROOT_PATH, Node, procore_path, procore_tree, quickxor_of, sent_mail, sp_tree
from demo.waiting import wait_for
from devhost.settings import MAX_POLLING_OVERRIDE

__all__ = [
    "NOTIFY", "ROOT_PATH", "Node", "Onboarded", "Running", "link_status", "onboard", "pending_messages",
    "procore_path", "procore_tree", "quickxor_of", "sent_mail", "sp_tree", "start_stack", "wait_for", "wait_quiet",
    "wait_regular",
]


TEST_POLLING = {MAX_POLLING_OVERRIDE: "00:00:02"}


def start_stack(state_dir: Path, *, seed_size: str = "e2e", host_env: dict[str, str] | None = None) -> Running:
    """demo.stack.start_stack with the tests' idle polling (a test's own `host_env` may set it otherwise)."""
    return _start_stack(state_dir, seed_size=seed_size, host_env={**TEST_POLLING, **(host_env or {})})
