"""The release artefacts, installed the way users install them (issue 18):
- the .deb (scripts/build-dist.sh deb: cpack from the build directory) into a clean Debian bookworm container (the
  debootstrap base image of tests/deploy/engine.sh; apt-get resolves its dependencies from the Debian mirror); the
  installed host started without systemd, as the `monlight` user, with the installed config, passes
  deploy/smoke-test.sh; an edited conffile survives a reinstall; `apt-get remove` and `purge` leave the data;
  an upgrade to a newer version of the package keeps an edited conffile; the binaries' libraries all resolve (ldd);
- the Python wheel into a fresh venv: the SDK's own test suite (clients/python/tests) runs with the installed wheel
  against the host installed from the .deb (its hosts are the container's /usr/bin/monlight-host and plugins, run
  in the container's mount namespace with nsenter, on this machine's network; no build directory is reachable);
- the npm tarball into a fresh directory: the JS SDK's installed-package suite (clients/js/test/installed, vitest)
  imports '@monlight/browser' as Node resolves it from that directory and sends an error and a metric through the
  installed relay; the relay serves the bundle of the tarball.
Runs from scripts/test-release.sh (MONLIGHT_RELEASE_TEST=1); without a container engine it FAILS (never skips)."""
import gzip
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from monlight_test import ROOT, VERSION, build_dir, free_port, http
from release_notes import note

KEY = "test_api_key_e2e_12345"
ADMIN = "test_admin_key_e2e_12345"
NAME = f"monlight-release-{uuid.uuid4().hex[:8]}"
BASE_IMAGE = "localhost/debian:bookworm-slim"


def run(cmd, timeout=600, check=True, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, cmd))} -> {r.returncode}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return r


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    env = dict(os.environ, MONLIGHT_BUILD_DIR=str(build_dir()))
    t0 = time.time()
    run([str(ROOT / "scripts/build-dist.sh"), str(out), "deb"], env=env)
    note(f"deb built (cpack from {build_dir()}) in {time.time() - t0:.1f} s")
    t0 = time.time()
    run([str(ROOT / "scripts/build-dist.sh"), str(out), "python", "npm", "sums"], env=env)
    note(f"wheel + sdist + npm tarball built in {time.time() - t0:.1f} s")
    for f in sorted(out.iterdir()):
        note(f"artefact {f.name}: {f.stat().st_size / 1024:.0f} KiB")
    return out


def deb_of(dist):
    debs = list(dist.glob("monlight_*.deb"))
    assert len(debs) == 1, debs
    return debs[0]


class Engine:
    def __init__(self, state):
        self.env = dict(os.environ)
        r = run([str(ROOT / "tests/deploy/engine.sh"), str(state)], check=False)
        if r.returncode != 0:
            pytest.fail(f"cannot set up podman / the base image:\n{r.stderr[-3000:]}")
        for line in r.stdout.splitlines():
            k, _, v = line.partition("=")
            self.env[k] = v

    def podman(self, *args, check=True, timeout=600):
        return run(["podman", *args], check=check, timeout=timeout, env=self.env)

    def sh(self, script, check=True, user=None, timeout=600, env=None):
        args = ["exec"]
        for k, v in (env or {}).items():
            args += ["-e", f"{k}={v}"]
        return self.podman(*args, NAME, "sh", "-c", script, check=check, timeout=timeout)


