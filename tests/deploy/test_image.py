"""The container image, really built and run (issue 11, SPEC §9): deploy/Dockerfile built with podman (no registry:
the Debian base images come from debootstrap, tests/deploy/engine.sh), deploy/docker-compose.test.yml brought up with
podman-compose, deploy/smoke-test.sh against it, data surviving a restart, SIGTERM as PID 1 → exit 0 in < 10 s.

Run by scripts/test-deploy.sh (MONLIGHT_DEPLOY_IMAGE=1). Without a usable container engine this FAILS (it never skips).
MONLIGHT_DEPLOY_STATE=DIR keeps the engine's storage (base images, layer cache) and the podman-compose venv in DIR
for local iteration; by default everything lives in a fresh directory removed at the end (nothing across runs)."""
import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from deploy_notes import note
from monlight_test import http

ROOT = Path(__file__).resolve().parent.parent.parent
HERE = Path(__file__).resolve().parent
CONTAINER = "e2e_monlight"
KEY = "test_api_key_e2e_12345"
ADMIN = "test_admin_key_e2e_12345"
PORTS = {"error-tracker": 15010, "log-viewer": 15011, "metrics-collector": 15012, "browser-relay": 15013}
COMBINED = 15000
IMAGE = "localhost/monlight:latest"




def url(plugin):
    return f"http://127.0.0.1:{PORTS[plugin]}"


class Engine:
    def __init__(self, state):
        self.state = state
        self.env = dict(os.environ)
        out = subprocess.run([str(HERE / "engine.sh"), str(state)], capture_output=True, text=True, env=self.env)
        if out.returncode != 0:
            pytest.fail(f"cannot set up podman / the base image:\n{out.stderr[-3000:]}")
        for line in out.stdout.splitlines():
            k, _, v = line.partition("=")
            self.env[k] = v
        venv = state / "venv"
        if not (venv / "bin" / "podman-compose").exists():
            run = subprocess.run(f"python3 -m venv {venv} && {venv}/bin/pip install -q podman-compose==1.6.0",
                                 shell=True, capture_output=True, text=True)
            if run.returncode != 0:
                pytest.fail(f"cannot install podman-compose 1.6.0 from PyPI:\n{run.stdout}{run.stderr}")
        self.compose_bin = str(venv / "bin" / "podman-compose")
        self.python = str(venv / "bin" / "python")

    def podman(self, *args, check=True, timeout=600):
        r = subprocess.run(["podman", *args], capture_output=True, text=True, env=self.env, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"podman {' '.join(args)} -> {r.returncode}\n{r.stdout[-2000:]}{r.stderr[-3000:]}")
        return r

    def compose(self, *args, env=None, check=True, timeout=300):
        e = dict(self.env)
        e.update(env or {})
        r = subprocess.run([self.compose_bin, "-f", str(ROOT / "deploy" / "docker-compose.test.yml"), *args],
                           capture_output=True, text=True, env=e, timeout=timeout, cwd=ROOT)
        if check and r.returncode != 0:
            raise AssertionError(f"podman-compose {' '.join(args)} -> {r.returncode}\n{r.stdout[-2000:]}{r.stderr[-3000:]}")
        return r

    def inspect(self, fmt, name=CONTAINER):
        return self.podman("inspect", "--format", fmt, name).stdout.strip()


