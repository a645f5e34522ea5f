"""Command line (SPEC §0.2), configuration validation (§1.3), environment precedence (§1.2), plugin loading (§9.8)."""
import re
import shutil

from monlight_test import SERVICE_PLUGINS, build_dir, free_port, plugin_dir, run_host

P = "fixture-good"


def config_errors(stderr):
    return [l for l in stderr.splitlines() if l.startswith("monlight-host: config error: ")]


def check(h, env=None):
    return run_host(["--config", str(h.config_path), "--check-config"], env=env)


def serve_exit(h):
    """Starts the host in server mode and returns (exit code, log) of a start that must fail."""
    h.start(wait=False)
    h.proc.wait(20)
    code = h.proc.returncode
    h._close_log()
    h.proc = None
    return code, h.log()


def test_version():
    r = run_host(["--version"])
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert len(lines) == 2
    assert re.fullmatch(r"monlight-host \d+\.\d+\.\d+", lines[0])
    assert re.fullmatch(r"abi \d+; poco 1\.11\.\d+; sqlite 3\.\d+\.\d+", lines[1]), lines[1]


def test_help_lists_keys_of_every_plugin(fixture_host):
    h = fixture_host(start=False, plugins=SERVICE_PLUGINS)
    r = run_host(["--config", str(h.config_path), "--help"])
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "--check-config" in out and "--healthcheck" in out and "--version" in out
    for key in ("host.plugins", "host.data_dir", "host.listen", "host.auth_failure_limit", "host.self_metrics",
                "error-tracker.api_key", "error-tracker.alert_max_per_hour", "error-tracker.listen",
                "log-viewer.containers", "log-viewer.sse_max_connections",
                "metrics-collector.retention_raw_hours", "metrics-collector.max_body_size",
                "browser-relay.admin_api_key", "browser-relay.cors_origins",
                "fixture-good.api_key", "fixture-good.answer", "fixture-good.rate_limit"):
        assert re.search(r"^\s*" + re.escape(key) + r"\b", out, re.M), key
    # Type and default of a key are shown.
    line = next(l for l in out.splitlines() if l.strip().startswith("fixture-good.answer"))
    assert "42" in line


def test_unknown_flag_is_usage_error():
    r = run_host(["--frobnicate"])
    assert r.returncode == 64
    assert "usage: monlight-host" in r.stderr
    assert r.stdout == ""


def test_explicit_config_unreadable_78(tmp_path):
    missing = tmp_path / "nope.properties"
    r = run_host(["--config", str(missing), "--check-config"])
    assert r.returncode == 78
    assert r.stderr.splitlines()[0].startswith(f"monlight-host: config error: --config: cannot read {missing}: ")


def test_check_config_ok_line_and_creates_nothing(fixture_host):
    port = free_port()
    h = fixture_host(start=False, config={"fixture-good.listen": f"127.0.0.1:{port}"})
    r = check(h)
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"config ok: plugins=common,fixture-good listeners=fixture-good@127.0.0.1:{port}\n"
    assert not h.data_dir.exists()


def test_check_config_default_plugins(host_factory):
    h = host_factory(plugins=SERVICE_PLUGINS, start=False)
    r = check(h)
    assert r.returncode == 0, r.stderr
    listeners = ",".join(f"{p}@127.0.0.1:{h.ports[p]}" for p in SERVICE_PLUGINS)
    assert r.stdout == ("config ok: plugins=common,error-tracker,log-viewer,metrics-collector,browser-relay "
                        f"listeners={listeners}\n")


def one_error(h, key, reason_re):
    for r in (check(h),):
        assert r.returncode == 78, r.stderr
        assert r.stdout == ""
        errs = config_errors(r.stderr)
        assert len(errs) == 1, r.stderr
        m = re.fullmatch(r"monlight-host: config error: " + re.escape(key) + ": (.*)", errs[0])
        assert m and re.fullmatch(reason_re, m.group(1)), errs[0]
    code, log = serve_exit(h)
    assert code == 78
    assert config_errors(log) == errs
    assert "listening on" not in log


def test_unknown_key_78(fixture_host):
    h = fixture_host(start=False, config={"fixture-good.answr": "5"})
    one_error(h, "fixture-good.answr", r"unknown key")


def test_unknown_host_key_78(fixture_host):
    h = fixture_host(start=False, config={"host.data_dri": "/tmp/x"})
    one_error(h, "host.data_dri", r"unknown key")


def test_invalid_int_78(fixture_host):
    h = fixture_host(start=False, config={"fixture-good.answer": "abc"})
    one_error(h, "fixture-good.answer", r'invalid value "abc": expected an integer from 1 to 100')


def test_out_of_range_int_78(fixture_host):
    h = fixture_host(start=False, config={"fixture-good.answer": "101"})
    one_error(h, "fixture-good.answer", r'invalid value "101": expected an integer from 1 to 100')


