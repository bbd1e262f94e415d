#!/usr/bin/env python3
"""make test: the dependency rule, checked against the code. Every `import` of one of this
package's own modules must be a dependency that Package.swift declares for the importing
target (SwiftPM would otherwise let a target import anything built before it). So the layers
README's Layout describes (DeviceMemory <- GPU <- Tensor <- Whisper <- Service <- Server <- auris)
cannot be skipped by an import: the server, for one, sees only Service.

  python3 scripts/check-layers.py        # exit 1 naming each file and import that breaks it
"""
import glob
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
manifest = json.loads(subprocess.run(["swift", "package", "dump-package"], cwd=ROOT, check=True,
                                     capture_output=True, text=True).stdout)
targets = {target["name"]: target for target in manifest["targets"]}


def declared(target):
    names = set()
    for dependency in target["dependencies"]:
        for kind, value in dependency.items():
            names.add(value[0])  # byName, target and product all start with the name
    return names


def directory(target):
    if target.get("path"):
        return os.path.join(ROOT, target["path"])
    kind = "Tests" if target["type"] == "test" else "Sources"
    return os.path.join(ROOT, kind, target["name"])


failures = []
for name, target in sorted(targets.items()):
    allowed = declared(target)
    for path in glob.glob(os.path.join(directory(target), "**", "*.swift"), recursive=True):
        for number, line in enumerate(open(path, encoding="utf-8"), 1):
            match = re.match(r"\s*(?:@\w+\s+)*(?:\w+\s+)?import\s+(?:(?:enum|struct|class|protocol|func|typealias|var|let)\s+)?(\w+)", line)
            if match and match.group(1) in targets and match.group(1) not in allowed and match.group(1) != name:
                failures.append(f"{os.path.relpath(path, ROOT)}:{number}: {name} imports {match.group(1)}, "
                                f"which Package.swift does not list among its dependencies")
for failure in failures:
    print(failure)
print(f"layers: {len(targets)} targets, {'0 violations' if not failures else f'{len(failures)} violations'}")
sys.exit(1 if failures else 0)
