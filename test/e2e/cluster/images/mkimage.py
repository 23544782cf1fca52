#!/usr/bin/env python3
"""Write a single-layer image as a docker-archive tar (what `docker save` writes), from a rootfs dir.

    mkimage.py --rootfs DIR --ref NAME:TAG --out FILE.tar [--entrypoint JSON] [--cmd JSON]
               [--user UID:GID] [--workdir DIR] [--env K=V ...]

`ctr -n k8s.io images import FILE.tar` loads it. The layer is reproducible: entries sorted, mtime 0,
owner root unless the rootfs file says otherwise (numeric ids kept), so equal inputs give equal digests.
"""
import argparse
import hashlib
import io
import json
import os
import tarfile


def layer_bytes(rootfs: str) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        paths = []
        for dirpath, dirnames, filenames in os.walk(rootfs):
            dirnames.sort()
            for n in sorted(dirnames + filenames):
                paths.append(os.path.join(dirpath, n))
        for p in sorted(paths, key=lambda x: os.path.relpath(x, rootfs)):
            rel = os.path.relpath(p, rootfs)
            ti = tar.gettarinfo(p, arcname=rel)
            ti.mtime = 0
            ti.uname = ti.gname = ""
            if ti.isreg():
                with open(p, "rb") as f:
                    tar.addfile(ti, f)
            else:
                tar.addfile(ti)
    return buf.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rootfs", required=True)
    ap.add_argument("--ref", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--entrypoint")
    ap.add_argument("--cmd")
    ap.add_argument("--user")
    ap.add_argument("--workdir")
    ap.add_argument("--env", action="append", default=[])
    a = ap.parse_args()

    layer = layer_bytes(a.rootfs)
    diff_id = "sha256:" + hashlib.sha256(layer).hexdigest()
    cfg = {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] + a.env}
    if a.entrypoint:
        cfg["Entrypoint"] = json.loads(a.entrypoint)
    if a.cmd:
        cfg["Cmd"] = json.loads(a.cmd)
    if a.user:
        cfg["User"] = a.user
    if a.workdir:
        cfg["WorkingDir"] = a.workdir
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": "1970-01-01T00:00:00Z",
        "config": cfg,
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created": "1970-01-01T00:00:00Z", "created_by": "mkimage.py"}],
    }
    config_bytes = json.dumps(config, sort_keys=True, separators=(",", ":")).encode()
    config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
    layer_name = diff_id[len("sha256:"):] + "/layer.tar"
    manifest = json.dumps([{"Config": config_name, "RepoTags": [a.ref], "Layers": [layer_name]}]).encode()

    tmp = a.out + ".tmp"
    with tarfile.open(tmp, mode="w", format=tarfile.PAX_FORMAT) as out:
        for name, data in ((config_name, config_bytes), (layer_name, layer), ("manifest.json", manifest)):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mode = 0o644
            out.addfile(ti, io.BytesIO(data))
    os.replace(tmp, a.out)
    print(a.out)


if __name__ == "__main__":
    main()
