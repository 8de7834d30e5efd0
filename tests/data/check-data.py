#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks the data files no stock validator covers: the Flatpak manifest
parses and is complete, the icons are SVG, po/POTFILES names every file that
has translatable strings, and every source file carries an SPDX line."""
import json
import pathlib
import re
import sys
import xml.etree.ElementTree as ET

root = pathlib.Path(sys.argv[1])
app_id = "net.cascadecast.Cascade"
failures = []


def fail(msg):
    failures.append(msg)


def check_flatpak():
    path = root / "flatpak" / f"{app_id}.json"
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        fail(f"{path}: {e}")
        return
    for key in ("id", "runtime", "runtime-version", "sdk", "command", "finish-args", "modules"):
        if key not in manifest:
            fail(f"{path}: no '{key}'")
    if manifest.get("id") != app_id:
        fail(f"{path}: id is not {app_id}")
    if manifest.get("runtime") != "org.gnome.Platform" or manifest.get("sdk") != "org.gnome.Sdk":
        fail(f"{path}: must build against the GNOME runtime")
    if manifest.get("command") != "cascade":
        fail(f"{path}: command must be cascade")
    modules = manifest.get("modules", [])
    names = [m.get("name") for m in modules if isinstance(m, dict)]
    if not names or names[-1] != "cascade":
        fail(f"{path}: the last module must be cascade itself")
    for m in modules:
        if not isinstance(m, dict):
            continue
        for s in m.get("sources", []):
            if s.get("type") == "archive" and not re.fullmatch(r"[0-9a-f]{64}", s.get("sha256", "")):
                fail(f"{path}: module {m.get('name')}: archive without a sha256")
    cascade = modules[-1] if modules else {}
    if cascade.get("buildsystem") != "meson":
        fail(f"{path}: cascade builds with meson")


def check_icons():
    for rel in (f"hicolor/scalable/apps/{app_id}.svg",
                f"hicolor/symbolic/apps/{app_id}-symbolic.svg"):
        path = root / "data" / "icons" / rel
        try:
            tree = ET.parse(path)
        except (OSError, ET.ParseError) as e:
            fail(f"{path}: {e}")
            continue
        if not tree.getroot().tag.endswith("svg"):
            fail(f"{path}: not an SVG")


def check_potfiles():
    listed = set()
    for line in (root / "po" / "POTFILES").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            listed.add(line)
            if not (root / line).exists():
                fail(f"po/POTFILES names {line}, which does not exist")
    marked = re.compile(r'\b[NC]?_\s*\(\s*"|\bngettext\s*\(|translatable="yes"')
    for folder in ("ui", "app"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix not in (".c", ".ui") or not path.is_file():
                continue
            rel = path.relative_to(root).as_posix()
            if marked.search(path.read_text(errors="replace")) and rel not in listed:
                fail(f"{rel} has translatable strings but is not in po/POTFILES")


def check_spdx():
    exts = {".c", ".h", ".py", ".sh", ".build", ".ui", ".xml", ".css", ".svg"}
    for folder in ("app", "ui", "p2p", "server", "tests", "bench", "data"):
        for path in sorted((root / folder).rglob("*")):
            if not path.is_file() or path.suffix not in exts:
                continue
            if "corpus" in path.parts or path.suffix == ".svg":
                continue
            head = path.read_text(errors="replace")[:400]
            if "SPDX-License-Identifier" not in head:
                fail(f"{path.relative_to(root)}: no SPDX line at the top")


check_flatpak()
check_icons()
check_potfiles()
check_spdx()
for f in failures:
    print(f"FAIL: {f}")
print(f"{'ok' if not failures else str(len(failures)) + ' problems'}")
sys.exit(1 if failures else 0)
