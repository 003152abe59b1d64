"""Run in a subprocess by test_memory: upload then download one big file through the product
client and print the peak RSS of this process only, as JSON. The peak is VmHWM from /proc: on Linux
ru_maxrss survives execve, so it would also count the forking pytest process.

    python -m tests.integration.procore.memprobe '<descriptor json>' SRC DST
"""

from __future__ import annotations

import json
import resource
import sys
import time

from shared.procore.auth import ClientCredentials
from shared.procore.client import ProcoreClient, ProcoreConnection
from shared.procore.scope import Scope
from shared.procore.uploads import FileSource


def _vm_hwm_kib() -> int:
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    descriptor, src, dst = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
    client = ProcoreClient.connect(ProcoreConnection(
        base_url=descriptor["base_url"], login_url=descriptor["login_url"], company_id=descriptor["company_id"],
        credentials=ClientCredentials(**descriptor["app"])))
    scope = Scope.project(descriptor["projects"][0]["id"])
    t0 = time.monotonic()
    up = client.uploads.upload(scope, FileSource(src), filename="huge.bin")
    t1 = time.monotonic()
    f = client.documents.create_file(scope, name="huge.bin", upload_uuid=up.uuid)
    assert f.latest_version is not None
    with open(dst, "wb") as sink:
        down = client.downloads.download_to(f.latest_version.url, sink)
    t2 = time.monotonic()
    peak_kib = _vm_hwm_kib()
    print(json.dumps({"peak_rss_mib": round(peak_kib / 1024, 1), "upload_s": round(t1 - t0, 1),
                      "download_s": round(t2 - t1, 1), "upload_sha256": up.sha256, "download_sha256": down.sha256,
                      "segmented": up.segmented, "size": down.size}))


if __name__ == "__main__":
    main()