@pytest.fixture(scope="module")
def engine():
    if shutil.which("podman") is None:
        pytest.fail("no podman: run scripts/install-deps.sh --release (scripts/test-release.sh does)")
    keep = os.environ.get("MONLIGHT_DEPLOY_STATE")
    state = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="monlight-release-", dir="/var/tmp"))
    t0 = time.time()
    eng = Engine(state)
    note(f"engine ready (podman + runc, base image) in {time.time() - t0:.0f} s; state {state}")
    yield eng
    if not keep:
        eng.podman("system", "reset", "--force", check=False)
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="module")
def box(engine, dist, tmp_path_factory):
    """A clean bookworm container with the .deb installed by apt-get (dependencies from the mirror); the combined
    listener (5000 inside) published on a free local port; `shared`, a directory mounted at the same path inside."""
    port = free_port()
    shared = tmp_path_factory.mktemp("shared")
    engine.podman("rm", "-f", "-t", "0", NAME, check=False)
    # --pid=host: the container's /proc is this machine's, so the installed hosts the SDK suite starts in the
    # container's mount namespace (installed_host_launcher) see their own /proc/self
    engine.podman("run", "-d", "--name", NAME, "--pid=host", "-p", f"127.0.0.1:{port}:5000", "-v", f"{dist}:/pkg:ro",
                  "-v", f"{shared}:{shared}", BASE_IMAGE, "sleep", "infinity")
    t0 = time.time()
    r = engine.sh("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
                  f"/pkg/{deb_of(dist).name} 2>&1", timeout=900)
    note(f"apt-get install ./{deb_of(dist).name} (with its dependencies) in {time.time() - t0:.1f} s")
    yield {"port": port, "apt": r.stdout, "shared": shared}
    logs = engine.sh("cat /tmp/host.log 2>/dev/null | tail -15", check=False).stdout
    if logs.strip():
        note("installed host log (last lines):\n" + logs)
    engine.podman("rm", "-f", "-t", "0", NAME, check=False)


def started(engine, box):
    """Starts the installed host as systemd would (user monlight, the installed config), without systemd; the
    test keys and CORS origin of deploy/smoke-test.sh come from the environment like secrets.env's would."""
    env = {"ERROR_TRACKER_API_KEY": KEY, "LOG_VIEWER_API_KEY": KEY, "METRICS_COLLECTOR_API_KEY": KEY,
           "BROWSER_RELAY_ADMIN_API_KEY": ADMIN, "CORS_ORIGINS": "http://localhost:3000",
           # inside the container: listen on all interfaces so the published port reaches it
           "MONLIGHT_HOST_LISTEN": "0.0.0.0:5000"}
    engine.sh("cd /var/lib/monlight && (setpriv --reuid=monlight --regid=monlight --init-groups "
              "/usr/bin/monlight-host --config /etc/monlight/monlight.properties >/tmp/host.log 2>&1 & "
              "echo $! > /tmp/host.pid)", env=env)
    url = f"http://127.0.0.1:{box['port']}"
    deadline = time.time() + 30
    while True:
        try:
            if http("GET", url + "/health").status == 200:
                return url
        except OSError:
            pass
        if time.time() > deadline:
            log = engine.sh("cat /tmp/host.log", check=False).stdout
            raise AssertionError(f"the installed host did not answer on {url}/health within 30 s:\n{log[-3000:]}")
        time.sleep(0.3)


def stop(engine):
    """SIGTERM to the installed host; it must exit within 10 s."""
    r = engine.sh("p=$(cat /tmp/host.pid); kill -TERM $p; for i in $(seq 100); do kill -0 $p 2>/dev/null || "
                  "{ echo stopped; exit 0; }; sleep 0.1; done; echo running", check=False)
    assert r.stdout.strip() == "stopped", r.stdout + r.stderr


def installed_host_launcher(engine, box):
    """An executable that runs the monlight-host installed in the container (its files and libraries: the
    container's mount namespace) as a process of this machine (its network, so the 127.0.0.1 ports the SDK tests
    choose work; signals reach it directly: nsenter execs it without forking). Each start is counted in
    `launches`."""
    pid = engine.podman("inspect", "-f", "{{.State.Pid}}", NAME).stdout.strip()
    assert pid.isdigit() and pid != "0", pid
    launcher = box["shared"] / "installed-monlight-host"
    launches = box["shared"] / "launches"
    launcher.write_text("#!/bin/sh\n"
                        f"echo \"$$ $*\" >> {launches}\n"
                        f"exec nsenter --target {pid} --mount -- /usr/bin/monlight-host \"$@\"\n")
    launcher.chmod(0o755)
    return launcher, launches


def dsn_key(url, project):
    r = http("POST", url + "/browser-relay/api/dsn-keys", {"project": project}, {"X-API-Key": ADMIN})
    assert r.status == 201, r
    return r.json()["public_key"]


