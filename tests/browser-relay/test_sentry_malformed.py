"""SPEC §11.3: malformed Sentry requests get a clear 4xx, store nothing, and leave the host healthy."""
import gzip
import json
import zlib

import pytest

from sentry_helpers import (FIXTURE_NUMBER, auth, envelope, errors, logs, post, post_until_answered, relay_metric,
                            start)

PATH = f"/api/{FIXTURE_NUMBER}/envelope/"
EVENT = json.dumps({"event_id": "0" * 32, "platform": "python",
                    "exception": {"values": [{"type": "ValueError", "value": "v"}]}}).encode()


@pytest.fixture
def host(host_factory, tmp_path):
    return start(host_factory, tmp_path)


def rss_peak_kb(h):
    for line in open(f"/proc/{h.proc.pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def assert_nothing_stored_and_healthy(h):
    assert errors(h) == []
    assert [x for x in logs(h) if x["container"] == "app"] == []
    assert h.request("browser-relay", "GET", "/health", key=False).status == 200
    # and the next good request still works
    status, _, _ = post(h.url("browser-relay"), PATH, envelope({}, [({"type": "event"}, EVENT)]), auth())
    assert status == 200


@pytest.mark.parametrize("body,reason", [
    (b"", "missing envelope header"),
    (b"{not json\n", "envelope header is not valid JSON"),
    (b"[1,2]\n", "envelope header is not a JSON object"),
    (b'{}\n{"type":"event","length":500}\n' + EVENT, "item length exceeds the envelope"),    # truncated
    (b'{}\n{"type":"event","length":5}\n' + EVENT, "item payload is not followed by a newline"),  # lying length
    (b'{}\n{"type":"event","length":-1}\n' + EVENT, "item length is not a non-negative integer"),
    (b'{}\n{"type":"event","length":"12"}\n' + EVENT, "item length is not a number"),
    (b'{}\n{"type":"event"\n' + EVENT, "item header is not valid JSON"),
    # a good item first: the envelope is checked whole before anything is routed
    (b'{}\n{"type":"event"}\n' + EVENT + b'\n{"type":"log","length":9999}\n{}', "item length exceeds the envelope"),
])
def test_framing_errors_are_400(host, body, reason):
    status, _, answer = post(host.url("browser-relay"), PATH, body, auth())
    assert status == 400, answer
    assert json.loads(answer) == {"detail": f"Invalid envelope: {reason}"}
    assert_nothing_stored_and_healthy(host)


@pytest.mark.parametrize("encoding,wire", [
    ("gzip", gzip.compress(b'{}\n{"type":"event"}\n' + EVENT)[:-12]),
    ("br", b"\x1b\xff\xff\xff garbage"),
    ("deflate", b"\x78\x9c\x01\x02garbage"),
])
def test_corrupt_compressed_bodies_are_400(host, encoding, wire):
    status, _, answer = post(host.url("browser-relay"), PATH, wire, dict(auth(), **{"Content-Encoding": encoding}))
    assert status == 400, answer
    assert json.loads(answer)["detail"] == f"Invalid {encoding} body"
    assert_nothing_stored_and_healthy(host)


def zeros_gzip(total):
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    head = b'{}\n{"type":"event"}\n'
    out = [c.compress(head)]
    block = b"\0" * (1 << 20)
    for _ in range(total >> 20):
        out.append(c.compress(block))
    out.append(c.flush())
    return b"".join(out)


def zeros_br(total):
    import brotli
    c = brotli.Compressor(quality=1)
    out = [c.process(b'{}\n{"type":"event"}\n')]
    block = b"\0" * (1 << 20)
    for _ in range(total >> 20):
        out.append(c.process(block))
    out.append(c.finish())
    return b"".join(out)


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_decompression_bombs_are_413_without_allocating_past_the_cap(host, encoding):
    wire = zeros_gzip(1 << 30) if encoding == "gzip" else zeros_br(1 << 30)  # 1 GiB of zeros
    assert len(wire) < 2 * 1024 * 1024
    before = rss_peak_kb(host)
    status, _, answer = post(host.url("browser-relay"), PATH, wire, dict(auth(), **{"Content-Encoding": encoding}))
    assert status == 413 and json.loads(answer) == {"detail": "Request body too large"}
    grown_mb = (rss_peak_kb(host) - before) / 1024
    assert grown_mb < 150, grown_mb  # 20 MiB cap (+ the wire body, + copies), never 1 GiB
    assert_nothing_stored_and_healthy(host)


def test_ten_mib_of_items_is_413(host):
    item = json.dumps({"version": 2, "items": [{"timestamp": 1, "level": "info", "body": "x" * 1000}]}).encode()
    items = [({"type": "log"}, item)] * (10 * 1024 * 1024 // len(item))
    body = envelope({}, items)
    assert len(body) > 10 * 1024 * 1024
    status, answer = post_until_answered(host.url("browser-relay"), PATH, body, auth())
    assert status == 413, answer  # refused on Content-Length, before the body is read
    # the same chunked (no Content-Length): the cap holds while reading
    status, answer = post_until_answered(host.url("browser-relay"), PATH, body, auth(), chunked=True)
    assert status == 413, answer
    assert_nothing_stored_and_healthy(host)


def test_decompressed_cap_is_configurable(host_factory, tmp_path):
    h = start(host_factory, tmp_path, sentry_max_decompressed=4096)
    body = envelope({}, [({"type": "event"}, EVENT), ({"type": "attachment"}, b"a" * 8000)])
    status, _, answer = post(h.url("browser-relay"), PATH, gzip.compress(body),
                             dict(auth(), **{"Content-Encoding": "gzip"}))
    assert status == 413, answer
    assert errors(h) == []


def test_an_item_over_one_mib_is_skipped_the_rest_processed(host):
    big = json.dumps({"version": 2, "items": [{"timestamp": 1, "level": "info", "body": "y" * (1100 * 1024)}]})
    body = envelope({}, [({"type": "log"}, big.encode()), ({"type": "event"}, EVENT)])
    status, _, answer = post(host.url("browser-relay"), PATH, gzip.compress(body),
                             dict(auth(), **{"Content-Encoding": "gzip"}))
    assert status == 200, answer
    assert len(errors(host)) == 1
    assert relay_metric(host, "monlight_sentry_items_total", type="log", outcome="too_large") == 1


def test_store_with_bad_json_is_400(host):
    status, _, answer = post(host.url("browser-relay"), f"/api/{FIXTURE_NUMBER}/store/", b"{nope", auth())
    assert status == 400 and json.loads(answer) == {"detail": "Invalid JSON"}
    assert_nothing_stored_and_healthy(host)
