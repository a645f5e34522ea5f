"""`pip install ./clients/python` works and installs every module, with the declared dependencies and extra."""
import shutil
import subprocess
import sys
from pathlib import Path

from monlight_test import VERSION  # the repository's VERSION file (tests/ is on sys.path, conftest.py)

SDK_DIR = Path(__file__).resolve().parent.parent


def test_pip_install_builds_the_package(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(SDK_DIR / name, src / name)
    shutil.copytree(SDK_DIR / "monlight", src / "monlight", ignore=shutil.ignore_patterns("__pycache__"))
    target = tmp_path / "site"
    p = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--disable-pip-version-check",
                        "--target", str(target), str(src)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    check = ("import sys; sys.path.insert(0, sys.argv[1]); import monlight, monlight.handlers, "
             "monlight.integrations.fastapi as f; assert monlight.__file__.startswith(sys.argv[1]); "
             "print(monlight.__version__, monlight.ErrorClient.__name__, monlight.MetricsClient.__name__, "
             "monlight.handlers.MonlightLogHandler.__name__, f.setup_monlight.__name__)")
    p = subprocess.run([sys.executable, "-c", check, str(target)], capture_output=True, text=True, timeout=60,
                       cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == [VERSION, "ErrorClient", "MetricsClient", "MonlightLogHandler", "setup_monlight"]
    meta = next(target.glob(f"monlight-{VERSION}.dist-info")) / "METADATA"
    text = meta.read_text()
    assert "Requires-Dist: httpx>=0.23" in text
    assert 'Requires-Dist: fastapi>=0.92; extra == "fastapi"' in text
    assert 'Requires-Dist: starlette>=0.26; extra == "fastapi"' in text
    assert "Requires-Python: >=3.9" in text
