#!/usr/bin/env python3
"""Pack one uncompressed layer tar + an image config into a docker-archive tar
(the format of `docker save`, which `docker load` and `ctr images import` read).

usage: pack.py LAYER_TAR CONFIG_JSON TAG OUT_TAR
CONFIG_JSON holds the OCI/Docker image "config" object (User, Env, Entrypoint,
Cmd, WorkingDir, ExposedPorts, Volumes, Labels, StopSignal).
"""
import hashlib
import json
import os
import sys
import tarfile
import time


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def add_bytes(tar, name, data, mtime):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = mtime
    info.mode = 0o644
    import io
    tar.addfile(info, io.BytesIO(data))


def main():
    layer, config_path, tag, out = sys.argv[1:5]
    with open(config_path) as f:
        cfg = json.load(f)
    diff_id = sha256_file(layer)
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    image = {
        "architecture": "amd64",
        "os": "linux",
        "created": created,
        "config": cfg,
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + diff_id]},
        "history": [{"created": created, "created_by": "test/e2e/images/build.sh"}],
    }
    image_bytes = json.dumps(image, sort_keys=True, separators=(",", ":")).encode()
    image_id = hashlib.sha256(image_bytes).hexdigest()
    repo, _, ver = tag.rpartition(":")
    manifest = [{
        "Config": image_id + ".json",
        "RepoTags": [tag],
        "Layers": [diff_id + "/layer.tar"],
    }]
    repositories = {repo: {ver: diff_id}}
    now = int(time.time())
    tmp = out + ".part"
    with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
        d = tarfile.TarInfo(diff_id)
        d.type = tarfile.DIRTYPE
        d.mode = 0o755
        d.mtime = now
        tar.addfile(d)
        add_bytes(tar, diff_id + "/VERSION", b"1.0", now)
        tar.add(layer, arcname=diff_id + "/layer.tar")
        add_bytes(tar, image_id + ".json", image_bytes, now)
        add_bytes(tar, "manifest.json", json.dumps(manifest).encode(), now)
        add_bytes(tar, "repositories", json.dumps(repositories).encode(), now)
    os.replace(tmp, out)


if __name__ == "__main__":
    main()
