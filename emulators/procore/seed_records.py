"""Seed photos (albums with JPEGs of varied sizes and awkward album names) and records of every
one-way tool (with attachments, replies, drawing areas/drawings/revisions, fillable form PDFs)."""

from __future__ import annotations

import random
import time
from typing import Any

from .content import content_type, jpeg, write_content
from .models import Album, Attachment, Image, Record
from .pdf import make_pdf, template_pdf
from .store import State

ALBUMS = ["Progress Photos", "Site Visit 2026-03-04", "Façade & Roof", "Punch #1: Level 3?", "Safety Walk"]
STATUSES = ["open", "closed", "draft"]


def _blob(st: State, name: str, size: int, rng: random.Random) -> Any:
    tmp = st.blobs.temp_path("seed")
    write_content(tmp, name, size, rng, name)
    return st.blobs.adopt(tmp, content_type(name), name)


def seed_photos(st: State, project_ids: list[int], per_album: int, rng: random.Random, author: dict[str, Any],
                now: float) -> None:
    for pid in project_ids:
        for pos, name in enumerate(ALBUMS, start=1):
            when = now - rng.uniform(5, 90) * 86400
            album = Album(st.next_id("album"), pid, name, when, when, position=pos)
            st.albums[album.id] = album
            for n in range(per_album):
                w, h = rng.choice([(4032, 3024), (1920, 1080), (1280, 960), (640, 480)])
                data = jpeg(w, h, pad_to=rng.choice([30_000, 200_000, 900_000]))
                fname = f"IMG_{album.id}{n:03d}.jpg" if n % 3 else f"Level {n} – east side #{n}.jpg"
                blob = st.blobs.put_bytes(data, "image/jpeg", fname)
                t = when + n * 3600
                img = Image(st.next_id("image"), pid, album.id, blob.key, fname, blob.size, t, t, author,
                            description=f"{name} photo {n}", taken_at=t, width=w, height=h)
                st.images[img.id] = img


def _attachments(st: State, rng: random.Random, count: int) -> list[Attachment]:
    out = []
    for i in range(count):
        name = rng.choice([f"markup {i}.pdf", f"site photo {i}.jpg", f"calc sheet {i}.xlsx"])
        blob = _blob(st, name, rng.choice([2_000, 40_000]), rng)
        out.append(Attachment(st.next_id("attachment"), blob.key, name, blob.content_type))
    return out


def _fields(kind: str, n: int, rng: random.Random) -> dict[str, Any]:
    status = rng.choice(STATUSES)
    return {
        "rfis": {"number": str(n), "full_number": f"RFI-{n:03d}", "subject": f"Clarify beam pocket at grid {n}",
                 "status": status, "question": f"Please confirm detail {n}/S-501."},
        "submittals": {"number": str(n), "formatted_number": f"03 30 00-{n}", "title": f"Concrete mix design {n}",
                       "revision": 0, "status": {"id": 1, "name": "Open", "status": "Open"}},
        "forms": {"name": f"Daily Safety Form {n}", "form_template_name": "Daily Safety", "private": False},
        "observation_items": {"number": str(n), "name": f"Missing guardrail level {n}", "status": "initiated",
                              "priority": rng.choice(["Low", "Medium", "High"])},
        "checklist_lists": {"number": n, "name": f"Pre-pour inspection {n}", "status": "in_progress"},
        "incidents": {"number": n, "title": f"Near miss at hoist {n}", "status": "open", "recordable": False},
        "work_order_contracts": {"number": f"SC-{n:03d}", "title": f"Electrical subcontract {n}", "status": "Approved",
                                 "executed": True, "grand_total": f"{rng.randint(10, 900)}000.00"},
        "purchase_order_contracts": {"number": f"PO-{n:03d}", "title": f"Rebar supply {n}", "status": "Draft",
                                     "executed": False, "grand_total": f"{rng.randint(1, 90)}000.00"},
    }[kind]


def seed_records(st: State, project_ids: list[int], per_tool: int, rng: random.Random, author: dict[str, Any],
                 now: float) -> None:
    kinds = ["rfis", "submittals", "forms", "observation_items", "checklist_lists", "incidents",
             "work_order_contracts", "purchase_order_contracts"]
    for pid in project_ids:
        for kind in kinds:
            for n in range(1, per_tool + 1):
                t = now - rng.uniform(2, 60) * 86400
                rec = Record(kind, st.next_id("record"), pid, _fields(kind, n, rng), t, t, author,
                             attachments=_attachments(st, rng, rng.randint(1 if n == 1 else 0, 2)))
                if kind == "forms":           # the template's fillable PDF as the person filled it in
                    rec.pdf_blob_key = st.blobs.put_bytes(template_pdf("Daily Safety", {
                        "Date": time.strftime("%Y-%m-%d", time.gmtime(t)), "Hazards found": rng.choice(["none", "2"]),
                        "Signature": "P. Builder"}), "application/pdf", f"form-{n}.pdf").key
                st.records[rec.id] = rec
                if kind == "rfis" and n % 2:
                    reply = Record("rfi_replies", st.next_id("record"), pid, {"body": "See revised detail.",
                                   "official": True}, t + 3600, t + 3600, author, parent_id=rec.id,
                                   attachments=_attachments(st, rng, 1))
                    st.records[reply.id] = reply
        for a in range(1, 3):
            area = Record("drawing_areas", st.next_id("record"), pid, {"name": f"Building {chr(64 + a)}",
                          "description": ""}, now, now, author)
            st.records[area.id] = area
            for d in range(1, max(2, per_tool // 2) + 1):
                number = f"A-{a}{d:02d}"
                drawing = Record("drawings", st.next_id("record"), pid, {"number": number,
                                 "title": f"Floor plan level {d}", "discipline": "Architectural"}, now, now, author,
                                 parent_id=area.id)
                st.records[drawing.id] = drawing
                for rev in range(1, rng.randint(1, 2) + 1):
                    t = now - rng.uniform(1, 30) * 86400
                    fields = {"drawing_id": drawing.id, "number": number, "title": drawing.fields["title"],
                              "revision_number": str(rev), "current": False, "obsolete": False,
                              "drawing_area": {"id": area.id}, "drawing_set": {"id": 1}, "status": "published",
                              "discipline": {"id": 1, "name": "Architectural", "position": 1}}
                    revision = Record("drawing_revisions", st.next_id("record"), pid, fields, t, t, author)
                    revision.pdf_blob_key = st.blobs.put_bytes(
                        make_pdf(f"{number} - {drawing.fields['title']}", [f"Revision {rev}", "Drawing sheet"],
                                 pad_to=rng.choice([5_000, 60_000])),   # a sheet's title block: number, title
                        "application/pdf", f"{number}.pdf").key
                    st.records[revision.id] = revision