def test_deb_metadata_and_contents(dist):
    deb = deb_of(dist)
    arch = run(["dpkg", "--print-architecture"]).stdout.strip()
    assert deb.name == f"monlight_{VERSION}-1_{arch}.deb"
    fields = {f: run(["dpkg-deb", "-f", str(deb), f]).stdout.strip()
              for f in ("Package", "Version", "Depends", "Maintainer", "Description")}
    synopsis, *body = fields["Description"].splitlines()
    assert len(synopsis) < 80 and body and all(len(line) <= 80 for line in body), fields["Description"]
    note(f"Depends: {fields['Depends']}")
    assert fields["Package"] == "monlight" and fields["Version"] == f"{VERSION}-1"
    deps = [d.strip().split(" ")[0] for d in fields["Depends"].split(",")]
    for lib in ("libc6", "libstdc++6", "libsqlite3-0", "libpocofoundation80", "libpoconet80", "libpocoutil80",
                "libpocojson80", "libpoconetssl80", "adduser", "init-system-helpers"):
        assert lib in deps, (lib, fields["Depends"])
    assert not [d for d in deps if "monlight" in d], "the private SDK library needs no package"
    files = run(["dpkg-deb", "-c", str(deb)]).stdout
    for path in ("./usr/bin/monlight-host", "./usr/lib/monlight/libmonlight-sdk.so.1", "./usr/lib/monlight/monlight-tls.so",
                 "./usr/lib/monlight/plugins/error-tracker.so", "./usr/lib/monlight/plugins/log-viewer.so",
                 "./usr/lib/monlight/plugins/metrics-collector.so", "./usr/lib/monlight/plugins/browser-relay.so",
                 "./usr/lib/monlight/plugins/common.so", "./usr/lib/monlight/plugins/error-tracker-postgresql.so",
                 "./usr/include/Monlight/Plugin.h",
                 "./usr/include/Monlight/Version.h", "./usr/include/Monlight/VersionNumber.h",
                 "./usr/lib/cmake/MonlightSDK/MonlightSDKConfig.cmake",
                 "./usr/lib/cmake/MonlightSDK/MonlightSDKConfigVersion.cmake",
                 "./usr/lib/systemd/system/monlight.service", "./etc/monlight/monlight.properties",
                 "./usr/share/doc/monlight/copyright", "./usr/share/doc/monlight/changelog.gz",
                 "./usr/share/doc/monlight/changelog.Debian.gz", "./usr/share/man/man8/monlight-host.8.gz"):
        assert re.search(rf"\s{re.escape(path)}(\s|$)", files, re.M), (path, files)
    assert "testsuite" not in files and "fixture" not in files and "bench" not in files, files
    ctl = tempfile.mkdtemp()
    try:
        run(["dpkg-deb", "-e", str(deb), ctl])
        assert Path(ctl, "conffiles").read_text().split() == ["/etc/monlight/monlight.properties"]
        for s in ("postinst", "prerm", "postrm"):
            assert os.access(Path(ctl, s), os.X_OK), s
            run(["sh", "-n", str(Path(ctl, s))])
        # systemd through the Debian helpers (deb-systemd-invoke honours policy-rc.d)
        assert "deb-systemd-invoke try-restart monlight.service" in Path(ctl, "postinst").read_text()
        assert "deb-systemd-invoke stop monlight.service" in Path(ctl, "prerm").read_text()
    finally:
        shutil.rmtree(ctl)
    docs = Path(tempfile.mkdtemp())
    try:
        run(["dpkg-deb", "-x", str(deb), str(docs)])
        doc = docs / "usr/share/doc/monlight"
        # machine-readable copyright carrying the LICENSE text (MIT = Debian's "Expat")
        copyright = (doc / "copyright").read_text()
        assert copyright.startswith("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n")
        assert "\nFiles: *\nCopyright: 2026 Monlight contributors\nLicense: Expat\n" in copyright
        license_body = (ROOT / "LICENSE").read_text().split("Permission is hereby granted", 1)[1]
        flat = lambda t: " ".join(t.replace(" .\n", "\n").split())
        assert flat(license_body) in flat(copyright), copyright
        assert gzip.decompress((doc / "changelog.gz").read_bytes()) == (ROOT / "CHANGELOG.md").read_bytes()
        deb_changelog = gzip.decompress((doc / "changelog.Debian.gz").read_bytes()).decode()
        assert deb_changelog.startswith(f"monlight ({VERSION}-1) unstable; urgency=medium\n"), deb_changelog
        # Maintainer: DEBFULLNAME/DEBEMAIL at configure time, else the git identity; the changelog trailer agrees
        m = re.search(r"^ -- (.+ <[^@\s]+@[^>\s]+>)  \w{3}, \d{2} \w{3} \d{4} [\d:]{8} [+-]\d{4}$", deb_changelog, re.M)
        assert m and m.group(1) == fields["Maintainer"], (fields["Maintainer"], deb_changelog)
        git = [run(["git", "config", k], cwd=ROOT, check=False).stdout.strip() for k in ("user.name", "user.email")]
        if not os.environ.get("DEBFULLNAME") and all(git):
            assert fields["Maintainer"] == f"{git[0]} <{git[1]}>", fields["Maintainer"]
        # the man page renders without warnings and names the version
        man = gzip.decompress((docs / "usr/share/man/man8/monlight-host.8.gz").read_bytes()).decode()
        assert man.splitlines()[1].startswith(f'.TH MONLIGHT-HOST 8 "" "Monlight {VERSION}"'), man[:300]
        r = run(["groff", "-man", "-ww", "-z"], input=man)
        assert r.stderr == "", r.stderr
        for opt in ("check\\-config", "healthcheck", "/etc/monlight/monlight.properties", "EXIT STATUS"):
            assert opt in man, opt
    finally:
        shutil.rmtree(docs)
    sums = (dist / "SHA256SUMS").read_text()
    assert deb.name in sums and run(["sha256sum", "-c", "SHA256SUMS"], cwd=dist).returncode == 0


