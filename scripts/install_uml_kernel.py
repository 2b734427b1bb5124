"""Install a UML kernel newer than Debian 12's, with the C library it was built against, into DEST.

Why: Debian 12's UML kernel (6.1) keeps a process's FPU state in a buffer of fixed size. On a
host whose XSAVE area is larger (CPUs with AMX), ptrace refuses to load that state into a guest
process ("userspace - ptrace set fp regs failed, errno = 14") and the guest's init dies at once.
Newer UML kernels size the buffer from the host; Debian ships one in SUITE, built against a
newer C library than Debian 12's. Both packages are taken from that suite's index (checked
against the SHA256 it lists), unpacked under DEST only, and the kernel is pointed at its own
loader and C library with patchelf, so nothing outside DEST changes:

    DEST/bin/linux.uml                 the kernel
    DEST/lib/uml/modules/<version>/    its modules (the lab image copies them into the guests)
    DEST/lib/libc/                     the loader and C library it runs with
    DEST/VERSION                       the package versions installed
"""
import argparse
import hashlib
import lzma
import pathlib
import shutil
import subprocess
import sys
import tempfile
import urllib.request

PACKAGES = ("user-mode-linux", "libc6")
ARCH = "amd64"


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=300) as response:
        return response.read()


def index_entries(mirror: str, suite: str) -> dict:
    """{package: {Version, Filename, SHA256}} of PACKAGES in the suite's main index."""
    text = lzma.decompress(fetch(f"{mirror}/dists/{suite}/main/binary-{ARCH}/Packages.xz")).decode()
    entries = {}
    for stanza in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in stanza.splitlines() if ": " in line and not line.startswith(" "))
        if fields.get("Package") in PACKAGES and fields.get("Architecture") == ARCH:
            entries[fields["Package"]] = fields
    missing = set(PACKAGES) - set(entries)
    if missing:
        sys.exit(f"{suite} has no {', '.join(sorted(missing))} for {ARCH}")
    return entries


def unpack(mirror: str, entry: dict, into: pathlib.Path) -> None:
    data = fetch(f"{mirror}/{entry['Filename']}")
    if hashlib.sha256(data).hexdigest() != entry["SHA256"]:
        sys.exit(f"{entry['Filename']}: SHA256 differs from the index")
    deb = into / "package.deb"
    deb.write_bytes(data)
    subprocess.run(["dpkg-deb", "-x", str(deb), str(into)], check=True)
    deb.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=pathlib.Path, required=True)
    parser.add_argument("--suite", default="sid")
    parser.add_argument("--mirror", default="http://deb.debian.org/debian")
    args = parser.parse_args()

    entries = index_entries(args.mirror, args.suite)
    args.dest.parent.mkdir(parents=True, exist_ok=True)
    # Built beside DEST and moved into place at the end: a failed run leaves no half-made DEST.
    with tempfile.TemporaryDirectory(dir=args.dest.parent, prefix=".uml-") as work:
        work = pathlib.Path(work)
        packages, build = work / "packages", work / "dest"
        for name in PACKAGES:
            (packages / name).mkdir(parents=True)
            unpack(args.mirror, entries[name], packages / name)
        kernel_root, libc_root = packages / "user-mode-linux", packages / "libc6"
        (build / "bin").mkdir(parents=True)
        (build / "lib" / "uml").mkdir(parents=True)
        shutil.move(str(kernel_root / "usr/bin/linux.uml"), str(build / "bin/linux.uml"))
        shutil.move(str(kernel_root / "usr/lib/uml/modules"), str(build / "lib/uml/modules"))
        shutil.move(str(libc_root / "usr/lib/x86_64-linux-gnu"), str(build / "lib/libc"))
        libc = args.dest / "lib" / "libc"
        subprocess.run(
            ["patchelf", "--set-interpreter", str(libc / "ld-linux-x86-64.so.2"), "--set-rpath", str(libc),
             str(build / "bin/linux.uml")],
            check=True,
        )
        (build / "VERSION").write_text("".join(f"{name} {entries[name]['Version']}\n" for name in PACKAGES))
        if args.dest.exists():
            shutil.rmtree(args.dest)
        build.rename(args.dest)
    print(f"installed {entries['user-mode-linux']['Version']} into {args.dest}")


if __name__ == "__main__":
    main()
