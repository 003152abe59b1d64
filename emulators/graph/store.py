"""The emulated tenant: registries, lookups and the change log every mutation goes through.

One RLock guards all records (handlers are short; content I/O happens outside it on staging files).
Tree mutations live in tree.py; this module owns seeding, lookups, paths and change recording.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from emulators.graph import errors, ids
from emulators.graph.blobs import BlobStore
from emulators.graph.config import EmulatorConfig
from emulators.graph.state import (
    Drive,
    Identity,
    Item,
    Message,
    Site,
    Subscription,
    UploadSession,
    utcnow,
)

HOSTNAME = "contoso.sharepoint.com"
LIBRARY_URL_NAME = "Shared Documents"

ChangeListener = Callable[[str], None]


class Store:
    def __init__(self, data_dir: Path, config: EmulatorConfig) -> None:
        self.lock = threading.RLock()
        self.config = config
        self.blobs = BlobStore(data_dir)
        self.tenant_id = ids.new_guid()
        self.identities: dict[str, Identity] = {}
        self.sites: dict[str, Site] = {}
        self.drives: dict[str, Drive] = {}
        self.sessions: dict[str, UploadSession] = {}
        self.subscriptions: dict[str, Subscription] = {}
        self.messages: list[Message] = []
        self.listeners: list[ChangeListener] = []
        self.app = self.add_identity("app", "Procore SharePoint Sync")
        self.user = self.add_identity("user", "Pat Manager", email="pat.manager@contoso.onmicrosoft.com")
        self.mailbox = self.add_identity("user", "Sync Notifications", email="sync@contoso.onmicrosoft.com")
        self.system = Identity("", "", "app", "SharePoint", ids.new_guid())
        self.add_site("/sites/Projects", "Projects")

    # ---- identities, sites, drives -------------------------------------------------------
    def add_identity(self, kind: str, name: str, email: str | None = None) -> Identity:
        ident = Identity(ids.new_guid(), ids.opaque_token(30), kind, name, ids.new_guid(), email)
        self.identities[ident.client_id] = ident
        return ident

    def add_site(self, path: str, name: str, hostname: str = HOSTNAME) -> Site:
        with self.lock:
            site_guid, web_guid = ids.new_guid(), ids.new_guid()
            site = Site(ids.site_id(hostname, site_guid, web_guid), hostname, path, name, site_guid,
                        web_guid, utcnow())
            self.sites[site.id] = site
            self.add_drive(site, "Documents")
            return site

    def add_drive(self, site: Site, name: str) -> Drive:
        list_id = ids.new_guid()
        drive = Drive(ids.drive_id(site.site_guid, site.web_guid, list_id), site.id, name, list_id, "",
                      utcnow())
        now = utcnow()
        root = Item(ids.item_id(), drive.id, "root", None, True, ids.new_guid(), now, now, self.system,
                    self.system, 0, ids.new_guid())
        drive.items[root.id] = root
        drive.root_id = root.id
        self.drives[drive.id] = drive
        site.drive_ids.append(drive.id)
        return drive

    def site(self, site_id: str) -> Site:
        site = self.sites.get(site_id)
        if site is None:
            raise errors.GraphError(404, "itemNotFound", "Requested site could not be found")
        return site

    def site_by_path(self, hostname: str, path: str) -> Site:
        wanted = "/" + path.strip("/")
        for site in self.sites.values():
            if site.hostname.lower() == hostname.lower() and site.path.lower() == wanted.lower():
                return site
        raise errors.GraphError(404, "itemNotFound", "Requested site could not be found")

    def drive(self, drive_id: str) -> Drive:
        drive = self.drives.get(drive_id)
        if drive is None:
            raise errors.GraphError(404, "itemNotFound", "The drive could not be found.")
        return drive

    # ---- items and paths ------------------------------------------------------------------
    def item(self, drive: Drive, item_id: str) -> Item:
        item = drive.root_id if item_id == "root" else item_id
        found = drive.items.get(item)
        if found is None or found.deleted:
            raise errors.not_found("Item not found")
        return found

    def child(self, parent: Item, name: str) -> Item | None:
        child_id = parent.children.get(name.lower())
        if child_id is None:
            return None
        return self.drives[parent.drive_id].items[child_id]

    def walk(self, drive: Drive, base: Item, segments: list[str]) -> tuple[Item | None, Item | None, str]:
        """Resolve segments under base: (item or None, parent of the last segment or None, last name)."""
        current: Item | None = base
        parent: Item | None = None
        for i, seg in enumerate(segments):
            if current is None or not current.is_folder:
                return None, None, seg
            parent = current
            current = self.child(current, seg)
            if current is None and i < len(segments) - 1:
                return None, None, seg
        return current, parent, segments[-1] if segments else ""

    def item_path(self, item: Item) -> str:
        """Decoded path relative to the library root ("" for the root)."""
        drive = self.drives[item.drive_id]
        parts: list[str] = []
        cur: Item | None = item
        while cur is not None and cur.parent_id is not None:
            parts.append(cur.name)
            cur = drive.items.get(cur.parent_id)
        return "/".join(reversed(parts))

    def full_decoded_path(self, drive: Drive, parent: Item, name: str) -> str:
        site = self.sites[drive.site_id]
        inner = self.item_path(parent)
        inner = f"{inner}/{name}" if inner else name
        return f"{site.path.strip('/')}/{LIBRARY_URL_NAME}/{inner}"

    def ancestors(self, item: Item) -> list[Item]:
        drive = self.drives[item.drive_id]
        out: list[Item] = []
        cur = drive.items.get(item.parent_id) if item.parent_id else None
        while cur is not None:
            out.append(cur)
            cur = drive.items.get(cur.parent_id) if cur.parent_id else None
        return out

    # ---- change log -----------------------------------------------------------------------
    def record_change(self, drive: Drive, items: list[Item], *, bump_ancestors: bool = True) -> None:
        """Give the changed items (and their ancestors, whose cTag moves) a new delta sequence."""
        drive.seq += 1
        touched = {i.id: i for i in items}
        if bump_ancestors:
            above = {a.id: a for item in items for a in self.ancestors(item) if a.id not in touched}
            for anc in above.values():
                anc.ctag_version += 1
            touched.update(above)
        for item in touched.values():
            item.change_seq = drive.seq
        for listener in list(self.listeners):
            listener(drive.id)

    def check_lock(self, item: Item) -> None:
        if item.lock:
            raise errors.locked()
        if item.is_folder:
            drive = self.drives[item.drive_id]
            for child_id in item.children.values():
                self.check_lock(drive.items[child_id])
