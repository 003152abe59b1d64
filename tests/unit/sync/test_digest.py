"""The weekly digest's text (shared/sync/digest.py): every section of every link, long lists cut with a
count of the rest, empty sections left out, one notification id per ISO week."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.sync.digest import MAX_LISTED, ItemNote, LinkDigest, digest_week, render_digest

NOW = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)   # a Monday


def test_the_week_is_the_seven_days_before_the_timer_and_one_id_per_iso_week() -> None:
    since, until, notification = digest_week(NOW)
    assert until == NOW and since == NOW - timedelta(days=7)
    assert notification == "weekly-digest-2026-W50"
    assert digest_week(NOW + timedelta(hours=5))[2] == notification        # a second run that week: same mail
    assert digest_week(NOW + timedelta(days=7))[2] == "weekly-digest-2026-W51"


def test_every_section_of_every_link_is_in_the_body() -> None:
    busy = LinkDigest(label="Riverside (Procore project 101) <-> SharePoint Projects/Riverside",
                      synced={"documents": 12, "rfis": 3}, deleted={"documents": 2},
                      conflicts=["Plans/A-101.pdf: Procore newer wins; SharePoint edit kept as a prior version"],
                      skipped=[ItemNote(tool="documents", name="~$Budget.xlsx", reason="Office lock file")],
                      skipped_total=1,
                      failed=[ItemNote(tool="documents", name="Huge.zip", reason="Unavailable: 503")], failed_total=1,
                      held_deletes=["Plans/Old/B-201.pdf"])
    quiet = LinkDigest(label="Harbor (Procore project 102) <-> SharePoint Projects/Harbor")
    subject, body = render_digest("Acme Builders", [busy, quiet], NOW - timedelta(days=7), NOW)
    assert subject == "Weekly sync digest for Acme Builders: 2026-11-30 to 2026-12-07"
    riverside, harbor = body.split("\n\n")[1:3]
    assert "Synced: documents 12, rfis 3" in riverside and "Deleted: documents 2" in riverside
    assert "Conflicts (1):\n    - Plans/A-101.pdf: Procore newer wins" in riverside
    assert "Skipped (1):\n    - documents: ~$Budget.xlsx: Office lock file" in riverside
    assert "Failed (1):\n    - documents: Huge.zip: Unavailable: 503" in riverside
    assert "(release or discard them) (1):\n    - Plans/Old/B-201.pdf" in riverside
    assert harbor.startswith("Harbor") and "Synced: nothing" in harbor
    assert "Conflicts" not in harbor and "Skipped" not in harbor and "Failed" not in harbor
    assert '"weekly_digest": false' in body


def test_a_long_list_is_cut_and_the_rest_counted() -> None:
    notes = [ItemNote(tool="documents", name=f"f{i}.tmp", reason="temporary file") for i in range(MAX_LISTED)]
    link = LinkDigest(label="L", skipped=notes, skipped_total=MAX_LISTED + 40)
    _, body = render_digest("T", [link], NOW - timedelta(days=7), NOW)
    assert body.count("temporary file") == MAX_LISTED
    assert "... and 40 more (see the status API)" in body