@pytest.fixture(scope="module")
def engine():
    if shutil.which("podman") is None:
        note("no podman: installing the container engine with scripts/install-deps.sh --deploy")
        r = subprocess.run([str(ROOT / "scripts" / "install-deps.sh"), "--deploy"], capture_output=True, text=True)
        if r.returncode != 0 or shutil.which("podman") is None:
            pytest.fail("no container engine: podman is missing and scripts/install-deps.sh --deploy could not install "
                        f"it (exit {r.returncode}):\n{r.stderr[-2000:]}")
    keep = os.environ.get("MONLIGHT_DEPLOY_STATE")
    state = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="monlight-deploy-", dir="/var/tmp"))
    state.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    eng = Engine(state)
    note(f"engine ready (podman + runc, base image) in {time.time() - t0:.0f} s; state {state}")
    r = eng.podman("run", "--rm", "--network=none", "localhost/debian:bookworm-slim", "true", check=False)
    if r.returncode != 0:
        pytest.fail(f"the container engine cannot run a container:\n{r.stderr[-2000:]}")
    yield eng
    if not keep:
        eng.podman("system", "reset", "--force", check=False)
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="module")
def image(engine):
    """deploy/Dockerfile built from this checkout. The host's ccache (filled by the native build a moment ago) and
    clients/js/node_modules (or the npm cache) are mounted into the build stage, so the compile reuses the native objects (same gcc, flags, build
    type and locale as scripts/build.sh)."""
    args = ["build", "--pull=never", "--format", "docker", "-f", "deploy/Dockerfile", "-t", IMAGE]
    cache_dir = subprocess.run(["ccache", "-k", "cache_dir"], capture_output=True, text=True).stdout.strip() \
        if shutil.which("ccache") else ""
    if cache_dir:
        os.makedirs(cache_dir, exist_ok=True)
        args += ["-v", f"{cache_dir}:/ccache"]
    modules = ROOT / "clients" / "js" / "node_modules"
    uplot = ROOT / "plugins" / "metrics-collector" / "npm" / "node_modules"
    if (uplot / ".package-lock.json").is_file():
        # uPlot for the metrics UI, installed by the native configure (cmake/MonlightUplot.cmake)
        args += ["-v", f"{uplot}:/src/plugins/metrics-collector/npm/node_modules:ro"]
    if (modules / ".package-lock.json").is_file():
        # installed by `make test` (npm ci from the same package-lock.json) a moment ago: the bundle step in the
        # build stage then skips its own npm ci (about a minute on this machine)
        args += ["-v", f"{modules}:/src/clients/js/node_modules:ro"]
    else:
        npm_cache = Path.home() / ".npm"
        if npm_cache.is_dir():
            args += ["-v", f"{npm_cache}:/root/.npm"]
    t0 = time.time()
    r = subprocess.run(["podman", *args, "."], capture_output=True, text=True, env=engine.env, cwd=ROOT, timeout=1800)
    took = time.time() - t0
    if r.returncode != 0:
        pytest.fail(f"image build failed after {took:.0f} s:\n{r.stdout[-4000:]}\n{r.stderr[-3000:]}")
    stats = [ln.strip() for ln in r.stdout.splitlines() if ln.strip().startswith(("Hits", "Misses"))]
    note(f"image built in {took:.0f} s (ccache in the build stage: {'; '.join(stats) or 'not used'})")
    return IMAGE


@pytest.fixture(scope="module")
def stack(engine, image, tmp_path_factory):
    """docker-compose.test.yml up, with a fake Docker log directory (one json-file container, e2e_app) mounted
    read-only where the log viewer reads Docker logs. Waits until `podman healthcheck run` reports healthy."""
    logs = tmp_path_factory.mktemp("docker-containers")
    cid = uuid.uuid4().hex * 2
    d = logs / cid
    d.mkdir()
    (d / "config.v2.json").write_text(json.dumps({"ID": cid, "Name": "/e2e_app"}))
    (d / f"{cid}-json.log").write_text(
        json.dumps({"log": "deploy-test log line from e2e_app\n", "stream": "stdout",
                    "time": "2026-01-01T00:00:00.000000000Z"}) + "\n")
    os.chmod(logs, 0o755)
    # Docker's own modes: the container directory and its files are the daemon user's only. The host in the image
    # runs as uid 10001, so it reads them only by raising CAP_DAC_READ_SEARCH (permitted file capability +
    # compose's cap_add), as SPEC §9.1 describes.
    for f in d.iterdir():
        os.chmod(f, 0o600)
    os.chmod(d, 0o700)
    env = {"DOCKER_CONTAINERS_DIR": str(logs)}
    engine.compose("down", "-v", env=env, check=False)
    t0 = time.time()
    engine.compose("up", "-d", env=env)
    wait_healthy(engine)
    note(f"compose up -> healthy in {time.time() - t0:.1f} s")
    yield {"env": env, "logs": logs}
    r = engine.compose("logs", env=env, check=False)
    note("container log (last lines):\n" + "\n".join((r.stdout + r.stderr).splitlines()[-15:]))
    engine.compose("down", "-v", env=env, check=False)


