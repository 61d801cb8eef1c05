"""The generated nginx config: rendered, checked by `nginx -t`, run before real upstreams."""

from __future__ import annotations

import json
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from helpers import free_port, get, wait_http

from shopkit_platform import gateway
from shopkit_platform.registry import Service

USER = Service("user-service", 3001, "user", ("/api/auth", "/api/users"), "team-1")
CART = Service("cart-service", 3003, None, ("/api/carts",), "team-4")


@pytest.mark.unit
def test_one_upstream_per_service_with_keepalive_and_two_locations_per_route(
    tmp_path: Path,
) -> None:
    conf = gateway.render([USER, CART], listen="127.0.0.1:9999", prefix=tmp_path)
    assert conf.count("upstream user_service {") == 1
    assert "server 127.0.0.1:3003 max_fails=0;" in conf
    assert conf.count("keepalive 32;") == 2
    assert "location = /api/users {" in conf
    assert "location ^~ /api/users/ {" in conf
    assert "proxy_http_version 1.1;" in conf
    assert 'proxy_set_header Connection "";' in conf
    assert "escape=json" in conf
    assert "listen 127.0.0.1:9999;" in conf
    assert "{{" not in conf


@pytest.mark.unit
def test_without_services_every_path_but_healthz_is_a_json_404(tmp_path: Path) -> None:
    conf = gateway.render([], prefix=tmp_path)
    assert "upstream" not in conf.split("server {")[1].split("location")[0]
    assert "return 404" in conf
    assert "location = /healthz" in conf


@pytest.mark.unit
@pytest.mark.parametrize("services", [[], [USER], [USER, CART]], ids=["none", "one", "two"])
def test_nginx_accepts_the_generated_config(
    tmp_path: Path, nginx_available: str, services: list[Service]
) -> None:
    conf = gateway.write(services, listen=f"127.0.0.1:{free_port()}", prefix=tmp_path)
    result = gateway.test_config(conf)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


@pytest.fixture
def running_gateway(
    tmp_path: Path, nginx_available: str, echo_upstream: int
) -> Iterator[tuple[str, Path]]:
    """nginx on a free port: /api/echo -> the echo server, /api/dead -> a closed port."""
    echo = Service("echo-service", echo_upstream, None, ("/api/echo",), "team-1")
    dead = Service("dead-service", free_port(), None, ("/api/dead",), "team-1")
    port = free_port()
    conf = gateway.write([echo, dead], listen=f"127.0.0.1:{port}", prefix=tmp_path)
    proc = subprocess.Popen(
        gateway.command(conf), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/healthz")
        yield base, tmp_path
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.integration
def test_healthz_is_answered_by_nginx_itself(running_gateway: tuple[str, Path]) -> None:
    base, _ = running_gateway
    response = get(f"{base}/healthz")
    assert response.status == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json()["status"] == "ok"
    assert response.json()["request_id"] == response.headers["x-request-id"]


@pytest.mark.integration
def test_a_route_prefix_reaches_its_upstream_over_keepalive_http11(
    running_gateway: tuple[str, Path],
) -> None:
    base, _ = running_gateway
    for path in ("/api/echo", "/api/echo/items/1?x=2"):
        response = get(f"{base}{path}")
        assert response.status == 200
        seen = response.json()
        assert seen["path"] == path
        assert seen["protocol"] == "HTTP/1.1"
        assert seen["connection"] is None
        assert seen["forwarded_for"] == "127.0.0.1"


@pytest.mark.integration
def test_a_request_id_is_generated_when_absent_and_passed_upstream_and_back(
    running_gateway: tuple[str, Path],
) -> None:
    base, _ = running_gateway
    first, second = get(f"{base}/api/echo/a"), get(f"{base}/api/echo/a")
    generated = first.headers["x-request-id"]
    assert len(generated) == 32
    assert first.json()["request_id"] == generated
    assert second.headers["x-request-id"] != generated


@pytest.mark.integration
def test_a_client_request_id_is_kept_and_a_malformed_one_replaced(
    running_gateway: tuple[str, Path],
) -> None:
    base, _ = running_gateway
    kept = get(f"{base}/api/echo/a", headers={"X-Request-ID": "checkout-42.a:b"})
    assert kept.headers["x-request-id"] == "checkout-42.a:b"
    assert kept.json()["request_id"] == "checkout-42.a:b"
    replaced = get(f"{base}/api/echo/a", headers={"X-Request-ID": 'x"}, "evil": "1'})
    assert replaced.json()["request_id"] == replaced.headers["x-request-id"]
    assert '"' not in replaced.headers["x-request-id"]


@pytest.mark.integration
@pytest.mark.parametrize("path", ["/", "/api/nothing", "/api/echoes", "/api"])
def test_unknown_routes_are_a_json_problem_404(
    running_gateway: tuple[str, Path], path: str
) -> None:
    base, _ = running_gateway
    response = get(f"{base}{path}")
    assert response.status == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404
    assert body["title"] == "Not Found"
    assert body["request_id"] == response.headers["x-request-id"]


@pytest.mark.integration
def test_an_upstream_that_is_down_is_a_json_problem_502(
    running_gateway: tuple[str, Path],
) -> None:
    base, _ = running_gateway
    response = get(f"{base}/api/dead/x", headers={"X-Request-ID": "req-502"})
    assert response.status == 502
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Bad Gateway",
        "status": 502,
        "detail": "The service behind this route is not answering.",
        "request_id": "req-502",
    }
    assert response.headers["x-request-id"] == "req-502"


