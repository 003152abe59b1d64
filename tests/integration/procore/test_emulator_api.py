"""Emulator endpoints the product client does not use but Procore accepts (raw HTTP): legacy
multipart `file[data]` / `image[data]`, the tutorial's image upload shape, RFI replies, drawings."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from emulators.procore.server import RunningEmulator

from .conftest import raw_token


@pytest.fixture()
def api(emu: RunningEmulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=emu.base_url, headers={"Authorization": f"Bearer {raw_token(emu, 'user')}",
                                                      "Procore-Company-Id": "1"}) as c:
        yield c


def test_file_created_from_multipart_data(api: httpx.Client) -> None:
    r = api.post("/rest/v1.0/files", params={"project_id": 101},
                 data={"file[name]": "legacy upload.txt"}, files={"file[data]": ("x.txt", b"legacy bytes")})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["name"] == "legacy upload.txt" and body["file_versions"][0]["size"] == len(b"legacy bytes")
    url = body["file_versions"][0]["url"]
    storage = api.get(url).headers["location"]
    assert httpx.get(storage).content == b"legacy bytes"


def test_name_clash_is_422_unless_unique_name(api: httpx.Client) -> None:
    def create(**extra: str) -> httpx.Response:
        return api.post("/rest/v1.0/files", params={"project_id": 102},
                        data={"file[name]": "same.txt", **extra}, files={"file[data]": ("s.txt", b"s")})

    assert create().status_code == 201
    assert create().status_code == 422
    made = create(**{"file[unique_name]": "true"})
    assert made.status_code == 201 and made.json()["name"] == "same (1).txt"


def test_images_from_multipart_and_from_the_tutorial_upload_shape(api: httpx.Client) -> None:
    album = api.post("/rest/v1.0/image_categories", params={"project_id": 101},
                     json={"image_category": {"name": "Raw API"}}).json()
    r = api.post("/rest/v1.0/images", params={"project_id": 101}, data={"image[image_category_id]": str(album["id"])},
                 files={"image[data]": ("raw.jpg", b"\xff\xd8 fake \xff\xd9", "image/jpeg")})
    assert r.status_code == 201 and r.json()["image_category_id"] == album["id"]
    up = api.post("/rest/v1.1/projects/101/uploads", json={"response_filename": "t.jpg"}).json()
    assert httpx.post(up["url"], data=up["fields"], files={"file": ("t.jpg", b"jpeg")}).status_code == 204
    r2 = api.post("/rest/v1.0/images", params={"project_id": 101},
                  json={"upload": {"uuid": up["uuid"], "image_name": "tutorial.jpg"}, "image": {}})
    assert r2.status_code == 201 and r2.json()["filename"] == "tutorial.jpg"
    assert album["id"] in api.get("/rest/v1.0/image_categories/ids_with_images", params={"project_id": 101}).json()


def test_rfi_replies_and_drawings(api: httpx.Client) -> None:
    rfi = api.get("/rest/v1.0/projects/101/rfis").json()[0]
    reply = api.post(f"/rest/v1.0/projects/101/rfis/{rfi['id']}/replies", json={"reply": {"body": "Answered."}})
    assert reply.status_code == 201
    replies = api.get(f"/rest/v1.0/projects/101/rfis/{rfi['id']}/replies").json()
    assert reply.json()["id"] in {r["id"] for r in replies}
    shown = api.get(f"/rest/v1.0/projects/101/rfis/{rfi['id']}").json()
    assert shown["questions"][0]["answers"] and shown["updated_at"] >= rfi["updated_at"]
    pdf = api.get(f"/rest/v1.0/projects/101/rfis/{rfi['id']}.pdf", follow_redirects=True)
    assert pdf.status_code == 200 and b"(Reply: Answered.) Tj" in pdf.content   # Procore's RFI PDF shows replies:
    api.post(f"/rest/v1.0/projects/101/rfis/{rfi['id']}/replies", json={"reply": {"body": "Second."}})
    again = api.get(f"/rest/v1.0/projects/101/rfis/{rfi['id']}.pdf", follow_redirects=True).content
    assert b"(Reply: Second.) Tj" in again                                   # a new one, even within the second
    areas = api.get("/rest/v1.1/projects/101/drawing_areas").json()
    drawings = api.get(f"/rest/v1.1/drawing_areas/{areas[0]['id']}/drawings", params={"project_id": 101}).json()
    assert drawings and drawings[0]["current_revision"]["pdf_url"]
