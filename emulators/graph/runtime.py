"""Everything one emulator instance shares: store, authority, faults, notifier and its public URLs.

Also signs the pre-authenticated download and upload URLs (HMAC over the parameters + expiry). Those
URLs live on the "SharePoint" host (`sharepoint_base`), another host name than the API's, as
`*.sharepoint.com` differs from `graph.microsoft.com`: a client scoping its token to the API host
never sends it there.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from emulators.graph.auth import Authority
from emulators.graph.config import EmulatorConfig
from emulators.graph.faults import Faults
from emulators.graph.state import Item
from emulators.graph.store import Store

if TYPE_CHECKING:
    from emulators.graph.notifier import Notifier


class Runtime:
    def __init__(self, store: Store, config: EmulatorConfig) -> None:
        self.store = store
        self.config = config
        self.authority = Authority(store)
        self.faults = Faults()
        self.notifier: Notifier | None = None
        self.http_base = ""            # http://127.0.0.1:<port>
        self.sharepoint_base = ""      # http://localhost:<other port>: uploadUrl and downloadUrl
        self.delta_duplicates = False  # test switch: repeat items across delta pages
        self.ca_file = ""              # PEM of the CA behind the login endpoint's TLS certificate
        self._key = secrets.token_bytes(32)

    @property
    def graph_base(self) -> str:
        return f"{self.http_base}/v1.0"

    def descriptor(self) -> dict[str, Any]:
        """The contract §2 "graph" object (plus ca_file, emulator_url, sharepoint_url, mailbox_address)."""
        s = self.store
        with s.lock:
            sites = [{"id": site.id, "web_url": site.web_url, "drive_id": site.drive_ids[0]}
                     for site in s.sites.values()]
        return {
            "base_url": self.graph_base,
            "authority": f"{self.authority.base_url}/{s.tenant_id}",
            "tenant_id": s.tenant_id,
            "sites": sites,
            "mailbox": s.mailbox.object_id,
            "mailbox_address": s.mailbox.email,
            "app": {"client_id": s.app.client_id, "client_secret": s.app.client_secret},
            "user": {"client_id": s.user.client_id, "client_secret": s.user.client_secret},
            "ca_file": self.ca_file,
            "emulator_url": self.http_base,
            "sharepoint_url": self.sharepoint_base,
        }

    def sign(self, *parts: str) -> str:
        msg = "|".join(parts).encode()
        return hmac.new(self._key, msg, hashlib.sha256).hexdigest()[:40]

    def download_url(self, item: Item, client_id: str = "") -> str:
        """Pre-authenticated, expiring; `client_id` only attributes the traffic in /_emulator/stats."""
        exp = str(int(time.time() + self.config.download_url_lifetime_s))
        tempauth = f"{exp}.{client_id}.{self.sign('dl', item.drive_id, item.id, exp, client_id)}"
        return (f"{self.sharepoint_base}/_layouts/15/download.aspx?UniqueId={item.guid}"
                f"&d={quote(item.drive_id)}&i={item.id}&tempauth={tempauth}")

    def check_download(self, drive_id: str, item_id: str, tempauth: str) -> str | None:
        """The client id the URL was issued to, or None when forged or expired."""
        exp, _, rest = tempauth.partition(".")
        client_id, _, sig = rest.rpartition(".")
        if not exp.isdigit() or int(exp) < time.time():
            return None
        if not hmac.compare_digest(sig, self.sign("dl", drive_id, item_id, exp, client_id)):
            return None
        return client_id

    def upload_url(self, session_id: str, drive_id: str, parent_id: str, tempauth: str) -> str:
        return (f"{self.sharepoint_base}/_api/v2.0/drives/{quote(drive_id)}/items/{parent_id}/uploadSession"
                f"?guid='{session_id}'&overwrite=True&rename=False&dc=0&tempauth={tempauth}")
