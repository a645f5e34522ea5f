"""tests/release: test_versions.py (fast, part of `make test`) checks that every place the version is written down
agrees and that scripts/release.sh refuses what it must; test_package.py (the .deb in a clean Debian container, the
wheel and the npm tarball in fresh environments) runs only from scripts/test-release.sh, which sets
MONLIGHT_RELEASE_TEST=1 and installs the container engine."""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

collect_ignore = [] if os.environ.get("MONLIGHT_RELEASE_TEST") == "1" else ["test_package.py"]


def pytest_terminal_summary(terminalreporter):
    from release_notes import NOTES
    if NOTES:
        terminalreporter.section("release timings and sizes")
        for n in NOTES:
            terminalreporter.write_line(n)
