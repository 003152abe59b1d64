"""The deferral claim's transitions (pure): one pending delayed copy per message, whoever delivers it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.models.api import ToolKey
from shared.models.deferral import DeferralRow
from shared.models.messages import Lane, UploadFile
from shared.sync.deferral import deferral_key, is_settled, on_defer

NOW = datetime(2026, 12, 5, 5, 0, tzinfo=UTC)


def _msg(**update: object) -> UploadFile:
    msg = UploadFile(tenant_id="t", link_id="l", lane=Lane.LIVE, tool=ToolKey.DOCUMENTS, procore_id="1",
                     version="2", staged_blob="b", size=1, sha256="0", quickxor="AA==")
    return msg.model_copy(update=update)


def _pending(holder: str, due_in: float) -> DeferralRow:
    return DeferralRow(scope="l", key="k", holder=holder, due_at=NOW + timedelta(seconds=due_in), attempt=1)


def test_the_key_ignores_the_attempt_but_not_the_work_or_the_queue() -> None:
    assert deferral_key("q", _msg()) == deferral_key("q", _msg(attempt=7))
    assert deferral_key("q", _msg()) != deferral_key("q", _msg(version="3"))
    assert deferral_key("q", _msg()) != deferral_key("other", _msg())


def test_a_first_deferral_claims_and_names_its_copy() -> None:
    row = on_defer(None, "l", "k", "a", NOW, 3.0, 1)
    assert row is not None and row.holder == "a" and row.due_at == NOW + timedelta(seconds=3) and row.attempt == 1


def test_a_duplicate_finding_another_delivery_s_copy_pending_sends_none() -> None:
    assert on_defer(_pending("a", 3.0), "l", "k", "b", NOW, 5.0, 1) is None


def test_the_same_delivery_claims_again_after_a_crash() -> None:
    row = on_defer(_pending("a", 3.0), "l", "k", "a", NOW, 5.0, 1)
    assert row is not None and row.due_at == NOW + timedelta(seconds=5)


def test_once_the_copy_is_due_its_next_deferral_claims_whoever_runs_it() -> None:
    row = on_defer(_pending("a", 0.0), "l", "k", "c", NOW, 8.0, 2)
    assert row is not None and row.holder == "c" and row.attempt == 2


def test_a_row_goes_only_when_no_copy_is_pending() -> None:
    assert is_settled(_pending("a", -1.0), NOW)
    assert not is_settled(_pending("a", 2.0), NOW)
    assert not is_settled(None, NOW)
