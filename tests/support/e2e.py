"""End-to-end helpers: a whole local stack (devhost.stack.Stack), onboarding through the public API,
and both sides' trees read back through the public Procore and Graph APIs with the *user* identities.
They live in the `demo` package (product tooling, which must not import tests); re-exported here.
"""

from __future__ import annotations

from demo.onboarding import NOTIFY, Onboarded, link_status, onboard, wait_regular
from demo.quiet import pending_messages, wait_quiet
from demo.stack import Running, start_stack
from demo.trees import ROOT_PATH, Node, procore_path, procore_tree, quickxor_of, sent_mail, sp_tree
from demo.waiting import wait_for

__all__ = [
    "NOTIFY", "ROOT_PATH", "Node", "Onboarded", "Running", "link_status", "onboard", "pending_messages",
    "procore_path", "procore_tree", "quickxor_of", "sent_mail", "sp_tree", "start_stack", "wait_for", "wait_quiet",
    "wait_regular",
]