def test_placeholder_secret_78(fixture_host):
    h = fixture_host(start=False, config={"fixture-good.api_key": "change-me-to-a-real-key"})
    one_error(h, "fixture-good.api_key", re.escape('placeholder value "change-me-..." must be replaced'))


def test_missing_required_key_78(fixture_host):
    h = fixture_host(start=False, config={"fixture-good.api_key": ""})
    one_error(h, "fixture-good.api_key", r"required key is not set \(.*MONLIGHT_FIXTURE_GOOD_API_KEY.*\)")


def test_missing_required_key_message_of_a_builtin_plugin(host_factory):
    h = host_factory(plugins=["error-tracker"], config={"error-tracker.api_key": ""}, start=False)
    r = check(h)
    assert r.returncode == 78
    assert config_errors(r.stderr) == [
        f"monlight-host: config error: error-tracker.api_key: required key is not set (set error-tracker.api_key in "
        f"{h.config_path}, or env MONLIGHT_ERROR_TRACKER_API_KEY or ERROR_TRACKER_API_KEY)"]


def test_duplicate_listener_78(fixture_host):
    port = free_port()
    h = fixture_host(start=False, config={"fixture-good.listen": f"127.0.0.1:{port}",
                                          "host.listen": f"127.0.0.1:{port}"})
    r = check(h)
    assert r.returncode == 78
    errs = config_errors(r.stderr)
    assert len(errs) == 1 and "duplicate listener" in errs[0], r.stderr
    assert errs[0].startswith("monlight-host: config error: fixture-good.listen: ") or \
        errs[0].startswith("monlight-host: config error: host.listen: ")
    code, _ = serve_exit(h)
    assert code == 78


def test_invalid_listen_and_level_78(fixture_host):
    h = fixture_host(start=False, combined=True,
                     config={"fixture-good.listen": "127.0.0.1:notaport", "host.log_level": "loud"})
    r = check(h)
    assert r.returncode == 78
    keys = sorted(e.split(": ")[2] for e in config_errors(r.stderr))
    assert keys == ["fixture-good.listen", "host.log_level"], r.stderr


def test_all_problems_reported(fixture_host):
    h = fixture_host(start=False, config={"fixture-good.answer": "0", "fixture-good.bogus": "1",
                                          "fixture-good.api_key": "change-me-now", "host.self_metrics": "maybe"})
    r = check(h)
    assert r.returncode == 78
    keys = sorted(e.split(": ")[2] for e in config_errors(r.stderr))
    assert keys == ["fixture-good.answer", "fixture-good.api_key", "fixture-good.bogus", "host.self_metrics"], \
        r.stderr


def test_unknown_plugin_78(fixture_host):
    h = fixture_host(start=False, plugins=["no-such-plugin"])
    r = check(h)
    assert r.returncode == 78
    errs = config_errors(r.stderr)
    assert len(errs) == 1 and errs[0].startswith("monlight-host: config error: host.plugins: ") and \
        "no-such-plugin" in errs[0], r.stderr


def test_keys_of_unloaded_plugin_warn_only(fixture_host):
    h = fixture_host(start=False, config={"log-viewer.containers": "web"})
    r = check(h)
    assert r.returncode == 0, r.stderr
    assert "log-viewer" in r.stderr and "warning" in r.stderr


def test_bad_signature_70(fixture_host):
    h = fixture_host(start=False, plugins=["fixture-bad-signature"])
    r = check(h)
    assert r.returncode == 70, r.stderr
    lines = [l for l in r.stderr.splitlines() if l.startswith("monlight-host: plugin error: ")]
    assert len(lines) == 1, r.stderr
    m = re.fullmatch(r"monlight-host: plugin error: fixture-bad-signature: not binary compatible: "
                     r"expected (abi=\d+;\S*), got (abi=999;\S*)", lines[0])
    assert m, lines[0]
    assert m.group(1) != m.group(2)
    code, log = serve_exit(h)
    assert code == 70 and "not binary compatible" in log and "listening on" not in log


def test_config_error_wins_over_plugin_error(fixture_host):
    h = fixture_host(start=False, plugins=["fixture-bad-signature"], config={"fixture-good.answer": "x"})
    r = check(h)
    assert r.returncode == 78
    assert "not binary compatible" in r.stderr and "fixture-good.answer" in r.stderr


def test_dependency_cycle_70(fixture_host):
    h = fixture_host(start=False, plugins=["fixture-cycle-a", "fixture-cycle-b"],
                     config={"fixture-cycle-a.api_key": "cycle-a-key-0000000", "fixture-cycle-b.api_key":
                             "cycle-b-key-0000000"})
    r = check(h)
    assert r.returncode == 70, r.stderr
    lines = [l for l in r.stderr.splitlines() if l.startswith("monlight-host: plugin error: ")]
    assert len(lines) == 1 and "cycle" in lines[0], r.stderr
    assert "fixture-cycle-a" in lines[0] and "fixture-cycle-b" in lines[0]
    code, _ = serve_exit(h)
    assert code == 70


