"""The emulator refuses what Procore refuses, with Procore's status and body (raw HTTP, no client)."""

from __future__ import annotations

import hashlib
import os

import httpx
import pytest

from emulators.procore.server import RunningEmulator

from .conftest import control_of, raw_token

MiB = 1024 * 1024


@pytest.fixture()
def api(emu: RunningEmulator) -> httpx.Client:
    token = raw_token(emu)
    with httpx.Client(base_url=emu.base_url, headers={"Authorization": f"Bearer {token}",
                                                      "Procore-Company-Id": "1"}) as c:
        yield c


def test_missing_token_is_401_with_procore_message(emu: RunningEmulator) -> None:
    r = httpx.get(emu.base_url + "/rest/v1.0/folders", params={"project_id": 101},
                  headers={"Procore-Company-Id": "1"})
    assert r.status_code == 401
    assert r.json() == {"errors": "The access token is invalid"}
    assert "invalid_token" in r.headers["WWW-Authenticate"]


def test_garbage_token_is_401(emu: RunningEmulator) -> None:
    r = httpx.get(emu.base_url + "/rest/v1.0/me", headers={"Authorization": "Bearer nope", "Procore-Company-Id": "1"})
    assert r.status_code == 401


def test_missing_company_header_is_400(emu: RunningEmulator) -> None:
    r = httpx.get(emu.base_url + "/rest/v1.0/folders", params={"project_id": 101},
                  headers={"Authorization": f"Bearer {raw_token(emu)}"})
    assert r.status_code == 400
    assert r.json()["errors"].startswith("Missing Procore-Company-Id header!")


def test_company_without_the_app_is_403_not_connected(api: httpx.Client) -> None:
    r = api.get("/rest/v1.0/folders", params={"project_id": 101}, headers={"Procore-Company-Id": "2"})
    assert r.status_code == 403
    assert r.json() == {"errors": "App is not connected to this company"}


def test_unknown_project_is_404(api: httpx.Client) -> None:
    assert api.get("/rest/v1.0/folders", params={"project_id": 987654}).status_code == 404


def test_project_not_permitted_for_the_app_is_404_but_visible_to_the_user(api: httpx.Client,
                                                                         emu: RunningEmulator) -> None:
    assert api.get("/rest/v1.0/folders", params={"project_id": 199}).status_code == 404
    user = {"Authorization": f"Bearer {raw_token(emu, 'user')}"}
    assert api.get("/rest/v1.0/folders", params={"project_id": 199}, headers=user).status_code == 200


def test_bad_client_secret_is_401_invalid_client(emu: RunningEmulator) -> None:
    r = httpx.post(emu.base_url + "/oauth/token", data={"grant_type": "client_credentials",
                                                       "client_id": "pcsync-app-client", "client_secret": "wrong"})
    assert r.status_code == 401
    assert r.json()["error"] == "invalid_client"


def test_token_info_and_revoke(emu: RunningEmulator) -> None:
    token = raw_token(emu)
    info = httpx.get(emu.base_url + "/oauth/token/info", headers={"Authorization": f"Bearer {token}"})
    assert info.status_code == 200 and info.json()["application"]["uid"] == "pcsync-app-client"
    assert 5300 < info.json()["expires_in_seconds"] <= 5400
    assert httpx.post(emu.base_url + "/oauth/revoke", data={"token": token}).status_code == 200
    assert httpx.get(emu.base_url + "/rest/v1.0/me", headers={"Authorization": f"Bearer {token}",
                                                              "Procore-Company-Id": "1"}).status_code == 401


def _a_file_url(api: httpx.Client) -> str:
    docs = api.get("/rest/v1.0/projects/101/documents", params={"filters[document_type]": "file"}).json()
    return str(docs[0]["file"]["current_version"]["url"])


def test_download_first_hop_needs_the_token(api: httpx.Client) -> None:
    url = _a_file_url(api)
    assert httpx.get(url).status_code == 401
    assert api.get(url).status_code == 302


def test_storage_hop_rejects_an_authorization_header(api: httpx.Client) -> None:
    location = api.get(_a_file_url(api)).headers["location"]
    refused = httpx.get(location, headers={"Authorization": api.headers["Authorization"]})
    assert refused.status_code == 400
    assert "<Code>InvalidArgument</Code>" in refused.text
    ok = httpx.get(location, headers={"Range": "bytes=2-5"})
    assert ok.status_code == 206 and len(ok.content) == 4
    assert ok.headers["content-range"].startswith("bytes 2-5/")


def test_storage_hop_rejects_a_tampered_signature(api: httpx.Client) -> None:
    location = api.get(_a_file_url(api)).headers["location"]
    assert httpx.get(location.replace("X-Amz-Signature=", "X-Amz-Signature=0")).status_code == 403


