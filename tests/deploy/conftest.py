"""tests/deploy: the container image (test_image.py) runs only from scripts/test-deploy.sh, which sets
MONLIGHT_DEPLOY_IMAGE=1 (it builds an image and needs a container engine, which that script installs); `make test`
collects the native tests here (test_backup.py) and leaves the image test to that separate CI step."""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

collect_ignore = [] if os.environ.get("MONLIGHT_DEPLOY_IMAGE") == "1" else ["test_image.py"]


def pytest_terminal_summary(terminalreporter):
    from deploy_notes import NOTES
    if NOTES:
        terminalreporter.section("deploy timings")
        for n in NOTES:
            terminalreporter.write_line(n)
