"""The deferral claim's transitions (pure): one pending delayed copy per message, whoever delivers it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.models.api import ToolKey
from shared.models.deferral import DeferralRow
from shared.models.messages import Lane, UploadFile
from shared.sync.deferral import STALE_AFTER, deferral_key, is_settled, on_defer

NOW = datetime(2026, 12, 5, 5, 0, tzinfo=UTC)


def _msg(**update: object) -> UploadFile:
    msg = UploadFile(tenant_id="t", link_id="l", lane=Lane.LIVE, tool=ToolKey.DOCUMENTS, procore_id="1",
                     version="2", staged_blob="b", size=1, sha256="0", quickxor="AA==")
    return msg.model_copy(update=update)


def _pending(holder: str, due_in: float, attempt: int = 1) -> DeferralRow:
    return DeferralRow(scope="l", key="k", holder=holder, due_at=NOW + timedelta(seconds=due_in), attempt=attempt)


def test_the_key_ignores_the_attempt_but_not_the_work_or_the_queue() -> None:
    assert deferral_key("q", _msg()) == deferral_key("q", _msg(attempt=7))
    assert deferral_key("q", _msg()) != deferral_key("q", _msg(version="3"))
    assert deferral_key("q", _msg()) != deferral_key("other", _msg())


def test_a_first_deferral_claims_and_names_its_copy() -> None:
    row = on_defer(None, "l", "k", "a", NOW, 3.0, 1)
    assert row is not None and row.holder == "a" and row.due_at == NOW + timedelta(seconds=3) and row.attempt == 1


def test_a_duplicate_finding_another_delivery_s_claim_of_that_attempt_sends_none() -> None:
    assert on_defer(_pending("a", 3.0), "l", "k", "b", NOW, 5.0, 1) is None
    assert on_defer(_pending("a", 3.0, attempt=4), "l", "k", "b", NOW, 5.0, 1) is None   # a later copy pending


def test_the_same_delivery_claims_again_after_a_crash() -> None:
    row = on_defer(_pending("a", 3.0), "l", "k", "a", NOW, 5.0, 1)
    assert row is not None and row.due_at == NOW + timedelta(seconds=5)


def test_the_pending_copy_claims_its_next_attempt_even_before_its_nominal_due_time() -> None:
    """The queue rounds delays down to whole seconds: the copy of attempt 3 (1.5 s) may run after 1 s."""
    row = on_defer(_pending("a", 0.5, attempt=3), "l", "k", "c", NOW, 3.0, 4)
    assert row is not None and row.holder == "c" and row.attempt == 4


def test_a_claim_left_behind_by_a_dead_chain_goes_stale() -> None:
    old = _pending("a", -(STALE_AFTER.total_seconds() + 1), attempt=9)
    assert on_defer(old, "l", "k", "f", NOW, 1.0, 1) is not None
    assert on_defer(_pending("a", -1.0, attempt=9), "l", "k", "f", NOW, 1.0, 1) is None


def test_a_row_goes_unless_it_claims_a_later_copy() -> None:
    assert is_settled(_pending("a", 2.0, attempt=2), 2)
    assert is_settled(_pending("a", 2.0, attempt=1), 2)
    assert not is_settled(_pending("a", 2.0, attempt=3), 2)
    assert not is_settled(None, 2)
