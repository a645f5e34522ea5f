"""One version (issue 18): the VERSION file, CMake (project version, Monlight/VersionNumber.h, the built host), the
Python SDK, the JS SDK and the image label agree; scripts/set-version.sh changes all of them; scripts/release.sh
refuses a bad version and a dirty tree before it changes anything."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from monlight_test import ROOT, VERSION, build_dir, host_binary
from versions import changelog_has, pyproject_reads_version_file, versions

VERSION_FILES = ["VERSION", "CHANGELOG.md", "deploy/Dockerfile", "clients/python/pyproject.toml",
                 "clients/python/monlight/_version.py", "clients/js/package.json", "clients/js/package-lock.json",
                 "scripts/set-version.sh", "scripts/release.sh"]


def test_every_version_source_agrees_with_the_version_file():
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION), VERSION
    found = versions(ROOT)
    assert set(found.values()) == {VERSION}, found
    assert pyproject_reads_version_file(ROOT)
    assert changelog_has(ROOT, VERSION), f"CHANGELOG.md has no section for {VERSION}"


def test_cmake_and_the_built_host_report_the_version_file():
    b = build_dir()
    if not (b / "CMakeCache.txt").exists():
        pytest.fail(f"no build in {b} (scripts/build.sh)")
    cache = (b / "CMakeCache.txt").read_text()
    assert re.search(rf"^CMAKE_PROJECT_VERSION:STATIC={re.escape(VERSION)}$", cache, re.M), "CMake project version"
    header = (b / "host/sdk-generated/Monlight/VersionNumber.h").read_text()
    assert f'#define MONLIGHT_VERSION "{VERSION}"' in header
    out = subprocess.run([str(host_binary()), "--version"], capture_output=True, text=True, timeout=30).stdout
    assert out.splitlines()[0] == f"monlight-host {VERSION}", out
    # the plugin build signature is separate: no release number in it
    sig = (ROOT / "host/sdk/include/Monlight/Version.h").read_text()
    assert "MONLIGHT_VERSION" not in sig.split("#define MONLIGHT_BUILD_SIGNATURE", 1)[1].split("\n\n", 1)[0]
    assert not re.search(r'^#define MONLIGHT_VERSION "', sig, re.M), "the version is defined in VERSION only"


def copy_tree(tmp_path):
    dst = tmp_path / "repo"
    for f in VERSION_FILES:
        (dst / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / f, dst / f)
    return dst


def test_set_version_changes_every_source(tmp_path):
    repo = copy_tree(tmp_path)
    r = subprocess.run([str(repo / "scripts/set-version.sh"), "9.8.7"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    found = versions(repo)
    assert set(found.values()) == {"9.8.7"}, found
    text = (repo / "CHANGELOG.md").read_text()
    # "Unreleased" stays on top, empty; its entries moved under the new version, above the older sections
    assert re.search(r"^## \[Unreleased\]\n\n## \[9\.8\.7\] - \d{4}-\d\d-\d\d\n", text, re.M), text[:600]
    assert text.index("## [9.8.7]") < text.index(f"## [{VERSION}]")
    # package.json keeps its dependencies and layout otherwise
    before = (ROOT / "clients/js/package.json").read_text()
    after = (repo / "clients/js/package.json").read_text()
    assert after == before.replace(f'"version": "{VERSION}"', '"version": "9.8.7"', 1)
    # idempotent: the same version again changes nothing
    snap = {f: (repo / f).read_text() for f in VERSION_FILES}
    subprocess.run([str(repo / "scripts/set-version.sh"), "9.8.7"], check=True, capture_output=True, timeout=60)
    assert {f: (repo / f).read_text() for f in VERSION_FILES} == snap


@pytest.mark.parametrize("bad", ["", "1.2", "1.2.3.4", "v1.2.3", "1.02.3", "1.2.3-rc1", "1.2.x", "1.2.3 "])
def test_release_refuses_a_bad_version_and_changes_nothing(tmp_path, bad):
    repo = copy_tree(tmp_path)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"],
                   check=True)
    snap = {f: (repo / f).read_text() for f in VERSION_FILES}
    r = subprocess.run([str(repo / "scripts/release.sh"), bad], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, r.stdout + r.stderr
    assert ("bad version" in r.stderr) or ("no version" in r.stderr and bad == ""), r.stderr
    assert {f: (repo / f).read_text() for f in VERSION_FILES} == snap
    r = subprocess.run([str(repo / "scripts/set-version.sh"), bad], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "bad version" in r.stderr, r.stderr
    assert {f: (repo / f).read_text() for f in VERSION_FILES} == snap


def test_release_refuses_a_lower_version_and_a_dirty_tree(tmp_path):
    repo = copy_tree(tmp_path)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"],
                   check=True)
    (repo / "VERSION").write_text("2.5.0\n")
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "v"],
                   check=True)
    r = subprocess.run([str(repo / "scripts/release.sh"), "2.4.9"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "lower than the current version 2.5.0" in r.stderr, r.stderr
    (repo / "CHANGELOG.md").write_text((repo / "CHANGELOG.md").read_text() + "\nedited\n")
    (repo / "stray.txt").write_text("x")
    snap = {f: (repo / f).read_text() for f in VERSION_FILES}
    r = subprocess.run([str(repo / "scripts/release.sh"), "2.6.0"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "uncommitted changes" in r.stderr and "CHANGELOG.md" in r.stderr and "stray.txt" in r.stderr, r.stderr
    assert {f: (repo / f).read_text() for f in VERSION_FILES} == snap
    assert not (repo / "dist").exists()