def test_deb_installs_into_clean_bookworm_and_passes_the_smoke_test(engine, box):
    # postinst: system user, data directory, generated secrets
    r = engine.sh("id -u monlight; getent passwd monlight | cut -d: -f6,7; stat -c '%U:%G %a' /var/lib/monlight; "
                  "stat -c '%U:%G %a' /etc/monlight/secrets.env; dpkg-query -W -f='${Version} ${Status}\\n' monlight; "
                  "monlight-host --version | head -1")
    lines = r.stdout.splitlines()
    assert int(lines[0]) < 1000, "a system user"
    assert lines[1] == "/var/lib/monlight:/usr/sbin/nologin"
    assert lines[2] == "monlight:monlight 750"
    assert lines[3] == "root:monlight 640"
    assert lines[4] == f"{VERSION}-1 install ok installed"
    assert lines[5] == f"monlight-host {VERSION}"
    # every library of the installed binary, TLS module and plugins resolves in the clean root
    r = engine.sh("ldd /usr/bin/monlight-host /usr/lib/monlight/*.so* /usr/lib/monlight/plugins/*.so 2>&1")
    assert "not found" not in r.stdout and "libPocoFoundation.so.80" in r.stdout, r.stdout
    # the copyright file survives even the image's path-exclude of /usr/share/doc; the unit is installed, not enabled
    r = engine.sh("grep -c '^License: Expat' /usr/share/doc/monlight/copyright; "
                  "ls /etc/systemd/system/multi-user.target.wants/monlight.service 2>&1 || true")
    assert r.stdout.splitlines()[0] == "2" and "No such file" in r.stdout, r.stdout
    secrets = engine.sh("cat /etc/monlight/secrets.env").stdout
    for k in ("ERROR_TRACKER_API_KEY", "LOG_VIEWER_API_KEY", "METRICS_COLLECTOR_API_KEY", "BROWSER_RELAY_ADMIN_API_KEY"):
        assert re.search(rf"^{k}=[0-9a-f]{{32}}$", secrets, re.M), (k, secrets)
    # the generated secrets + installed config are a valid configuration for the service user
    r = engine.sh("set -a; . /etc/monlight/secrets.env; set +a; setpriv --reuid=monlight --regid=monlight "
                  "--init-groups monlight-host --config /etc/monlight/monlight.properties --check-config 2>&1",
                  check=False)
    assert r.returncode == 0, r.stdout
    url = started(engine, box)
    r = http("GET", url + "/health")
    assert json.loads(r.body)["version"] == VERSION
    t0 = time.time()
    smoke = run([str(ROOT / "deploy/smoke-test.sh"), url], check=False, timeout=300, env=dict(os.environ, CONTAINER=""))
    last = smoke.stdout.strip().splitlines()[-1]
    note(f"smoke-test.sh against the installed host: {last} in {time.time() - t0:.0f} s")
    assert smoke.returncode == 0, smoke.stdout[-4000:] + smoke.stderr[-2000:]
    m = re.fullmatch(r"(\d+) passed, 0 failed", last)
    assert m and int(m.group(1)) >= 15, smoke.stdout[-2000:]
    # the databases are in the data directory, owned by the service user
    r = engine.sh("ls /var/lib/monlight; stat -c '%U' /var/lib/monlight/errors.db")
    for db in ("errors.db", "logs.db", "metrics.db", "browser-relay.db"):
        assert db in r.stdout, r.stdout
    assert r.stdout.splitlines()[-1] == "monlight"


