from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.sync.conflict import Side, conflict_name, newest_wins

T0 = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_both_directions_agree_on_the_winner() -> None:
    procore_time, sp_time = T0, T0 + timedelta(minutes=5)
    from_procore = newest_wins(Side.PROCORE, procore_time, sp_time)
    from_sp = newest_wins(Side.SHAREPOINT, sp_time, procore_time)
    assert not from_procore.incoming_wins and from_sp.incoming_wins
    assert "SharePoint is newer" in from_procore.reason and "SharePoint is newer" in from_sp.reason


def test_unknown_times_favour_the_incoming_change() -> None:
    assert newest_wins(Side.PROCORE, None, T0).incoming_wins
    assert newest_wins(Side.SHAREPOINT, T0, None).incoming_wins


def test_conflict_names() -> None:
    assert conflict_name("Plan.pdf", Side.PROCORE, "2026-11-28") == "Plan (Procore conflict 2026-11-28).pdf"
    assert conflict_name("README", Side.SHAREPOINT, "2026-11-28") == "README (SharePoint conflict 2026-11-28)"