def test_missing_dependency_names_both(fixture_host):
    h = fixture_host(start=False, plugins=["fixture-missing-dep"],
                     config={"fixture-missing-dep.api_key": "missing-dep-key-00000"})
    r = check(h)
    assert r.returncode == 78, r.stderr
    errs = config_errors(r.stderr)
    assert len(errs) == 1 and "fixture-missing-dep" in errs[0] and "fixture-nonexistent" in errs[0], r.stderr
    code, _ = serve_exit(h)
    assert code == 78


def test_init_throws_check_config_ok(fixture_host):
    # --check-config creates nothing, so initialize() is not run: the failure shows at start only (exit 70).
    h = fixture_host(start=False, plugins=["fixture-init-throws"],
                     config={"fixture-init-throws.api_key": "init-throws-key-000000"})
    assert check(h).returncode == 0
    code, log = serve_exit(h)
    assert code == 70 and "fixture-init-throws: initialize failed: fixture refuses to start" in log


def test_healthcheck(fixture_host):
    h = fixture_host(combined=True)
    r = run_host(["--config", str(h.config_path), "--healthcheck"])
    assert r.returncode == 0, r.stderr
    assert h.stop() == 0
    r = run_host(["--config", str(h.config_path), "--healthcheck"])
    assert r.returncode == 1
    assert r.stderr.startswith("unhealthy: ")


def test_healthcheck_first_plugin_listener(host_factory):
    h = host_factory(plugins=["error-tracker"])
    assert run_host(["--config", str(h.config_path), "--healthcheck"]).returncode == 0
    h.stop()
    assert run_host(["--config", str(h.config_path), "--healthcheck"]).returncode == 1


# --- environment precedence (§1.2), observed through which API key the error tracker accepts -------------

KEYS = {"file": "file-key-0123456789", "bare": "bare-key-0123456789", "prefixed": "prefixed-key-0123456789",
        "canonical": "canonical-key-0123456789"}


def accepted(h):
    return sorted(n for n, k in KEYS.items()
                  if h.request("error-tracker", "GET", "/api/errors", headers={"X-API-Key": k}).status == 200)


def test_env_precedence(host_factory):
    env_all = {"API_KEY": KEYS["bare"], "ERROR_TRACKER_API_KEY": KEYS["prefixed"],
               "MONLIGHT_ERROR_TRACKER_API_KEY": KEYS["canonical"]}
    cases = [
        (env_all, ["canonical"]),
        ({**env_all, "MONLIGHT_ERROR_TRACKER_API_KEY": ""}, ["prefixed"]),  # empty counts as unset
        ({"API_KEY": KEYS["bare"], "ERROR_TRACKER_API_KEY": KEYS["prefixed"]}, ["prefixed"]),
        ({"API_KEY": KEYS["bare"]}, ["bare"]),
        ({}, ["file"]),
    ]
    for env, expect in cases:
        h = host_factory(plugins=["error-tracker"], config={"error-tracker.api_key": KEYS["file"]}, env=env)
        assert accepted(h) == expect, (env, h.log())
        assert h.stop() == 0


def test_canonical_env_for_host_and_int_keys(fixture_host):
    h = fixture_host(env={"MONLIGHT_FIXTURE_GOOD_ANSWER": "9", "MONLIGHT_HOST_AUTH_FAILURE_LIMIT": "1"},
                     config={"fixture-good.answer": "5"})
    assert h.request(P, "GET", "/api/hello").json()["answer"] == 9
    assert h.request(P, "GET", "/api/hello", key=False).status == 401
    assert h.request(P, "GET", "/api/hello").status == 429


def test_invalid_env_value_names_the_key(fixture_host):
    h = fixture_host(start=False)
    r = check(h, env={"MONLIGHT_FIXTURE_GOOD_ANSWER": "lots"})
    assert r.returncode == 78
    errs = config_errors(r.stderr)
    assert len(errs) == 1 and errs[0].startswith("monlight-host: config error: fixture-good.answer: "), r.stderr


def test_ambiguous_bare_api_key_ignored_with_warning(host_factory):
    h = host_factory(plugins=["error-tracker", "log-viewer"], env={"API_KEY": KEYS["bare"]})
    warn = "env API_KEY ignored: ambiguous between error-tracker, log-viewer; use ERROR_TRACKER_API_KEY, " \
           "LOG_VIEWER_API_KEY"
    assert warn in h.log()
    assert h.log().count("env API_KEY ignored") == 1
    for p in ("error-tracker", "log-viewer"):
        assert h.request(p, "GET", "/health", key=False).status == 200
    assert h.request("error-tracker", "GET", "/api/errors", headers={"X-API-Key": KEYS["bare"]}, key=False).status \
        == 401
    assert h.request("error-tracker", "GET", "/api/errors").status == 200