def test_wheel_in_a_fresh_venv(engine, box, dist, tmp_path):
    """The wheel in a fresh venv: its own test suite with the installed wheel against the host installed from the
    .deb (every host its integration tests start is the container's binary with its plugins), then a report to the
    installed host running as the service would."""
    wheel = next(dist.glob(f"monlight-{VERSION}-py3-none-any.whl"))
    assert (dist / f"monlight-{VERSION}.tar.gz").exists()
    venv = tmp_path / "venv"
    t0 = time.time()
    run(["python3", "-m", "venv", str(venv)])
    run([str(venv / "bin/pip"), "install", "-q", "--disable-pip-version-check", f"{wheel}[fastapi]", "pytest",
         "httpx==0.28.1", "fastapi==0.163.2", "uvicorn==0.54.0"], timeout=600)
    note(f"fresh venv + wheel + test dependencies in {time.time() - t0:.0f} s")
    py = str(venv / "bin/python")
    r = run([py, "-c", "import monlight, sys; print(monlight.__version__); print(monlight.__file__)"], cwd=tmp_path)
    v, path = r.stdout.split()
    assert v == VERSION and path.startswith(str(venv)), r.stdout
    launcher, launches = installed_host_launcher(engine, box)
    r = run([str(launcher), "--version"])
    assert r.stdout.splitlines()[0] == f"monlight-host {VERSION}", r.stdout
    launches.unlink()
    t0 = time.time()
    # no build directory: a host not started through the launcher would fail
    env = dict(os.environ, MONLIGHT_SDK_INSTALLED="1", MONLIGHT_BUILD_DIR=str(box["shared"] / "no-build-here"),
               MONLIGHT_HOST_BINARY=str(launcher), MONLIGHT_PLUGIN_DIR="/usr/lib/monlight/plugins")
    # the tests' configs, data and log directories live in the directory shared with the container
    r = run([py, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--basetemp", str(box["shared"] / "sdk-tests"),
             str(ROOT / "clients/python/tests")], check=False, cwd=tmp_path, env=env, timeout=600)
    started_hosts = launches.read_text().splitlines() if launches.exists() else []
    note(f"Python SDK suite (installed wheel, installed host started {len(started_hosts)} times): "
         f"{r.stdout.strip().splitlines()[-1]} in {time.time() - t0:.0f} s")
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert len(started_hosts) >= 7, started_hosts
    # the installed wheel against the installed host (started by the previous test, or now)
    url = f"http://127.0.0.1:{box['port']}"
    try:
        up = http("GET", url + "/health").status == 200
    except OSError:
        up = False
    if not up:
        url = started(engine, box)
    marker = f"WheelCheck{uuid.uuid4().hex[:8]}"
    script = ("import sys, monlight\n"
              "c = monlight.ErrorClient(base_url=sys.argv[1] + '/error-tracker', api_key=sys.argv[2], project='release')\n"
              f"try:\n    raise RuntimeError('{marker}')\n"
              "except RuntimeError as e:\n    print(c.report_error_sync(e))\n")
    r = run([py, "-c", script, url, KEY], cwd=tmp_path)
    assert "'status': 'created'" in r.stdout, r.stdout
    r = http("GET", url + "/error-tracker/api/errors?project=release", headers={"X-API-Key": KEY})
    assert r.status == 200 and marker.encode() in r.body, r