@pytest.mark.integration
def test_the_access_log_is_one_json_object_per_request(
    running_gateway: tuple[str, Path],
) -> None:
    base, prefix = running_gateway
    get(f"{base}/api/echo/logged", headers={"X-Request-ID": "log-me"})
    get(f"{base}/api/dead/x", headers={"X-Request-ID": "log-502"})
    # nginx writes the log line just after the response is sent: give it a moment.
    deadline = time.monotonic() + 5
    by_id: dict[str, dict[str, object]] = {}
    while "log-502" not in by_id and time.monotonic() < deadline:
        time.sleep(0.05)
        log = (prefix / "logs" / "access.log").read_text()
        by_id = {e["request_id"]: e for e in map(json.loads, log.splitlines())}
    assert by_id["log-me"]["status"] == 200
    assert by_id["log-me"]["uri"] == "/api/echo/logged"
    assert by_id["log-me"]["upstream_response_time"] != ""
    assert by_id["log-502"]["status"] == 502


class _StreamHandler(BaseHTTPRequestHandler):
    """One SSE event, then holds the response open until the test has seen that event."""

    protocol_version = "HTTP/1.0"
    release = threading.Event()

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        self.wfile.write(b'data: {"sku": "A", "available": 3}\n\n')
        self.wfile.flush()
        self.release.wait(timeout=10)
        self.wfile.write(b'data: {"sku": "A", "available": 2}\n\n')

    def log_message(self, *_: object) -> None:
        return


@pytest.mark.integration
def test_a_stream_route_passes_events_through_unbuffered(
    tmp_path: Path, nginx_available: str
) -> None:
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), _StreamHandler)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    stock = Service(
        "stock-service", upstream.server_address[1], None, ("/api/stock",), "team-2",
        streams=("/api/stock/stream",),
    )  # fmt: skip
    port = free_port()
    conf = gateway.write([stock], listen=f"127.0.0.1:{port}", prefix=tmp_path)
    proc = subprocess.Popen(gateway.command(conf), stdout=subprocess.DEVNULL)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/api/stock/stream", timeout=5
        ) as response:
            # Buffered, the first event would wait for the upstream to finish: it never would.
            first = response.readline()
            _StreamHandler.release.set()
            assert first == b'data: {"sku": "A", "available": 3}\n'
            assert response.headers["X-Accel-Buffering"] == "no"
    finally:
        _StreamHandler.release.set()
        proc.terminate()
        proc.wait(timeout=10)
        upstream.shutdown()