def test_ambiguous_bare_api_key_does_not_satisfy_required(host_factory):
    h = host_factory(plugins=["error-tracker", "log-viewer"], config={"error-tracker.api_key": "",
                                                                     "log-viewer.api_key": ""},
                     env={"API_KEY": KEYS["bare"]}, start=False)
    r = check(h, env={"API_KEY": KEYS["bare"]})
    assert r.returncode == 78
    assert sorted(e.split(": ")[2] for e in config_errors(r.stderr)) == ["error-tracker.api_key",
                                                                         "log-viewer.api_key"]
    assert "env API_KEY ignored: ambiguous" in r.stderr


def test_unique_bare_name_works_with_several_plugins(host_factory, tmp_path):
    logs = tmp_path / "c"
    logs.mkdir()
    h = host_factory(plugins=["error-tracker", "log-viewer"], start=False,
                     config={"log-viewer.log_sources": str(logs)})
    r = check(h, env={"MAX_ENTRIES": "not-a-number"})
    assert r.returncode == 78
    assert [e.split(": ")[2] for e in config_errors(r.stderr)] == ["log-viewer.max_entries"], r.stderr


def _plugin_dir_with(tmp_path, files):
    d = tmp_path / "odd-plugins"
    d.mkdir()
    for name, source in files.items():
        if isinstance(source, bytes):
            (d / name).write_bytes(source)
        else:
            shutil.copy(build_dir() / source, d / name)
    return d


def _check_file(tmp_path, plugins, plugin_path, extra=""):
    cfg = tmp_path / "odd.properties"
    cfg.write_text(f"host.plugins = {plugins}\nhost.plugin_path = {plugin_path}:{plugin_dir()}\n"
                   f"host.data_dir = {tmp_path / 'data'}\nhost.listen = 127.0.0.1:{free_port()}\n" + extra)
    return run_host(["--config", str(cfg), "--check-config"])


def test_unusable_plugin_libraries_70(tmp_path):
    d = _plugin_dir_with(tmp_path, {
        "fixture-other.so": "testsuite-plugins/fixture-good.so",   # declares another name
        "notaplugin.so": "lib/monlight/libmonlight-sdk.so",        # a library without the manifest
        "garbage.so": b"this is not an ELF file",
    })
    for name, reason in (("fixture-other", "fixture-good"), ("notaplugin", "manifest"), ("garbage", "cannot load")):
        r = _check_file(tmp_path, name, d)
        assert r.returncode == 70, (name, r.stderr)
        lines = [l for l in r.stderr.splitlines() if l.startswith(f"monlight-host: plugin error: {name}: ")]
        assert len(lines) == 1 and reason in lines[0], (name, r.stderr)


def test_invalid_plugin_names_78(tmp_path):
    for names, fragment in (("Bad_Name", "Bad_Name"), ("host", '"host"'), ("x", '"x"')):
        r = _check_file(tmp_path, names, tmp_path)
        assert r.returncode == 78, r.stderr
        errs = config_errors(r.stderr)
        assert len(errs) == 1 and errs[0].startswith("monlight-host: config error: host.plugins: ") and \
            fragment in errs[0], r.stderr


def test_duplicate_listener_after_normalisation_78(fixture_host):
    port = free_port()
    for a, b in ((f":{port}", f"0.0.0.0:{port}"), (f"{port}", f"0.0.0.0:{port}")):
        h = fixture_host(start=False, config={"host.listen": a, "fixture-good.listen": b})
        r = check(h)
        assert r.returncode == 78, r.stderr
        errs = config_errors(r.stderr)
        assert len(errs) == 1 and "duplicate listener" in errs[0]


def test_no_listener_at_all_78(fixture_host):
    h = fixture_host(start=False, listen=False)
    r = check(h)
    assert r.returncode == 78
    errs = config_errors(r.stderr)
    assert len(errs) == 1 and errs[0].startswith("monlight-host: config error: host.listen: "), r.stderr


def test_key_syntax_rules(fixture_host):
    h = fixture_host(start=False, config={"fixture-good.api_key": "has a space in it"})
    r = check(h)
    assert r.returncode == 78
    errs = config_errors(r.stderr)
    assert len(errs) == 1 and errs[0].startswith("monlight-host: config error: fixture-good.api_key: "), r.stderr
    assert "has a space" not in r.stderr  # secrets are never echoed
    h = fixture_host(start=False, config={"fixture-good.api_key": "shortkey"})
    r = check(h)
    assert r.returncode == 0, r.stderr
    assert "warning" in r.stderr and "fixture-good.api_key" in r.stderr and "shortkey" not in r.stderr
