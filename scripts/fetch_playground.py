#!/usr/bin/env python3
"""The GraphiQL playground's browser assets, vendored into boxoffice/static/vendor/ so /graphql works offline.

The pins live in boxoffice/static/vendor/PINNED.json: for each npm package its version, the tarball's `integrity`
(sha512, as the npm registry publishes it) and the files taken from it with their sha256.

    python scripts/fetch_playground.py                      # re-fetch the pinned versions, verify, write the files
    python scripts/fetch_playground.py --check              # offline: the files on disk match the pins
    python scripts/fetch_playground.py graphiql@3.8.4       # upgrade: pin new versions (integrity from the registry)

Tarballs come from the npm registry through the ordinary npm client (`npm pack`, which checks the registry's
integrity itself); this script checks them again against the committed pins, and every extracted file against its
sha256, before anything is written. An upgrade takes the new version's integrity from the registry, writes the same
files from the new tarball and rewrites the pins; review the diff, run the playground's browser test, commit.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
VENDOR = REPO_ROOT / "boxoffice" / "static" / "vendor"
PINS = VENDOR / "PINNED.json"


class Mismatch(Exception):
    """A tarball or file does not match its pin."""


def shown(path: Path) -> str:
    """The path as a person reads it: relative to the repo when inside it."""
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sri_sha512(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def load_pins() -> dict[str, Any]:
    return json.loads(PINS.read_text())


def save_pins(pins: dict[str, Any]) -> None:
    PINS.write_text(json.dumps(pins, indent=2) + "\n")


def npm(*args: str, cwd: Path) -> str:
    try:
        done = subprocess.run(["npm", *args], cwd=cwd, check=True, capture_output=True, text=True)
    except FileNotFoundError:
        sys.exit("npm is not installed: it fetches the tarballs from the npm registry")
    except subprocess.CalledProcessError as failure:
        sys.exit(f"npm {' '.join(args)} failed:\n{failure.stderr}")
    return done.stdout


def registry_integrity(name: str, version: str, workdir: Path) -> str:
    return npm("view", f"{name}@{version}", "dist.integrity", cwd=workdir).strip()


def fetch_tarball(name: str, version: str, workdir: Path) -> bytes:
    packed = json.loads(npm("pack", f"{name}@{version}", "--json", "--pack-destination", str(workdir), cwd=workdir))
    return (workdir / packed[0]["filename"]).read_bytes()


def extract(tarball: bytes, members: list[str]) -> dict[str, bytes]:
    """The wanted files (paths inside the package) from an npm tarball, whose entries sit under `package/`."""
    found: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for member in archive.getmembers():
            path = member.name.split("/", 1)[-1]
            if path in members and member.isfile():
                handle = archive.extractfile(member)
                assert handle is not None
                found[path] = handle.read()
    missing = sorted(set(members) - set(found))
    if missing:
        raise Mismatch(f"the tarball lacks {missing}")
    return found


def destination(package: dict[str, Any], member: str) -> Path:
    return VENDOR / package["dir"] / Path(member).name


def fetch(package: dict[str, Any], workdir: Path, *, trust_registry: bool) -> dict[str, bytes]:
    """The package's files, verified; with `trust_registry` the integrity is the registry's (an upgrade)."""
    name, version = package["name"], package["version"]
    if trust_registry:
        package["integrity"] = registry_integrity(name, version, workdir)
    tarball = fetch_tarball(name, version, workdir)
    if sri_sha512(tarball) != package["integrity"]:
        raise Mismatch(f"{name}@{version}: the tarball's sha512 is not the pinned integrity {package['integrity']}")
    files = extract(tarball, list(package["files"]))
    for member, data in files.items():
        if trust_registry:
            package["files"][member] = sha256(data)
        elif sha256(data) != package["files"][member]:
            raise Mismatch(f"{name}@{version}: {member} does not match its pinned sha256")
    return files


def write(package: dict[str, Any], files: dict[str, bytes]) -> None:
    target = VENDOR / package["dir"]
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for member, data in files.items():
        destination(package, member).write_bytes(data)
    print(f"  {package['name']}@{package['version']} -> {shown(target)}/ ({len(files)} files)")


def check() -> list[str]:
    """What differs between the pins and the files on disk; empty when they match."""
    problems = []
    pins = load_pins()
    expected = {PINS, VENDOR / "README.md"}
    for package in pins["packages"]:
        for member, digest in package["files"].items():
            path = destination(package, member)
            expected.add(path)
            if not path.is_file():
                problems.append(f"missing: {shown(path)}")
            elif sha256(path.read_bytes()) != digest:
                pinned = f"{package['name']}@{package['version']}"
                problems.append(f"changed: {shown(path)} (pinned {pinned})")
    for path in sorted(p for p in VENDOR.rglob("*") if p.is_file()):
        if path not in expected:
            problems.append(f"not pinned: {shown(path)}")
    return problems


def parse_spec(spec: str) -> tuple[str, str]:
    name, at, version = spec.rpartition("@")
    if not at or not name or not version:
        raise argparse.ArgumentTypeError(f"{spec!r}: expected name@version, e.g. graphiql@3.8.3")
    return name, version


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("upgrades", nargs="*", type=parse_spec, metavar="NAME@VERSION", help="pin a new version")
    parser.add_argument("--check", action="store_true", help="verify the vendored files against the pins, offline")
    args = parser.parse_args(argv)

    if args.check:
        problems = check()
        for problem in problems:
            print(problem)
        print("vendored playground assets match PINNED.json" if not problems else "run scripts/fetch_playground.py")
        return 1 if problems else 0

    pins = load_pins()
    by_name = {package["name"]: package for package in pins["packages"]}
    upgrades = dict(args.upgrades)
    unknown = sorted(set(upgrades) - set(by_name))
    if unknown:
        parser.error(f"not a pinned package: {', '.join(unknown)} (pinned: {', '.join(by_name)})")
    for name, version in upgrades.items():
        by_name[name]["version"] = version

    # Fetch and verify everything before writing anything.
    fetched = []
    with tempfile.TemporaryDirectory(prefix="boxoffice-playground-") as tmp:
        for package in pins["packages"]:
            try:
                fetched.append((package, fetch(package, Path(tmp), trust_registry=package["name"] in upgrades)))
            except Mismatch as mismatch:
                print(f"refusing to write anything: {mismatch}", file=sys.stderr)
                return 1
    print("verified against PINNED.json; writing:")
    for package, files in fetched:
        write(package, files)
    if upgrades:
        save_pins(pins)
        print("PINNED.json updated: review the diff, run tests/e2e/test_playground.py, commit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