def wait_healthy(engine, timeout=60):
    deadline = time.time() + timeout
    while True:
        r = engine.podman("healthcheck", "run", CONTAINER, check=False)
        if r.returncode == 0:
            break
        if time.time() > deadline:
            logs = engine.podman("logs", CONTAINER, check=False)
            raise AssertionError(f"{CONTAINER} not healthy after {timeout} s: {r.stdout}{r.stderr}\n"
                                 f"{logs.stdout[-3000:]}{logs.stderr[-3000:]}")
        time.sleep(1)
    assert engine.inspect("{{.State.Health.Status}}") == "healthy"


def test_image_is_slim_non_root_with_healthcheck(engine, image):
    cfg = json.loads(engine.podman("image", "inspect", image).stdout)[0]
    c = cfg["Config"]
    assert c["User"] == "10001:10001"
    assert "/var/lib/monlight" in c["Volumes"]
    assert (c.get("Healthcheck") or cfg["Healthcheck"])["Test"] == ["CMD", "/usr/bin/monlight-host", "--healthcheck"]
    assert c["Entrypoint"] == ["/usr/bin/monlight-host"]
    assert c.get("StopSignal") == "SIGTERM"
    size_mb = cfg["Size"] / 1e6
    note(f"image size {size_mb:.1f} MB")
    assert size_mb <= 130, f"image is {size_mb:.1f} MB, SPEC §9.1 target is <= 130 MB"
    # runtime stage: no compiler, no headers; stripped binaries; the plugins and the SDK library installed
    r = engine.podman("run", "--rm", "--network=none", "--entrypoint", "/bin/sh", image, "-c",
                      "id -u; command -v g++ cc node || true; ls /usr/include/Poco 2>&1 | head -1; "
                      "ls /usr/lib/monlight/plugins; ls /usr/lib/monlight; "
                      "for f in /usr/bin/monlight-host /usr/lib/monlight/plugins/*.so; do "
                      "  grep -c .debug_info $f || true; done; getcap /usr/bin/monlight-host")
    out = r.stdout
    lines = out.splitlines()
    assert lines[0] == "10001"
    assert "No such file" in out and "/usr/bin/g++" not in out and "node" not in lines[1]
    for p in ("common.so", "error-tracker.so", "log-viewer.so", "metrics-collector.so", "browser-relay.so",
              "libmonlight-sdk.so.1", "monlight-tls.so", "error-tracker-postgresql.so"):
        assert p in out, out
    assert "cap_dac_read_search=p" in out
    assert [ln for ln in lines if ln.strip() == "0"], "stripped binaries expected"
    assert not [ln for ln in lines if ln.strip().isdigit() and ln.strip() != "0" and ln != lines[0]], out


def test_smoke_test_passes_against_the_container(engine, stack):
    env = dict(engine.env, DOCKER="podman", CONTAINER="")
    t0 = time.time()
    r = subprocess.run([str(ROOT / "deploy" / "smoke-test.sh"), "--no-up"], capture_output=True, text=True,
                       env=env, timeout=300)
    note(f"smoke-test.sh: {r.stdout.strip().splitlines()[-1]} in {time.time() - t0:.0f} s")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip().splitlines()[-1] == "16 passed, 0 failed", r.stdout


def test_combined_listener_and_embedded_sdk(stack):
    for p in PORTS:
        r = http("GET", f"http://127.0.0.1:{COMBINED}/{p}/health")
        assert r.status == 200 and b'"status":"ok"' in r.body, (p, r)
    # the relay was built with MONLIGHT_JS_SDK=ON: the browser SDK bundle is embedded
    r = http("GET", url("browser-relay") + "/sdk/monlight.min.js")
    assert r.status == 200 and len(r.body) > 1000 and "javascript" in r.headers.get("content-type", ""), r
    # MONLIGHT_UPLOT=ON: the metrics UI's charting library (npm ci in the build stage, or the mounted node_modules)
    r = http("GET", f"http://127.0.0.1:{COMBINED}/metrics-collector/static/vendor/uPlot.iife.min.js")
    assert r.status == 200 and len(r.body) > 20000 and b"uPlot is not embedded" not in r.body, r