def test_npm_tarball_in_a_fresh_dir(engine, box, dist, tmp_path):
    """The tarball `npm install`ed into a fresh directory: the JS SDK's installed-package suite (vitest, the
    repository's dev dependencies) imports it from there and reports through the installed relay."""
    tgz = dist / f"monlight-browser-{VERSION}.tgz"
    assert tgz.exists(), list(dist.iterdir())
    listing = run(["tar", "-tzf", str(tgz)]).stdout.split()
    for f in ("package/package.json", "package/dist/monlight.esm.js", "package/dist/monlight.min.js",
              "package/dist/index.d.ts"):
        assert f in listing, (f, listing)
    assert not [f for f in listing if "/src/" in f or "/test/" in f or "node_modules" in f], listing
    proj = tmp_path / "app"
    proj.mkdir()
    (proj / "package.json").write_text('{"name":"app","version":"0.0.0","private":true,"type":"module"}\n')
    t0 = time.time()
    run(["npm", "install", "--no-audit", "--no-fund", "--prefer-offline", str(tgz)], cwd=proj, timeout=600)
    note(f"npm install of the tarball into a fresh directory in {time.time() - t0:.0f} s")
    pkg = json.loads((proj / "node_modules/@monlight/browser/package.json").read_text())
    assert pkg["version"] == VERSION
    bundle = (proj / "node_modules/@monlight/browser/dist/monlight.min.js").read_bytes()
    assert f"@monlight/browser {VERSION}".encode() in bundle[:200]
    # the installed relay serves the same bundle
    url = f"http://127.0.0.1:{box['port']}"
    try:
        r = http("GET", url + "/browser-relay/sdk/monlight.min.js")
    except OSError:
        url = started(engine, box)
        r = http("GET", url + "/browser-relay/sdk/monlight.min.js")
    assert r.status == 200 and r.body == bundle, (r.status, len(r.body), len(bundle))
    # the SDK's installed-package suite against the installed relay (errors -> error tracker, metrics -> collector)
    js = ROOT / "clients/js"
    vitest = js / "node_modules/.bin/vitest"
    assert vitest.exists(), "no clients/js/node_modules (scripts/build-dist.sh npm runs npm ci)"
    project = f"release-js-{uuid.uuid4().hex[:6]}"
    env = dict(os.environ, MONLIGHT_SDK_INSTALLED_DIR=str(proj), MONLIGHT_RELAY_URL=url + "/browser-relay",
               MONLIGHT_DSN=dsn_key(url, project), MONLIGHT_PROJECT=project, MONLIGHT_API_KEY=KEY,
               MONLIGHT_ET_URL=url + "/error-tracker", MONLIGHT_MC_URL=url + "/metrics-collector")
    t0 = time.time()
    r = run([str(vitest), "run", "-c", "vitest.installed.config.ts"], cwd=js, env=env, check=False, timeout=300)
    out = re.sub(r"\x1b\[[0-9;]*m", "", r.stdout + r.stderr)
    tests = re.search(r"Tests\s+(.*)", out)
    note(f"JS SDK installed-package suite: {tests.group(1) if tests else '?'} in {time.time() - t0:.0f} s")
    assert r.returncode == 0, out[-4000:]
    assert tests and re.fullmatch(r"2 passed \(2\)", tests.group(1).strip()), out[-3000:]


def newer_deb(deb, out, revision, conffile_line=None):
    """The package as a newer version (Debian revision `revision`), optionally with a changed default conffile."""
    tree = out / f"tree-{revision}"
    run(["dpkg-deb", "-R", str(deb), str(tree)])
    control = tree / "DEBIAN/control"
    control.write_text(control.read_text().replace(f"Version: {VERSION}-1\n", f"Version: {VERSION}-{revision}\n"))
    if conffile_line:
        conf = tree / "etc/monlight/monlight.properties"
        conf.write_text(conf.read_text() + conffile_line + "\n")
    target = out / f"monlight_{VERSION}-{revision}.deb"
    run(["dpkg-deb", "--root-owner-group", "-Zgzip", "-z1", "-b", str(tree), str(target)])
    shutil.rmtree(tree)
    return target


