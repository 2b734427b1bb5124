"""Craft a hostile copy of a volume_backup archive, as someone who can write to the backup
folder could (run on the controller by the backup scenario):

    craft_archive.py ARCHIVE FOLDER host-path   the manifest names a host path as a member
    craft_archive.py ARCHIVE FOLDER extra       the tar holds members the manifest does not name,
                                                one of them climbing out with ../, one absolute

The copy gets its own name, checksum file and manifest, consistent with each other, so that the
restore's checksum passes and only its checks of the layout and the members stand in the way.
Prints the crafted archive's path.
"""

import gzip
import hashlib
import io
import json
import os
import shutil
import sys
import tarfile

ESCAPES = ("../../../../../../tmp/novavolume-crafted-climb", "/tmp/novavolume-crafted-absolute")
CHUNK = 1 << 20


def crafted_copy(archive, folder, mode):
    stem = os.path.basename(archive)[: -len(".tar.gz")]
    with open(stem_path(archive, stem), encoding="utf-8") as handle:
        manifest = json.load(handle)
    name = "%s-%s.tar.gz" % (stem, mode)
    target = os.path.join(folder, name)
    if mode == "host-path":
        shutil.copyfile(archive, target)
        for filesystem in manifest["layout"]["filesystems"]:
            if filesystem.get("archived"):
                filesystem["member"] = "../../../../../../etc"
    else:
        # The original members stay byte for byte (GNU sparse ones too): the extras go where the
        # original's end-of-archive blocks were. Streamed in chunks: the lab's guests have 512 MB
        # and the archive is about 100 MB of random data (held whole, three copies of it starved
        # the controller of memory).
        with tarfile.open(archive, mode="r:gz") as source:
            source.getmembers()
            end = source.offset
        extras = io.BytesIO()
        with tarfile.open(fileobj=extras, mode="w", format=tarfile.GNU_FORMAT) as out:
            for extra in ("extra-member",) + ESCAPES:
                data = b"written by a crafted archive\n"
                info = tarfile.TarInfo(extra)
                info.size = len(data)
                out.addfile(info, io.BytesIO(data))
        with gzip.open(archive, "rb") as original, gzip.open(target, "wb", compresslevel=1) as handle:
            left = end
            while left:
                chunk = original.read(min(left, CHUNK))
                if not chunk:
                    sys.exit("%s ends before its members do" % archive)
                handle.write(chunk)
                left -= len(chunk)
            handle.write(extras.getvalue())
    digest = hashlib.new(manifest["checksum_algorithm"])
    with open(target, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    digest = digest.hexdigest()
    manifest.update(archive=name, checksum=digest, checksum_file=name + "." + manifest["checksum_algorithm"])
    with open(os.path.join(folder, manifest["checksum_file"]), "w", encoding="utf-8") as handle:
        handle.write("%s  %s\n" % (digest, name))
    with open(stem_path(target, name[: -len(".tar.gz")]), "w", encoding="utf-8") as handle:
        json.dump(manifest, handle)
    return target


def stem_path(archive, stem):
    return os.path.join(os.path.dirname(archive), stem + ".json")


if __name__ == "__main__":
    os.makedirs(sys.argv[2], mode=0o700, exist_ok=True)
    print(crafted_copy(sys.argv[1], sys.argv[2], sys.argv[3]))