def test_log_viewer_reads_the_mounted_docker_logs(stack):
    deadline = time.time() + 40
    while True:
        r = http("GET", url("log-viewer") + "/api/logs?container=e2e_app", headers={"X-API-Key": KEY})
        if r.status == 200 and b"deploy-test log line" in r.body:
            break
        assert time.time() < deadline, r
        time.sleep(1)


def test_container_is_hardened(engine, stack):
    assert engine.inspect("{{.HostConfig.ReadonlyRootfs}}") == "true"
    assert engine.inspect("{{.HostConfig.Memory}}") == str(256 * 1024 * 1024)
    assert engine.inspect("{{.HostConfig.RestartPolicy.Name}}") == "unless-stopped"
    r = engine.podman("exec", CONTAINER, "/bin/sh", "-c",
                      "id -u; touch /usr/x 2>&1; touch /var/lib/monlight/.w && echo data-writable; "
                      "ls /var/lib/monlight; touch /var/lib/docker/containers/x 2>&1; true")
    out = r.stdout
    assert out.splitlines()[0] == "10001", out
    assert "cannot touch '/usr/x': Read-only file system" in out and "data-writable" in out, out
    assert "cannot touch '/var/lib/docker/containers/x': Read-only file system" in out, out
    for db in ("errors.db", "logs.db", "metrics.db", "browser-relay.db"):
        assert db in out, out


def test_data_survives_a_restart(engine, stack):
    marker = f"RestartCheck{uuid.uuid4().hex[:8]}"
    h = {"X-API-Key": KEY}
    r = http("POST", url("error-tracker") + "/api/errors", {"project": "deploy-test", "exception_type": marker,
                                                            "message": "before restart", "traceback": ""}, h)
    assert r.status == 201, r
    r = http("POST", url("metrics-collector") + "/api/metrics",
             [{"name": "deploy_restart_total", "type": "counter", "value": 7, "project": "deploy-test"}], h)
    assert r.status == 202, r
    r = http("POST", url("browser-relay") + "/api/dsn-keys", {"project": "deploy-test"}, {"X-API-Key": ADMIN})
    assert r.status == 201, r
    dsn = r.json()["public_key"]

    t0 = time.time()
    engine.podman("restart", "-t", "15", CONTAINER)
    wait_healthy(engine)
    note(f"restart -> healthy in {time.time() - t0:.1f} s")

    r = http("GET", url("error-tracker") + f"/api/errors?project=deploy-test", headers=h)
    assert r.status == 200 and marker.encode() in r.body, r
    r = http("GET", url("metrics-collector") + "/api/metrics/names?project=deploy-test", headers=h)
    assert r.status == 200 and b"deploy_restart_total" in r.body, r
    r = http("GET", url("browser-relay") + "/api/dsn-keys", headers={"X-API-Key": ADMIN})
    assert dsn.encode() in r.body, r
    # the DSN key still authenticates browser telemetry after the restart
    r = http("POST", url("browser-relay") + "/api/browser/errors",
             {"type": "AfterRestart", "message": "m", "stack": ""}, {"X-Monlight-Key": dsn})
    assert r.status in (200, 201), r


