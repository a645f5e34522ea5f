"""metrics-collector config keys, env names and cross-key rules (SPEC §1.8, §1.3)."""
from monlight_test import run_host


def check(host_factory, config, env=None):
    h = host_factory(plugins=["metrics-collector"], config=config, start=False)
    return run_host(["--config", str(h.config_path), "--check-config"], env=env)


def test_defaults_pass(host_factory):
    r = check(host_factory, {})
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("config ok: plugins=common,metrics-collector")


def test_cross_key_rules_are_reported(host_factory):
    r = check(host_factory, {"metrics-collector.retention_raw_hours": "24",
                             "metrics-collector.retention_minute_hours": "24",
                             "metrics-collector.aggregation_interval": "3600"})
    assert r.returncode == 78
    assert "config error: metrics-collector.retention_minute_hours:" in r.stderr
    r = check(host_factory, {"metrics-collector.retention_raw_hours": "1",
                             "metrics-collector.aggregation_interval": "3600"})
    assert r.returncode == 78
    assert "config error: metrics-collector.aggregation_interval:" in r.stderr


def test_ranges_and_unknown_keys(host_factory):
    r = check(host_factory, {"metrics-collector.retention_raw_hours": "abc",
                             "metrics-collector.max_labels": "0",
                             "metrics-collector.retention_hourly": "3"})
    assert r.returncode == 78
    assert ('metrics-collector.retention_raw_hours: invalid value "abc": expected an integer from 1 to 168'
            in r.stderr)
    assert "metrics-collector.max_labels:" in r.stderr
    assert "metrics-collector.retention_hourly: unknown key" in r.stderr


def test_seed_env_names_are_read(host_factory):
    r = check(host_factory, {}, env={"RETENTION_RAW": "500"})
    assert r.returncode == 78
    assert 'metrics-collector.retention_raw_hours: invalid value "500"' in r.stderr
    r = check(host_factory, {}, env={"METRICS_COLLECTOR_AGGREGATION_INTERVAL": "0"})
    assert r.returncode == 78
    assert "metrics-collector.aggregation_interval:" in r.stderr


def test_api_key_is_required(host_factory):
    h = host_factory(plugins=["metrics-collector"], start=False)
    text = h.config_path.read_text().splitlines()
    h.config_path.write_text("\n".join(l for l in text if not l.startswith("metrics-collector.api_key")) + "\n")
    r = run_host(["--config", str(h.config_path), "--check-config"])
    assert r.returncode == 78
    assert "metrics-collector.api_key: required key is not set" in r.stderr
