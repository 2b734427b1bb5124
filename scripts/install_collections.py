"""Install the collections named in collections/requirements.yml into collections/.

Galaxy is not reachable from the project's machines, but the `ansible` community package on
PyPI ships the same collection releases. This takes the named collections out of that wheel,
checks that each has exactly the requested version, and unpacks it to DEST/NAMESPACE/NAME.
"""
import argparse
import json
import pathlib
import shutil
import subprocess
import sys
import zipfile

import yaml

# The community package release whose bundled collection versions match requirements.yml.
BUNDLE = ("ansible", "12.3.0")


def fetch_wheel(cache: pathlib.Path) -> pathlib.Path:
    name, version = BUNDLE
    wheel = cache / f"{name}-{version}-py3-none-any.whl"
    if not wheel.exists():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(cache), f"{name}=={version}"],
            check=True,
        )
    return wheel


def install(wheel: pathlib.Path, fqcn: str, version: str, dest: pathlib.Path) -> None:
    namespace, name = fqcn.split(".")
    prefix = f"ansible_collections/{namespace}/{name}/"
    with zipfile.ZipFile(wheel) as archive:
        manifest = json.loads(archive.read(prefix + "MANIFEST.json"))
        shipped = manifest["collection_info"]["version"]
        if shipped != version:
            sys.exit(f"{fqcn}: requirements.yml asks for {version}, {wheel.name} ships {shipped}")
        target = dest / namespace / name
        if target.exists():
            shutil.rmtree(target)
        for member in archive.namelist():
            if member.startswith(prefix) and not member.endswith("/"):
                out = target / member[len(prefix):]
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(archive.read(member))
    print(f"installed {fqcn} {version} to {target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requirements", type=pathlib.Path, required=True)
    parser.add_argument("--dest", type=pathlib.Path, required=True)
    parser.add_argument("--cache", type=pathlib.Path, required=True)
    args = parser.parse_args()
    wanted = yaml.safe_load(args.requirements.read_text())["collections"]
    wheel = fetch_wheel(args.cache)
    for entry in wanted:
        install(wheel, entry["name"], str(entry["version"]), args.dest)


if __name__ == "__main__":
    main()
