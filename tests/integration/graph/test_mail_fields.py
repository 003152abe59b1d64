"""sendMail (202, stored in the mailbox's sent items, read back through the messages API) and
listItem fields (columns on the list, PATCH bumping eTag but not cTag, visible in delta)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from shared import errors
from shared.graph import content, delta, fields, mail
from shared.graph.models import DriveItem
from shared.graph.session import GraphSession


def test_send_mail_lands_in_sent_items(app: GraphSession, raw: httpx.Client, desc: dict[str, Any]) -> None:
    mail.send_mail(app, desc["mailbox"], "Two way sync initiated for project Tower",
                   "The initial sync finished.", ["pm@example.com"], cc=["ops@example.com"])
    sent = raw.get(f"/users/{desc['mailbox']}/mailFolders/sentitems/messages").json()["value"]
    assert sent[0]["subject"] == "Two way sync initiated for project Tower"
    assert sent[0]["toRecipients"][0]["emailAddress"]["address"] == "pm@example.com"
    assert sent[0]["from"]["emailAddress"]["address"] == desc["mailbox_address"]
    one = raw.get(f"/users/{desc['mailbox_address']}/messages/{sent[0]['id']}")
    assert one.status_code == 200 and one.json()["body"]["content"] == "The initial sync finished."
    resp = raw.post(f"/users/{desc['mailbox']}/sendMail", json={"message": {"subject": "x"}})
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "ErrorInvalidRecipients"
    assert raw.post("/users/nobody@contoso.com/sendMail", json={"message": {}}).status_code == 404


def test_send_mail_without_saving(app: GraphSession, raw: httpx.Client, desc: dict[str, Any]) -> None:
    before = len(raw.get(f"/users/{desc['mailbox']}/messages", params={"$top": "999"}).json()["value"])
    mail.send_mail(app, desc["mailbox"], "quiet", "x", ["a@example.com"], save_to_sent_items=False)
    after = len(raw.get(f"/users/{desc['mailbox']}/messages", params={"$top": "999"}).json()["value"])
    assert after == before


def test_list_item_fields(app: GraphSession, raw: httpx.Client, drive_id: str, folder: DriveItem) -> None:
    made = raw.post(f"/drives/{drive_id}/list/columns",
                    json={"name": f"ProcoreId{folder.name[-4:]}", "text": {"maxLength": 20}, "indexed": True})
    assert made.status_code == 201
    column = made.json()["name"]
    cols = raw.get(f"/drives/{drive_id}/list/columns").json()["value"]
    assert column in [c["name"] for c in cols]
    f = content.put_new_small(app, drive_id, folder.id, "rfi.pdf", b"%PDF")
    cursor = delta.latest_cursor(app, drive_id)
    updated = fields.update_fields(app, drive_id, f.id, {column: "12345"}, if_match=f.etag)
    assert updated[column] == "12345" and updated["FileLeafRef"] == "rfi.pdf"
    assert fields.get_fields(app, drive_id, f.id)[column] == "12345"
    after = raw.get(f"/drives/{drive_id}/items/{f.id}").json()
    assert after["eTag"] != f.etag and after["cTag"] == f.ctag
    assert f.id in {i.id for i in delta.fetch_changes(app, drive_id, cursor).items}
    with pytest.raises(errors.InvariantBroken):
        fields.update_fields(app, drive_id, f.id, {"NoSuchColumn": "x"})
    with pytest.raises(errors.InvariantBroken):
        fields.update_fields(app, drive_id, f.id, {column: "x" * 21})
    with pytest.raises(errors.Conflict):
        fields.update_fields(app, drive_id, f.id, {column: "1"}, if_match=f.etag)
    list_item = raw.get(f"/drives/{drive_id}/items/{f.id}/listItem", params={"$expand": "fields"}).json()
    ids = list_item["sharepointIds"]
    via_list = raw.get(f"/sites/{desc_site(raw, drive_id)}/lists/{ids['listId']}/items/{ids['listItemId']}/fields")
    assert via_list.status_code == 200 and via_list.json()[column] == "12345"


def desc_site(raw: httpx.Client, drive_id: str) -> str:
    drive = raw.get(f"/drives/{drive_id}/list").json()
    assert drive["list"]["template"] == "documentLibrary"
    return str(raw.get("/sites/contoso.sharepoint.com:/sites/Projects").json()["id"])