def _segmented(api: httpx.Client, segments: list[bytes]) -> dict:
    body = {"segments": [{"size": len(s), "sha256": hashlib.sha256(s).hexdigest()} for s in segments]}
    r = api.post("/rest/v1.1/projects/101/uploads", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def _put(info: dict, data: bytes, **extra: str) -> httpx.Response:
    return httpx.put(info["url"], content=data,
                     headers={**info["headers"], "Content-Type": "application/octet-stream", **extra})


def test_segment_with_the_wrong_sha256_is_rejected(api: httpx.Client) -> None:
    seg = os.urandom(5 * MiB)
    up = _segmented(api, [seg, b"tail"])
    bad = bytearray(seg)
    bad[0] ^= 0xFF
    r = _put(up["segments"][0], bytes(bad))
    assert r.status_code == 400 and "XAmzContentSHA256Mismatch" in r.text
    assert _put(up["segments"][0], seg).status_code == 200


def test_segment_put_with_authorization_is_rejected(api: httpx.Client) -> None:
    up = _segmented(api, [b"only one small segment"])
    r = _put(up["segments"][0], b"only one small segment", Authorization=api.headers["Authorization"])
    assert r.status_code == 400


def test_segments_below_5_mib_except_the_last_are_refused(api: httpx.Client) -> None:
    r = api.post("/rest/v1.1/projects/101/uploads", json={"segments": [
        {"size": 1000, "sha256": "0" * 64}, {"size": 10, "sha256": "1" * 64}]})
    assert r.status_code == 422


def test_completion_with_etags_out_of_order_is_refused(api: httpx.Client) -> None:
    segs = [os.urandom(5 * MiB), b"second and last"]
    up = _segmented(api, segs)
    etags = [_put(info, data).headers["etag"] for info, data in zip(up["segments"], segs, strict=True)]
    path = f"/rest/v1.1/projects/101/uploads/{up['uuid']}"
    wrong = api.patch(path, json={"segments": [{"etag": e} for e in reversed(etags)]})
    assert wrong.status_code == 422
    right = api.patch(path, json={"segments": [{"etag": e} for e in etags]})
    assert right.status_code == 200 and right.json()["status"] == "complete"


def test_upload_post_after_the_start_window_is_403(api: httpx.Client, emu: RunningEmulator) -> None:
    up = api.post("/rest/v1.1/projects/101/uploads", json={"response_filename": "a.txt",
                                                           "response_content_type": "text/plain"}).json()
    control_of(emu).post(f"/uploads/{up['uuid']}/expire", {"what": "start"})
    r = httpx.post(up["url"], data=up["fields"], files={"file": ("a.txt", b"hello", "text/plain")})
    assert r.status_code == 403 and "Policy expired" in r.text


def test_upload_attached_after_expiry_is_refused(api: httpx.Client, emu: RunningEmulator) -> None:
    up = api.post("/rest/v1.1/projects/101/uploads", json={"response_filename": "a.txt",
                                                           "response_content_type": "text/plain"}).json()
    posted = httpx.post(up["url"], data=up["fields"], files={"file": ("a.txt", b"hello", "text/plain")})
    assert posted.status_code == 204
    control_of(emu).post(f"/uploads/{up['uuid']}/expire", {"what": "attach"})
    r = api.post("/rest/v1.0/files", params={"project_id": 101},
                 json={"file": {"name": "late.txt", "upload_uuid": up["uuid"]}})
    assert r.status_code == 422 and "upload_uuid" in r.json()["errors"]


def test_upload_of_another_user_cannot_be_attached(api: httpx.Client, emu: RunningEmulator) -> None:
    up = api.post("/rest/v1.1/projects/101/uploads", json={"response_filename": "a.txt"}).json()
    assert httpx.post(up["url"], data=up["fields"], files={"file": ("a.txt", b"hi", "text/plain")}).status_code == 204
    user = {"Authorization": f"Bearer {raw_token(emu, 'user')}"}
    r = api.post("/rest/v1.0/files", params={"project_id": 101}, headers=user,
                 json={"file": {"name": "x.txt", "upload_uuid": up["uuid"]}})
    assert r.status_code == 422


def test_rate_limit_headers_on_every_response(api: httpx.Client) -> None:
    r = api.get("/rest/v1.0/me")
    assert {"x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"} <= set(r.headers)


def test_exceeding_the_limit_is_429_with_retry_after(fresh_emu: RunningEmulator) -> None:
    control_of(fresh_emu).config(rate_spike_limit=3, rate_spike_window_s=30)
    headers = {"Authorization": f"Bearer {raw_token(fresh_emu)}", "Procore-Company-Id": "1"}
    codes = [httpx.get(fresh_emu.base_url + "/rest/v1.0/me", headers=headers) for _ in range(4)]
    assert [c.status_code for c in codes] == [200, 200, 200, 429]
    assert int(codes[-1].headers["Retry-After"]) > 0
    assert codes[-1].headers["X-Rate-Limit-Remaining"] == "0"
    assert "surpassed the max number of requests" in codes[-1].text


def test_unavailable_switch_answers_503_with_retry_after(fresh_emu: RunningEmulator) -> None:
    control_of(fresh_emu).post("/unavailable", {"count": 1, "retry_after": 7})
    headers = {"Authorization": f"Bearer {raw_token(fresh_emu)}", "Procore-Company-Id": "1"}
    first = httpx.get(fresh_emu.base_url + "/rest/v1.0/me", headers=headers)
    assert first.status_code == 503 and first.headers["Retry-After"] == "7"
    assert httpx.get(fresh_emu.base_url + "/rest/v1.0/me", headers=headers).status_code == 200


def test_paging_headers_and_absolute_links(api: httpx.Client) -> None:
    r = api.get("/rest/v1.0/projects/101/documents", params={"per_page": 4, "page": 2})
    total = int(r.headers["Total"])
    assert r.headers["Per-Page"] == "4" and total > 8
    links = r.links
    assert links["next"]["url"].startswith("http://127.0.0.1") and "page=3" in links["next"]["url"]
    assert "page=1" in links["first"]["url"] and "page=1" in links["prev"]["url"]
    last_page = -(-total // 4)
    last = api.get("/rest/v1.0/projects/101/documents", params={"per_page": 4, "page": last_page})
    assert "next" not in last.links
    first = api.get("/rest/v1.0/projects/101/documents", params={"per_page": 4})
    assert "prev" not in first.links and "first" not in first.links