def test_edited_config_survives_reinstall_and_remove_keeps_data(engine, box, dist):
    deb = deb_of(dist).name
    secrets_before = engine.sh("sha256sum /etc/monlight/secrets.env").stdout
    engine.sh("echo '# edited by the administrator' >> /etc/monlight/monlight.properties")
    engine.sh(f"DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --reinstall /pkg/{deb} 2>&1")
    r = engine.sh("tail -1 /etc/monlight/monlight.properties; ls /etc/monlight")
    assert r.stdout.splitlines()[0] == "# edited by the administrator", r.stdout
    assert "monlight.properties.dpkg-new" not in r.stdout
    assert engine.sh("sha256sum /etc/monlight/secrets.env").stdout == secrets_before
    # upgrades to newer versions: the same default config (kept silently, no prompt), then a changed default
    # (apt's unattended choice --force-confold: the edited file stays, the new default lands next to it)
    up = dist / "upgrade"
    up.mkdir(exist_ok=True)
    t0 = time.time()
    same = newer_deb(deb_of(dist), up, 2)
    changed = newer_deb(deb_of(dist), up, 3, "# a new default of version 3")
    engine.sh(f"DEBIAN_FRONTEND=noninteractive apt-get install -y -qq /pkg/upgrade/{same.name} 2>&1 </dev/null")
    r = engine.sh("dpkg-query -W -f='${Version}\\n' monlight; tail -1 /etc/monlight/monlight.properties; ls /etc/monlight")
    assert r.stdout.splitlines()[:2] == [f"{VERSION}-2", "# edited by the administrator"], r.stdout
    assert "dpkg-" not in r.stdout, r.stdout
    engine.sh("DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o Dpkg::Options::=--force-confdef "
              f"-o Dpkg::Options::=--force-confold /pkg/upgrade/{changed.name} 2>&1 </dev/null")
    r = engine.sh("dpkg-query -W -f='${Version}\\n' monlight; tail -1 /etc/monlight/monlight.properties; "
                  "tail -1 /etc/monlight/monlight.properties.dpkg-dist")
    assert r.stdout.splitlines() == [f"{VERSION}-3", "# edited by the administrator", "# a new default of version 3"], \
        r.stdout
    assert engine.sh("sha256sum /etc/monlight/secrets.env").stdout == secrets_before
    note(f"two upgrades (same and changed default conffile) in {time.time() - t0:.1f} s")
    try:
        stop(engine)
    except AssertionError:
        pass  # not running (an earlier test failed before starting it)
    rows = engine.sh("ls -l /var/lib/monlight/*.db | wc -l").stdout.strip()
    engine.sh("DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq monlight 2>&1")
    r = engine.sh("ls /usr/bin/monlight-host 2>&1; ls /var/lib/monlight; ls /etc/monlight; id -u monlight")
    assert "No such file" in r.stdout.splitlines()[0], r.stdout
    # remove masks the unit (deb-systemd-helper), purge unmasks it
    assert engine.sh("readlink /etc/systemd/system/monlight.service").stdout.strip() == "/dev/null"
    for db in ("errors.db", "logs.db", "metrics.db", "browser-relay.db"):
        assert db in r.stdout, r.stdout
    assert "monlight.properties" in r.stdout and "secrets.env" in r.stdout, "remove keeps the configuration"
    engine.sh("DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq monlight 2>&1")
    # purge: the configuration and generated secrets go, the data stay
    r = engine.sh("ls -l /var/lib/monlight/*.db | wc -l; test -e /etc/monlight && echo etc-left || echo etc-gone; "
                  "dpkg-query -W -f='${Status}' monlight 2>&1 || true")
    lines = r.stdout.splitlines()
    assert lines[0].strip() == rows and int(rows) >= 4, (rows, r.stdout)
    assert lines[1] == "etc-gone", r.stdout
    assert engine.sh("test -e /etc/systemd/system/monlight.service && echo masked || echo unmasked").stdout.strip() \
        == "unmasked"
