"""Where the release version is written down, read back (tests/release): each source -> the version it states."""
import json
import re
from pathlib import Path


def versions(root):
    root = Path(root)
    found = {"VERSION": (root / "VERSION").read_text().strip()}
    m = re.search(r'^__version__ = "([^"]*)"$', (root / "clients/python/monlight/_version.py").read_text(), re.M)
    found["clients/python/monlight/_version.py"] = m.group(1) if m else None
    for name in ("package.json", "package-lock.json"):
        data = json.loads((root / "clients/js" / name).read_text())
        found[f"clients/js/{name}"] = data.get("version")
        if "packages" in data:
            found[f"clients/js/{name} packages['']"] = data["packages"][""].get("version")
    m = re.search(r"^ARG MONLIGHT_VERSION=(\S+)$", (root / "deploy/Dockerfile").read_text(), re.M)
    found["deploy/Dockerfile ARG MONLIGHT_VERSION"] = m.group(1) if m else None
    return found


def pyproject_reads_version_file(root):
    text = (Path(root) / "clients/python/pyproject.toml").read_text()
    return (re.search(r'^dynamic = \["version"\]', text, re.M) is not None and 'version = { attr = "monlight._version.__version__" }' in text
            # no static version in the [project] table
            and not re.search(r'^version\s*=', text.split("[project]", 1)[1].split("\n[", 1)[0], re.M))


def changelog_has(root, v):
    return re.search(rf"^## \[{re.escape(v)}\]", (Path(root) / "CHANGELOG.md").read_text(), re.M) is not None
