"""Drop-in deployment (SPEC §9.8, issue 2): a plugin built out of tree against the *installed* SDK, copied into a
plugin directory, named in the config and served by the installed host."""
import os
import re
import shutil
import subprocess

import pytest

from monlight_test import ROOT, build_dir, free_port, http

EXAMPLE = ROOT / "examples" / "hello-plugin"
KEY = "hello-key-0123456789abcdef"


def run(cmd, **kw):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=600, **kw)
    assert r.returncode == 0, f"{cmd}\n{r.stdout}\n{r.stderr}"
    return r


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(prefix, plugin dir holding hello.so): install the build, then build the example against the install."""
    if shutil.which("cmake") is None:
        pytest.fail("cmake is required for the drop-in test")
    tmp = tmp_path_factory.mktemp("dropin")
    prefix = tmp / "prefix"
    run(["cmake", "--install", build_dir(), "--prefix", prefix])
    hello_build = tmp / "hello-build"
    env = {k: v for k, v in os.environ.items() if k not in ("CMAKE_PREFIX_PATH",)}
    run(["cmake", "-S", EXAMPLE, "-B", hello_build, f"-DCMAKE_PREFIX_PATH={prefix}"], env=env)
    run(["cmake", "--build", hello_build, "-j1"], env=env)
    drop = tmp / "plugins"
    drop.mkdir()
    shutil.copy2(hello_build / "hello.so", drop / "hello.so")
    return prefix, drop


def test_installed_layout(installed):
    prefix, _ = installed
    assert os.access(prefix / "bin" / "monlight-host", os.X_OK)
    assert (prefix / "lib" / "monlight" / "libmonlight-sdk.so").exists()
    assert (prefix / "lib" / "monlight" / "monlight-tls.so").exists()  # loaded by the SDK on first TLS use
    for p in ("common", "error-tracker", "log-viewer", "metrics-collector", "browser-relay"):
        assert (prefix / "lib" / "monlight" / "plugins" / f"{p}.so").exists(), p
    # the error tracker's PostgreSQL store, loaded from the plugin's directory for host.storage = postgresql
    assert (prefix / "lib" / "monlight" / "plugins" / "error-tracker-postgresql.so").exists()
    assert (prefix / "include" / "Monlight" / "Plugin.h").exists()
    configs = list(prefix.glob("lib*/**/MonlightSDKConfig.cmake"))
    assert len(configs) == 1
    text = configs[0].read_text()
    m = re.search(r'set\(MonlightSDK_PLUGIN_DIR "([^"]+)"\)', text)
    assert m and m.group(1).endswith("lib/monlight/plugins")


def test_dropin_plugin_served_by_installed_host(installed, host_factory):
    prefix, drop = installed
    port = free_port()
    h = host_factory(plugins=["hello"], start=False, combined=True,
                     plugin_path=f"{drop}:{prefix / 'lib' / 'monlight' / 'plugins'}",
                     config={"hello.listen": f"127.0.0.1:{port}", "hello.api_key": KEY})
    h.binary = prefix / "bin" / "monlight-host"
    h.ports["hello"] = port
    h.keys["hello"] = KEY
    r = subprocess.run([str(h.binary), "--config", str(h.config_path), "--check-config"], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("config ok: plugins=common,hello ")
    h.start()
    r = h.request("hello", "GET", "/api/hello?name=Ada")
    assert r.status == 200 and r.body == b'{"hello":"Ada","greeting":"Hello"}'
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-request-id"]
    r = h.request("hello", "GET", "/api/hello", key=False)
    assert r.status == 401 and r.body == b'{"detail":"Invalid API key"}'
    # Its web/ folder was embedded by monlight_add_external_plugin and is served by the host.
    r = h.request("hello", "GET", "/", key=False)
    assert r.status == 200 and b"Example drop-in plugin" in r.body, r.body
    r = h.request("hello", "GET", "/health", key=False)
    assert r.status == 200 and r.body == b'{"status":"ok","service":"hello","version":"1.0.0"}'
    # Mounted under /hello/ on the combined listener.
    r = http("GET", h.url() + "/hello/api/hello", headers={"X-API-Key": KEY})
    assert r.status == 200 and r.json() == {"hello": "world", "greeting": "Hello"}
    r = http("GET", h.url() + "/health")
    assert r.json()["plugins"] == {"hello": "ok"}
    assert h.stop() == 0


def test_dropin_config_keys_and_env(installed, host_factory):
    prefix, drop = installed
    port = free_port()
    path = f"{drop}:{prefix / 'lib' / 'monlight' / 'plugins'}"
    h = host_factory(plugins=["hello"], start=False, plugin_path=path,
                     config={"hello.listen": f"127.0.0.1:{port}", "hello.api_key": KEY, "hello.greeting": "Hi"},
                     env={"HELLO_API_KEY": "env-hello-key-0123456789"})
    h.binary = prefix / "bin" / "monlight-host"
    h.ports["hello"] = port
    h.keys["hello"] = "env-hello-key-0123456789"
    h.start()
    assert h.request("hello", "GET", "/api/hello").json() == {"hello": "world", "greeting": "Hi"}
    assert h.request("hello", "GET", "/api/hello", headers={"X-API-Key": KEY}).status == 401
    assert h.stop() == 0
    # Unknown keys under the plugin's section are rejected; --help lists its keys.
    bad = h.config_path.read_text() + "hello.greting = typo\n"
    h.config_path.write_text(bad)
    r = subprocess.run([str(h.binary), "--config", str(h.config_path), "--check-config"], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 78 and "monlight-host: config error: hello.greting: unknown key" in r.stderr
    r = subprocess.run([str(h.binary), "--config", str(h.config_path), "--help"], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0 and "hello.greeting" in r.stdout and "hello.api_key" in r.stdout