def test_backup_and_upgrade_in_compose_mode(engine, stack, tmp_path):
    """deploy/backup.sh and deploy/upgrade.sh as a Docker user runs them (here with podman-compose): backups taken
    inside the running container; an upgrade that stays healthy; one whose health check fails rolls back."""
    compose = f"{engine.compose_bin} -f {ROOT / 'deploy' / 'docker-compose.test.yml'}"
    env = dict(engine.env, **stack["env"], COMPOSE=compose, DOCKER="podman", BACKUP_DIR=str(tmp_path / "b"),
               HEALTH_URLS=" ".join(url(p) + "/health" for p in PORTS))
    r = subprocess.run([str(ROOT / "deploy" / "backup.sh")], capture_output=True, text=True, env=env, cwd=ROOT,
                       timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    for name in ("errors", "logs", "metrics", "browser-relay"):
        files = list((tmp_path / "b" / name).glob(f"{name}_*.db"))
        assert len(files) == 1 and f"OK {name} -> " in r.stdout, r.stdout
        check = subprocess.run(["sqlite3", str(files[0]), "PRAGMA integrity_check;"], capture_output=True, text=True)
        assert check.stdout.strip() == "ok"
    t0 = time.time()
    r = subprocess.run([str(ROOT / "deploy" / "upgrade.sh"), "--no-pull"], capture_output=True, text=True, env=env,
                       cwd=ROOT, timeout=900)
    note(f"upgrade.sh (backup, build from the layer cache, up -d, health) in {time.time() - t0:.0f} s")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "upgrade: now running monlight-host" in r.stdout, r.stdout[-2000:]
    assert engine.podman("image", "exists", "localhost/monlight:rollback", check=False).returncode == 0
    wait_healthy(engine)
    # a failing health check: exit 1, the rollback image runs again
    bad = dict(env, HEALTH_URLS="http://127.0.0.1:9/health", HEALTH_TIMEOUT="2")
    r = subprocess.run([str(ROOT / "deploy" / "upgrade.sh"), "--no-pull", "--no-backup"], capture_output=True,
                       text=True, env=bad, cwd=ROOT, timeout=900)
    assert r.returncode == 1, r.stdout[-2000:] + r.stderr[-2000:]
    assert "rolling back" in r.stderr and "forward-only" in r.stderr, r.stderr[-2000:]
    wait_healthy(engine)
    assert http("GET", url("error-tracker") + "/health").status == 200


def test_sigterm_stops_pid1_with_exit_0_within_10_s(engine, stack):
    assert engine.inspect("{{.State.Running}}") == "true"
    pid1 = engine.podman("exec", CONTAINER, "cat", "/proc/1/comm").stdout.strip()
    assert pid1 == "monlight-host"
    t0 = time.time()
    # -t 15: podman would SIGKILL only after 15 s; the host must be gone well before
    engine.podman("stop", "-t", "15", CONTAINER)
    took = time.time() - t0
    code = engine.inspect("{{.State.ExitCode}}")
    note(f"podman stop (SIGTERM) -> exited {code} in {took:.1f} s")
    assert code == "0"
    assert took < 10, f"stop took {took:.1f} s"
    logs = engine.podman("logs", CONTAINER).stderr + engine.podman("logs", CONTAINER).stdout
    assert "SIGKILL" not in logs


def test_compose_files_describe_the_same_service(engine):
    """The root docker-compose.yml (what users run) and the test file differ only in ports, name, secrets and the
    log directory; everything that matters for running the image is identical."""
    script = ("import json,sys,yaml;print(json.dumps([yaml.safe_load(open(p)) for p in sys.argv[1:]]))")
    r = subprocess.run([engine.python, "-c", script, str(ROOT / "docker-compose.yml"),
                        str(ROOT / "deploy" / "docker-compose.test.yml")], capture_output=True, text=True, check=True)
    prod, test = [d["services"]["monlight"] for d in json.loads(r.stdout)]
    for k in ("build", "image", "restart", "cap_drop", "cap_add", "read_only", "tmpfs", "stop_grace_period",
              "mem_limit"):
        assert prod[k] == test[k] or (k == "build" and prod[k]["dockerfile"] == test[k]["dockerfile"]), k
    assert prod["healthcheck"]["test"] == test["healthcheck"]["test"] == ["CMD", "/usr/bin/monlight-host",
                                                                          "--healthcheck"]
    assert prod["env_file"] == "deploy/secrets.env"
    assert [p.split(":")[1] for p in prod["ports"]] == ["5000", "5010", "5011", "5012", "5013"]
    assert "/var/lib/docker/containers:/var/lib/docker/containers:ro" in prod["volumes"]
    # every key the host requires is in the secrets example
    example = (ROOT / "deploy" / "secrets.env.example").read_text()
    for k in ("ERROR_TRACKER_API_KEY", "LOG_VIEWER_API_KEY", "METRICS_COLLECTOR_API_KEY",
              "BROWSER_RELAY_ADMIN_API_KEY"):
        assert f"\n{k}=change-me" in example, k
