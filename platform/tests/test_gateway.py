"""The generated nginx config: rendered, checked by `nginx -t`, run before real upstreams.

The integration tests start their own nginx on a free port under a temporary prefix, in front
of stand-in upstreams: small HTTP servers of this file that answer with what they received.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import http.client
import json
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from helpers import free_port, get, wait_http

from shopkit_platform import gateway, registry
from shopkit_platform.gateway import GatewayConfigError, Limit, Settings
from shopkit_platform.registry import Service

USER = Service("user-service", 3001, "user", ("/api/auth", "/api/users"), "team-1")
CART = Service("cart-service", 3003, None, ("/api/carts",), "team-4")
ALLOWED = "http://localhost:8080"
FOREIGN = "https://evil.example"


def _locations(conf: str) -> dict[str, str]:
    """`location <match>` -> its body, for the simple (non-nested) blocks the generator writes."""
    found = re.finditer(r"^ {8}location (.+?) \{\n(.*?)^ {8}\}$", conf, re.S | re.M)
    return {m.group(1): m.group(2) for m in found}


# --- rendering -------------------------------------------------------------------------------


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
def test_the_real_registry_routes_every_prefix_with_keepalive_to_every_upstream(
    tmp_path: Path,
) -> None:
    services = registry.load()
    conf = gateway.render(services, prefix=tmp_path, settings=Settings())
    locations = _locations(conf)
    for s in services:
        upstream = re.search(rf"upstream {s.upstream} \{{(.*?)\}}", conf, re.S)
        assert upstream, s.slug
        assert f"server 127.0.0.1:{s.port} " in upstream.group(1)
        assert "keepalive 32;" in upstream.group(1)
        assert "keepalive_timeout 20s;" in upstream.group(1)
        for route in s.routes:
            matches = ["/"] if route == "/" else [f"= {route}", f"^~ {route}/"]
            for match in matches:
                assert f"proxy_pass http://{s.upstream};" in locations[match], match
        for path in s.cached:
            assert "proxy_cache shopkit_micro;" in locations[f"^~ {path}/"], path
        for path in s.strict_limit:
            assert "zone=shopkit_auth" in locations[f"= {path}"], path
        for path in s.streams:
            assert "proxy_buffering off;" in locations[f"= {path}"], path
            assert "proxy_cache off;" in locations[f"= {path}"], path
    # The storefront has the catch-all, so unknown API paths need their own JSON 404.
    assert "return 404" in locations["^~ /api/"]
    assert "return 404" in locations["= /api"]
    assert "zone=shopkit_web" in locations["/"]
    assert "limit_req" not in locations["= /healthz"]


@pytest.mark.unit
def test_settings_come_from_gateway_variables() -> None:
    assert Settings.from_env({}) == Settings()
    settings = Settings.from_env(
        {
            "GATEWAY_RATE_API": "2r/m",
            "GATEWAY_BURST_API": "0",
            "GATEWAY_RATE_AUTH": "off",
            "GATEWAY_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.5 ::1",
            "GATEWAY_CORS_ORIGINS": "https://shop.example/,http://[::1]:8080",
            "GATEWAY_CACHE_VALID": "2s",
            "GATEWAY_CACHE_HONOUR_MAX_AGE": "yes",
            "GATEWAY_READ_TIMEOUT": "1500ms",
            "GATEWAY_MAX_BODY": "4m",
            "GATEWAY_RATE_CHECKOUT": "40r/s",
            "GATEWAY_BURST_CHECKOUT": "400",
        }
    )
    assert settings.api == Limit("2r/m", 0)
    assert settings.checkout == Limit("40r/s", 400)
    assert settings.checkout.queue_seconds == 10  # a full queue drains in 400 / 40 s
    assert settings.api.retry_after == 30
    assert settings.auth.rate is None
    assert settings.web == Settings().web
    assert settings.trusted_proxies == ("10.0.0.0/8", "192.168.1.5/32", "::1/128")
    assert settings.cors_origins == ("https://shop.example", "http://[::1]:8080")
    assert settings.cache_honour_max_age is True
    assert (settings.cache_valid, settings.read_timeout, settings.max_body) == (
        "2s",
        "1500ms",
        "4m",
    )
    assert Settings.from_env({"GATEWAY_CORS_ORIGINS": "none"}).cors_origins == ()
    assert Settings.from_env({"GATEWAY_TRUSTED_PROXIES": "none"}).trusted_proxies == ()
    assert Limit("30r/m", 20).retry_after == 2
    assert Limit("50r/s", 100).retry_after == 1


@pytest.mark.unit
def test_connections_are_sized_to_the_open_files_nginx_may_have() -> None:
    """10,000 shoppers keep 10,000 connections open, each proxied request one more."""
    roomy = gateway.render([], settings=Settings(), open_files_limit=1_048_576)
    assert "worker_rlimit_nofile 65536;" in roomy
    assert "worker_connections 16384;" in roomy
    tight = gateway.render([], settings=Settings(), open_files_limit=4096)
    assert "worker_rlimit_nofile 4096;" in tight
    assert "worker_connections 3840;" in tight  # never more than a worker may open


@pytest.mark.unit
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RATE_API", "50r/s; include /etc/passwd"),
        ("RATE_CHECKOUT", "fast"),
        ("BURST_AUTH", "-1"),
        ("TRUSTED_PROXIES", "127.0.0.1; allow all"),
        ("CORS_ORIGINS", "http://a.example $http_origin"),
        ("CACHE_VALID", "1 s"),
        ("CACHE_HONOUR_MAX_AGE", "maybe"),
        ("MAX_BODY", "1g"),
    ],
)
def test_a_bad_gateway_variable_is_refused_by_name(name: str, value: str) -> None:
    with pytest.raises(GatewayConfigError, match=f"GATEWAY_{name}"):
        Settings.from_env({f"GATEWAY_{name}": value})


@pytest.mark.unit
def test_the_cache_keeps_answers_short_unless_told_to_honour_max_age(tmp_path: Path) -> None:
    capped = gateway.render([USER], prefix=tmp_path, settings=Settings())
    assert "proxy_ignore_headers Cache-Control Expires;" in capped
    assert "proxy_no_cache $http_authorization $shopkit_not_storable;" in capped
    assert "proxy_cache_valid 200 203 204 301 404 410 1s;" in capped
    honoured = gateway.render([USER], prefix=tmp_path, settings=Settings(cache_honour_max_age=True))
    assert "proxy_ignore_headers" not in honoured
    assert "proxy_no_cache $http_authorization;" in honoured


SETTINGS_VARIANTS = {
    "defaults": Settings(),
    "no-limits-no-cors": Settings(
        api=Limit(None, 0),
        auth=Limit(None, 0),
        web=Limit(None, 0),
        cors_origins=(),
        trusted_proxies=(),
        cache_honour_max_age=True,
    ),
}


@pytest.mark.unit
@pytest.mark.parametrize("services", [[], [USER], [USER, CART]], ids=["none", "one", "two"])
def test_nginx_accepts_the_generated_config(
    tmp_path: Path, nginx_available: str, services: list[Service]
) -> None:
    conf = gateway.write(services, listen=f"127.0.0.1:{free_port()}", prefix=tmp_path)
    result = gateway.test_config(conf)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


@pytest.mark.unit
@pytest.mark.parametrize("variant", SETTINGS_VARIANTS)
def test_nginx_accepts_the_real_registry(
    tmp_path: Path, nginx_available: str, variant: str
) -> None:
    conf = gateway.write(
        registry.load(),
        listen=f"127.0.0.1:{free_port()}",
        prefix=tmp_path,
        settings=SETTINGS_VARIANTS[variant],
    )
    result = gateway.test_config(conf)
    assert result.returncode == 0, result.stderr


# --- stand-in upstreams and a client ---------------------------------------------------------


class StandIn(ThreadingHTTPServer):
    """A real HTTP upstream that answers every request with what it received, as JSON.

    Query parameters steer it: `cc=<Cache-Control>`, `sleep=<seconds>`, `pad=<bytes>`,
    `hdr=<Name>:<value>` (a header of its own, repeatable)."""

    daemon_threads = True

    def __init__(self, name: str) -> None:
        super().__init__(("127.0.0.1", 0), _StandInHandler)
        self.name = name
        self.hits: Counter[str] = Counter()
        self.peers: dict[str, list[int]] = {}  # path -> the client port of each request
        self.lock = threading.Lock()
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def handle_error(self, request: object, client_address: object) -> None:
        """nginx hangs up on a stand-in that is too slow (the 504 test): not worth a trace."""

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _StandInHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: StandIn

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        pairs = urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query)
        query = dict(pairs)
        with self.server.lock:
            self.server.hits[self.path] += 1
            self.server.peers.setdefault(self.path, []).append(self.client_address[1])
            hit = self.server.hits[self.path]
        time.sleep(float(query.get("sleep", 0)))
        body = json.dumps(
            {
                "service": self.server.name,
                "method": self.command,
                "path": self.path,
                "hit": hit,
                "request_id": self.headers.get("X-Request-ID"),
                "protocol": self.request_version,
                "connection": self.headers.get("Connection"),
                "forwarded_for": self.headers.get("X-Forwarded-For"),
                "real_ip": self.headers.get("X-Real-IP"),
                "forwarded_proto": self.headers.get("X-Forwarded-Proto"),
                "accept_encoding": self.headers.get("Accept-Encoding"),
                "pad": "x" * int(query.get("pad", 0)),
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        # Like every Shopkit service, echo the request id back.
        self.send_header("X-Request-ID", self.headers.get("X-Request-ID", ""))
        if "cc" in query:
            self.send_header("Cache-Control", query["cc"])
        for name, value in (v.split(":", 1) for k, v in pairs if k == "hdr"):
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_OPTIONS = do_HEAD = _answer

    def log_message(self, *_: object) -> None:
        return


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    body: bytes

    def json(self) -> dict[str, object]:
        data: dict[str, object] = json.loads(self.body)
        return data


def call(
    port: int,
    path: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    source: str | None = None,
    connection: http.client.HTTPConnection | None = None,
) -> Reply:
    """One request to the gateway on 127.0.0.1:<port>, optionally from another local address
    (`source`, e.g. 127.0.0.2: an untrusted peer) or on a kept-alive `connection`."""
    conn = connection or http.client.HTTPConnection(
        "127.0.0.1", port, timeout=5, source_address=(source, 0) if source else None
    )
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        names = {name.lower() for name in response.headers}
        joined = {n: ", ".join(response.headers.get_all(n) or []) for n in names}
        return Reply(response.status, joined, response.read())
    finally:
        if connection is None:
            conn.close()


@dataclass
class Gateway:
    port: int
    prefix: Path
    upstreams: dict[str, StandIn]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def call(self, path: str, **kwargs: object) -> Reply:
        return call(self.port, path, **kwargs)  # type: ignore[arg-type]


class Gateways:
    """Starts nginx instances in front of stand-ins, each under its own prefix in a folder
    nginx's workers can reach (run as root, they are `nobody`, who cannot enter pytest's
    private tmp_path, and the micro-cache's files live under the prefix)."""

    def __init__(self) -> None:
        if gateway.nginx_binary() is None:
            pytest.fail(
                "nginx is not installed: run `make bootstrap` (apt-get install nginx-light)"
            )
        self.root = Path(tempfile.mkdtemp(prefix="shopkit-gateway-test-"))
        self.root.chmod(0o755)
        self.running: list[tuple[subprocess.Popen[bytes], list[StandIn]]] = []

    def start(
        self,
        services: Callable[[dict[str, StandIn]], list[Service]],
        names: tuple[str, ...],
        settings: Settings | None,
    ) -> Gateway:
        """nginx for `services(stand-ins by name)`; `settings` None: from GATEWAY_* variables."""
        upstreams = {name: StandIn(name) for name in names}
        port = free_port()
        prefix = self.root / f"nginx{len(self.running)}"
        conf = gateway.write(
            services(upstreams), listen=f"127.0.0.1:{port}", prefix=prefix, settings=settings
        )
        proc = subprocess.Popen(gateway.command(conf), stdout=subprocess.DEVNULL)
        self.running.append((proc, list(upstreams.values())))
        wait_http(f"http://127.0.0.1:{port}/healthz")
        return Gateway(port, prefix, upstreams)

    def shop(self, settings: Settings | None = None) -> Gateway:
        """Two web apps (the storefront has `/`), users, a micro-cached catalog, a dead one."""

        def services(up: dict[str, StandIn]) -> list[Service]:
            return [
                Service("storefront", up["storefront"].port, routes=("/",), kind="app"),
                Service("admin", up["admin"].port, routes=("/admin",), kind="app"),
                Service(
                    "user-service", up["users"].port, routes=("/api/auth", "/api/users"),
                    strict_limit=("/api/auth/login",), internal=("/api/auth/token",),
                ),
                Service(
                    "product-service", up["catalog"].port,
                    routes=("/api/products", "/api/slow"), cached=("/api/products",),
                ),
                Service("dead-service", free_port(), routes=("/api/dead",)),
                Service("closed-app", free_port(), routes=("/closed",), kind="app"),
            ]  # fmt: skip

        return self.start(services, ("storefront", "admin", "users", "catalog"), settings)

    def close(self) -> None:
        for proc, _ in self.running:
            proc.terminate()
        for proc, servers in self.running:
            proc.wait(timeout=10)
            for server in servers:
                server.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def gateways() -> Iterator[Gateways]:
    started = Gateways()
    yield started
    started.close()


QUICK = Settings(read_timeout="500ms", max_body="1k")


@pytest.fixture(scope="module")
def shop(gateways: Gateways) -> Gateway:
    """One nginx for most tests (each uses paths of its own): web apps and services."""
    return gateways.shop(QUICK)


@pytest.fixture(scope="module")
def running_gateway(gateways: Gateways) -> tuple[str, Path]:
    """nginx without web apps: /api/echo -> a stand-in, /api/dead -> a closed port."""
    bare = gateways.start(
        lambda up: [
            Service("echo-service", up["echo"].port, None, ("/api/echo",), "team-1"),
            Service("dead-service", free_port(), None, ("/api/dead",), "team-1"),
        ],
        ("echo",),
        Settings(),
    )
    return bare.base, bare.prefix


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


# --- routing with web apps --------------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/", "storefront"),
        ("/products/headphones?page=2", "storefront"),
        ("/static/app.css", "storefront"),
        ("/administrator", "storefront"),
        ("/admin", "admin"),
        ("/admin/products/7?tab=stock", "admin"),
        ("/api/auth/login", "users"),
        ("/api/auth/.well-known/jwks.json", "users"),
        ("/api/users", "users"),
        ("/api/users/me/addresses", "users"),
        ("/api/products?limit=1", "catalog"),
        ("/api/products/42", "catalog"),
    ],
)
def test_every_prefix_reaches_its_upstream_with_the_full_path(
    shop: Gateway, path: str, service: str
) -> None:
    reply = shop.call(path)
    assert reply.status == 200, reply.body
    assert reply.json()["service"] == service
    assert reply.json()["path"] == path


@pytest.mark.integration
@pytest.mark.parametrize("path", ["/api", "/api/", "/api/nothing", "/api/productsX", "/api/x/y"])
def test_unknown_api_paths_are_a_json_404_never_the_storefront(shop: Gateway, path: str) -> None:
    reply = shop.call(path, headers={"X-Request-ID": "lost-1"})
    assert reply.status == 404
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.json()["request_id"] == "lost-1"
    assert not [p for p in shop.upstreams["storefront"].hits if p.startswith("/api")]


@pytest.mark.integration
def test_a_service_only_path_is_not_reachable_through_the_gateway(shop: Gateway) -> None:
    token = shop.call("/api/auth/token", method="POST", body=b"grant_type=client_credentials")
    below = shop.call("/api/auth/token/x")
    assert token.status == 404
    assert token.headers["content-type"] == "application/problem+json"
    assert "/api/auth/token" not in shop.upstreams["users"].hits
    assert below.status == 200  # exact path only: the rest of the prefix still routes


@pytest.mark.integration
@pytest.mark.parametrize("path", ["/metrics", "/health/live", "/health/ready"])
def test_the_storefronts_metrics_and_health_are_not_public(shop: Gateway, path: str) -> None:
    reply = shop.call(path)
    assert reply.status == 404
    assert reply.headers["content-type"] == "application/problem+json"
    assert path not in shop.upstreams["storefront"].hits


@pytest.mark.integration
@pytest.mark.parametrize(("path", "name"), [("/api/users/me", "users"), ("/admin/orders", "admin")])
def test_upstream_connections_are_kept_alive_for_services_and_apps(
    shop: Gateway, path: str, name: str
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", shop.port, timeout=5)
    try:
        for _ in range(3):
            reply = call(shop.port, path, connection=conn)
            assert reply.json()["protocol"] == "HTTP/1.1"
            assert reply.json()["connection"] is None
    finally:
        conn.close()
    peers = shop.upstreams[name].peers[path]
    assert len(peers) == 3
    assert len(set(peers)) == 1, f"nginx opened {len(set(peers))} upstream connections"


# --- rate limits ------------------------------------------------------------------------------


def _until_limited(g: Gateway, path: str, most: int, **kwargs: object) -> tuple[int, Reply]:
    """Send requests until one is refused; how many passed, and the refusal."""
    for passed in range(most + 1):
        reply = g.call(path, **kwargs)
        if reply.status == 429:
            return passed, reply
        assert reply.status == 200, reply.body
    raise AssertionError(f"{path}: no 429 after {most + 1} requests")


@pytest.mark.integration
def test_limits_answer_429_problems_and_login_is_limited_first(
    gateways: Gateways, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tiny limits, through the variables `make up` would read.
    for name, value in {
        "RATE_API": "2r/m", "BURST_API": "5", "RATE_AUTH": "1r/m", "BURST_AUTH": "1",
        "RATE_WEB": "off",
    }.items():  # fmt: skip
        monkeypatch.setenv(f"GATEWAY_{name}", value)
    shop = gateways.shop()
    passed, refused = _until_limited(
        shop, "/api/auth/login", 10, method="POST", body=b"{}",
        headers={"X-Request-ID": "too-many-1", "Content-Type": "application/json"},
    )  # fmt: skip
    assert passed == 2  # one, plus a burst of one
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["retry-after"] == "60"
    assert refused.headers["x-request-id"] == "too-many-1"
    problem = refused.json()
    assert problem["status"] == 429
    assert problem["title"] == "Too Many Requests"
    assert problem["request_id"] == "too-many-1"
    # The general API budget is larger, and login used only part of it.
    passed, refused = _until_limited(shop, "/api/users/me", 10)
    assert passed == 4  # 6 in all (one plus a burst of five), two spent on logins
    assert refused.headers["retry-after"] == "30"
    assert refused.json()["status"] == 429
    # Health checks, preflights, unknown paths and the web apps (RATE_WEB=off here) are not
    # held back by the API limit.
    assert shop.call("/healthz").status == 200
    preflight = {"Origin": ALLOWED, "Access-Control-Request-Method": "GET"}
    assert shop.call("/api/users/me", method="OPTIONS", headers=preflight).status == 204
    assert shop.call("/api/nothing").status == 404
    assert shop.call("/").status == 200
    assert shop.call("/static/app.js").status == 200


@pytest.mark.integration
def test_a_rush_of_checkout_writes_waits_its_turn_in_one_queue_and_a_full_queue_says_so(
    gateways: Gateways,
) -> None:
    """Cart and order writes (registry `queued`) from every shopper share one queue: over the
    rate they wait at the gateway in arrival order, up to the burst; beyond it, a 429 problem
    whose Retry-After is the time the full queue takes to drain. Reads never wait in it."""
    queue = Limit("4r/s", 3)
    shop = gateways.start(
        lambda up: [
            Service(
                "cart-service", up["carts"].port, routes=("/api/carts",), queued=("/api/carts",)
            )
        ],
        ("carts",),
        Settings(api=Limit(None, 0), checkout=queue),
    )

    def write(i: int) -> tuple[int, float, Reply]:
        started = time.monotonic()
        reply = shop.call(
            "/api/carts", method="POST", body=b"{}",
            headers={"Content-Type": "application/json", "X-Forwarded-For": f"10.9.0.{i + 1}"},
        )  # fmt: skip
        return reply.status, time.monotonic() - started, reply

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(write, range(8)))
    passed = sorted(seconds for status, seconds, _ in answers if status == 200)
    refused = [reply for status, _, reply in answers if status == 429]
    assert len(passed) == 4  # one at once, three queued (the burst)
    assert len(refused) == 4
    assert passed[-1] >= 0.5  # the last in line waited about three slots of 0.25 s
    assert refused[0].headers["retry-after"] == str(queue.queue_seconds) == "1"
    problem = refused[0].json()
    assert problem["status"] == 429
    assert problem["detail"].startswith("Checkout is taking more shoppers than it can serve")
    # Reads are not in the queue, however full it is.
    with ThreadPoolExecutor(8) as pool:
        reads = list(pool.map(lambda _: shop.call("/api/carts/abc").status, range(8)))
    assert reads == [200] * 8


@pytest.mark.integration
def test_forwarded_for_is_honoured_from_a_trusted_proxy_only(
    gateways: Gateways,
) -> None:
    shop = gateways.shop(Settings(api=Limit("1r/m", 1), trusted_proxies=("127.0.0.1",)))
    # 127.0.0.1 is trusted (like the storefront calling server-side): each shopper it names
    # has a budget of their own, and the services see the shopper as the last hop.
    shopper = {"X-Forwarded-For": "203.0.113.7"}
    seen = shop.call("/api/users/me", headers=shopper).json()
    assert seen["real_ip"] == "203.0.113.7"
    assert str(seen["forwarded_for"]).rsplit(",", 1)[-1].strip() == "203.0.113.7"
    passed, _ = _until_limited(shop, "/api/users/me", 5, headers=shopper)
    assert passed == 1
    other = shop.call("/api/users/me", headers={"X-Forwarded-For": "203.0.113.8"})
    assert other.status == 200
    # 127.0.0.2 is not trusted: its X-Forwarded-For is ignored, so inventing addresses does
    # not buy more requests.
    untrusted = {"source": "127.0.0.2"}
    seen = shop.call(
        "/api/users/me", headers={"X-Forwarded-For": "198.51.100.1"}, **untrusted
    ).json()
    assert seen["real_ip"] == "127.0.0.2"
    assert str(seen["forwarded_for"]).endswith(", 127.0.0.2")
    spoofed = shop.call(
        "/api/users/me", headers={"X-Forwarded-For": "198.51.100.2"}, source="127.0.0.2"
    )
    assert spoofed.status == 200  # the burst of one
    spoofed = shop.call(
        "/api/users/me", headers={"X-Forwarded-For": "198.51.100.3"}, source="127.0.0.2"
    )
    assert spoofed.status == 429


# --- CORS -------------------------------------------------------------------------------------


def _cors_headers(reply: Reply) -> dict[str, str]:
    return {k: v for k, v in reply.headers.items() if k.startswith("access-control-")}


@pytest.mark.integration
def test_cors_answers_the_platforms_own_origins_only(shop: Gateway) -> None:
    allowed = shop.call("/api/users/me", headers={"Origin": ALLOWED})
    assert allowed.headers["access-control-allow-origin"] == ALLOWED
    assert "X-Request-ID" in allowed.headers["access-control-expose-headers"]
    assert "Origin" in allowed.headers["vary"]
    assert "access-control-allow-methods" not in allowed.headers  # preflights only
    foreign = shop.call("/api/users/me", headers={"Origin": FOREIGN})
    assert foreign.status == 200
    assert _cors_headers(foreign) == {}
    assert "Origin" in foreign.headers["vary"]


@pytest.mark.integration
def test_a_preflight_is_answered_by_nginx(shop: Gateway) -> None:
    preflight = {
        "Origin": "http://127.0.0.1:8080",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
    }
    path = "/api/users/me/addresses?case=preflight"
    reply = shop.call(path, method="OPTIONS", headers=preflight)
    assert reply.status == 204
    assert reply.headers["access-control-allow-origin"] == "http://127.0.0.1:8080"
    assert "POST" in reply.headers["access-control-allow-methods"]
    allowed_headers = reply.headers["access-control-allow-headers"]
    for name in (
        "Authorization",
        "Content-Type",
        "Idempotency-Key",
        "If-None-Match",
        "Prefer",
        "X-Request-ID",
    ):
        assert name in allowed_headers
    assert reply.headers["access-control-max-age"] == "600"
    assert "Origin" in reply.headers["vary"]
    foreign = shop.call(path, method="OPTIONS", headers={**preflight, "Origin": FOREIGN})
    assert foreign.status == 204
    assert _cors_headers(foreign) == {}
    assert shop.upstreams["users"].hits[path] == 0  # no preflight reached the service
    # A plain OPTIONS (no Access-Control-Request-Method) is the service's business.
    assert shop.call(path, method="OPTIONS").json()["method"] == "OPTIONS"


# --- gzip and the micro-cache -----------------------------------------------------------------


@pytest.mark.integration
def test_gzip_when_asked_and_identity_upstream(shop: Gateway) -> None:
    path = "/api/users/me?pad=4000"
    zipped = shop.call(path, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["vary"]
    body = json.loads(gzip.decompress(zipped.body))
    assert body["accept_encoding"] is None  # nginx compresses, the service never has to
    plain = shop.call(path)
    assert "content-encoding" not in plain.headers
    assert len(plain.body) > len(zipped.body) * 5
    problem = shop.call("/api/nothing/" + "x" * 400, headers={"Accept-Encoding": "gzip"})
    assert problem.headers["content-type"] == "application/problem+json"


@pytest.mark.integration
def test_anonymous_catalog_gets_are_micro_cached_and_a_token_bypasses(shop: Gateway) -> None:
    catalog = shop.upstreams["catalog"]
    path = "/api/products?category=a&pad=1000"
    first = shop.call(path, headers={"Accept-Encoding": "gzip"})
    second = shop.call(path, headers={"X-Request-ID": "from-cache"})
    assert (first.headers["x-cache-status"], second.headers["x-cache-status"]) == ("MISS", "HIT")
    assert gzip.decompress(first.body) == second.body  # the same bytes, compressed or not
    assert second.headers["x-request-id"] == "from-cache"  # ours, never the cached one
    assert catalog.hits[path] == 1
    head = shop.call(path, method="HEAD")
    assert (head.status, head.headers["x-cache-status"]) == (200, "HIT")
    token = {"Authorization": "Bearer abc"}
    with_token = shop.call(path, headers=token)
    assert with_token.headers["x-cache-status"] == "BYPASS"
    assert with_token.json()["hit"] == 2
    # An answer for a token is never stored for anyone else.
    private = "/api/products/7"
    assert shop.call(private, headers=token).headers["x-cache-status"] == "BYPASS"
    assert shop.call(private).headers["x-cache-status"] == "MISS"
    # Only the registry's `cached` prefixes, only GET and HEAD.
    assert "x-cache-status" not in shop.call("/api/users/me").headers
    posted = shop.call(path, method="POST", body=b"{}")
    assert "x-cache-status" not in posted.headers
    assert posted.json()["method"] == "POST"


@pytest.mark.integration
@pytest.mark.parametrize("cache_control", ["no-store", "private, max-age=60", "no-cache"])
def test_the_cache_honours_a_service_that_says_do_not_store(
    shop: Gateway, cache_control: str
) -> None:
    path = "/api/products/9?cc=" + urllib.parse.quote(cache_control)
    statuses = [shop.call(path).headers["x-cache-status"] for _ in range(3)]
    assert statuses == ["MISS", "MISS", "MISS"]
    assert shop.upstreams["catalog"].hits[path] == 3


@pytest.mark.integration
def test_the_cache_is_short_whatever_max_age_the_service_sends(shop: Gateway) -> None:
    path = "/api/products/5?cc=" + urllib.parse.quote("public, max-age=30")
    assert shop.call(path).headers["x-cache-status"] == "MISS"
    assert shop.call(path).headers["x-cache-status"] == "HIT"
    deadline = time.monotonic() + 3
    while (status := shop.call(path).headers["x-cache-status"]) == "HIT":
        assert time.monotonic() < deadline, "still cached after 3 s (validity is 1 s)"
        time.sleep(0.1)
    assert status == "EXPIRED"
    assert shop.upstreams["catalog"].hits[path] == 2


@pytest.mark.integration
def test_a_stampede_reaches_the_service_once(shop: Gateway) -> None:
    path = "/api/products?sleep=0.3"
    with ThreadPoolExecutor(max_workers=10) as pool:
        replies = list(pool.map(lambda _: shop.call(path), range(10)))
    assert {r.status for r in replies} == {200}
    assert shop.upstreams["catalog"].hits[path] == 1
    assert {r.json()["hit"] for r in replies} == {1}


# --- nginx's own errors -----------------------------------------------------------------------


@pytest.mark.integration
def test_a_slow_upstream_is_a_json_problem_504(shop: Gateway) -> None:
    started = time.monotonic()
    reply = shop.call("/api/slow?sleep=2", headers={"X-Request-ID": "req-504"})
    assert time.monotonic() - started < 1.5  # GATEWAY_READ_TIMEOUT=500ms here
    assert reply.status == 504
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.json()["title"] == "Gateway Timeout"
    assert reply.json()["request_id"] == "req-504"


@pytest.mark.integration
def test_a_web_app_that_is_down_is_a_friendly_html_page(shop: Gateway) -> None:
    reply = shop.call("/closed/cart", headers={"X-Request-ID": "app-down-1"})
    assert reply.status == 503
    assert reply.headers["content-type"].startswith("text/html")
    assert reply.headers["retry-after"] == "10"
    assert reply.headers["x-request-id"] == "app-down-1"
    page = reply.body.decode()
    assert "Back in a moment" in page
    assert "app-down-1" in page  # the reference a shopper can quote
    assert "{" not in page.split("<style>")[0]  # no JSON problem in sight


@pytest.mark.integration
def test_dead_upstreams_and_big_bodies_are_json_problems(shop: Gateway) -> None:
    dead = shop.call("/api/dead/x", headers={"Origin": ALLOWED})
    assert dead.status == 502
    assert dead.headers["content-type"] == "application/problem+json"
    assert dead.headers["access-control-allow-origin"] == ALLOWED  # a browser may read it
    big = shop.call("/api/users/me", method="POST", body=b"x" * 4096)
    assert big.status == 413
    assert big.headers["content-type"] == "application/problem+json"
    assert big.json()["status"] == 413
    assert big.json()["request_id"] == big.headers["x-request-id"]


# --- Server-Sent Events -----------------------------------------------------------------------


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
def test_a_stream_route_passes_events_through_unbuffered(gateways: Gateways) -> None:
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), _StreamHandler)
    threading.Thread(target=upstream.serve_forever, args=(0.05,), daemon=True).start()
    stock = Service(
        "stock-service", upstream.server_address[1], None, ("/api/stock",), "team-2",
        streams=("/api/stock/stream",), cached=("/api/stock",),
    )  # fmt: skip
    g = gateways.start(lambda _: [stock], (), Settings())
    try:
        request = urllib.request.Request(
            f"{g.base}/api/stock/stream", headers={"Accept-Encoding": "gzip", "Origin": ALLOWED}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            # Buffered, the first event would wait for the upstream to finish: it never would.
            first = response.readline()
            _StreamHandler.release.set()
            assert first == b'data: {"sku": "A", "available": 3}\n'
            assert response.headers["X-Accel-Buffering"] == "no"
            assert response.headers["Content-Encoding"] is None
            assert response.headers["X-Cache-Status"] is None
            assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
            assert len(response.headers.get_all("X-Request-ID") or []) == 1
    finally:
        _StreamHandler.release.set()
        upstream.shutdown()
        upstream.server_close()


# --- security headers (issue 9, item 8) -------------------------------------------------------

SECURITY = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
}
CSP_WEB = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: https://picsum.photos; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
CSP_API = "default-src 'none'; frame-ancestors 'none'"


def _assert_secured(reply: Reply, csp: str) -> None:
    for name, value in SECURITY.items():
        assert reply.headers.get(name) == value, (name, reply.status, reply.headers)
    assert reply.headers.get("content-security-policy") == csp, reply.headers
    # Plain HTTP from a client that is not a proxy: no HSTS (a browser would ignore it).
    assert "strict-transport-security" not in reply.headers


@pytest.mark.integration
@pytest.mark.parametrize(
    ("path", "method", "headers", "status", "csp"),
    [
        ("/api/users/me", "GET", {}, 200, CSP_API),
        ("/api/users/me", "POST", {}, 200, CSP_API),
        ("/", "GET", {}, 200, CSP_WEB),
        ("/products/headphones", "GET", {}, 200, CSP_WEB),
        ("/static/app.css", "GET", {}, 200, CSP_WEB),
        ("/admin", "GET", {}, 200, CSP_WEB),
        ("/admin/orders/7", "GET", {}, 200, CSP_WEB),
        ("/api/nothing", "GET", {}, 404, CSP_API),
        ("/metrics", "GET", {}, 404, CSP_API),
        ("/healthz", "GET", {}, 200, CSP_API),
        ("/api/dead/x", "GET", {}, 502, CSP_API),
        ("/api/users/me", "OPTIONS", {"Origin": ALLOWED, "Access-Control-Request-Method": "GET"},
         204, CSP_API),
    ],
)  # fmt: skip
def test_every_answer_carries_the_security_headers(
    shop: Gateway, path: str, method: str, headers: dict[str, str], status: int, csp: str
) -> None:
    reply = shop.call(
        path, method=method, headers=headers, body=b"{}" if method == "POST" else None
    )
    assert reply.status == status, reply.body
    _assert_secured(reply, csp)


@pytest.mark.integration
def test_cached_answers_carry_the_security_headers(shop: Gateway) -> None:
    path = "/api/products?case=secured"
    first, second = shop.call(path), shop.call(path)
    assert (first.headers["x-cache-status"], second.headers["x-cache-status"]) == ("MISS", "HIT")
    _assert_secured(first, CSP_API)
    _assert_secured(second, CSP_API)


@pytest.mark.integration
def test_an_upstreams_own_security_headers_are_replaced_not_doubled(shop: Gateway) -> None:
    own = [
        "X-Frame-Options:SAMEORIGIN",
        "Content-Security-Policy:default-src *",
        "Referrer-Policy:unsafe-url",
        "X-Content-Type-Options:nosniff",
        "Strict-Transport-Security:max-age=1",
    ]
    query = urllib.parse.urlencode([("hdr", h) for h in own])
    for path in (f"/products/1?{query}", f"/api/users/me?{query}"):
        reply = shop.call(path)
        assert reply.status == 200
        _assert_secured(reply, CSP_WEB if path.startswith("/products") else CSP_API)


@pytest.mark.integration
def test_a_stream_carries_the_security_headers(gateways: Gateways) -> None:
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), _StreamHandler)
    threading.Thread(target=upstream.serve_forever, args=(0.05,), daemon=True).start()
    stock = Service(
        "stock-service", upstream.server_address[1], None, ("/api/stock",),
        streams=("/api/stock/stream",),
    )  # fmt: skip
    g = gateways.start(lambda _: [stock], (), Settings())
    _StreamHandler.release.set()
    try:
        reply = g.call("/api/stock/stream")
        assert reply.status == 200
        _assert_secured(reply, CSP_API)
    finally:
        upstream.shutdown()
        upstream.server_close()


@pytest.mark.integration
def test_the_app_down_page_is_allowed_its_one_inline_style_and_nothing_else(
    shop: Gateway,
) -> None:
    reply = shop.call("/closed/cart")
    assert reply.status == 503
    for name, value in SECURITY.items():
        assert reply.headers[name] == value
    style = re.search(r"<style>(.*?)</style>", reply.body.decode(), re.S)
    assert style
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    assert reply.headers["content-security-policy"] == CSP_WEB.replace(
        "style-src 'self'", f"style-src 'self' 'sha256-{digest}'"
    )
    assert "<script" not in reply.body.decode()


# --- X-Forwarded-Proto, HSTS and the TLS listener ----------------------------------------------


@pytest.mark.integration
def test_https_from_a_trusted_proxy_is_passed_on_and_gets_hsts(shop: Gateway) -> None:
    https = {"X-Forwarded-Proto": "https"}
    for path in ("/api/users/me", "/cart"):
        reply = shop.call(path, headers=https)
        assert reply.json()["forwarded_proto"] == "https", path
        assert reply.headers["strict-transport-security"] == "max-age=31536000"
    plain = shop.call("/cart")
    assert plain.json()["forwarded_proto"] == "http"
    assert "strict-transport-security" not in plain.headers
    # An error page behind an https proxy gets HSTS too.
    assert "strict-transport-security" in shop.call("/api/nothing", headers=https).headers
    # A client that is not a trusted proxy cannot claim https (nor get HSTS on plain HTTP).
    forged = shop.call("/cart", headers=https, source="127.0.0.2")
    assert forged.json()["forwarded_proto"] == "http"
    assert "strict-transport-security" not in forged.headers
    # Nor can a trusted one pass on anything but http or https.
    odd = shop.call("/cart", headers={"X-Forwarded-Proto": "https, http"})
    assert odd.json()["forwarded_proto"] == "http"


@pytest.fixture(scope="module")
def tls_files(gateways: Gateways) -> tuple[str, str]:
    cert, key = gateways.root / "gateway.crt", gateways.root / "gateway.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return str(cert), str(key)


@pytest.mark.integration
def test_the_tls_listener_serves_https_with_hsts(
    gateways: Gateways, tls_files: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    tls_port = free_port()
    monkeypatch.setenv("GATEWAY_TLS_CERT", tls_files[0])
    monkeypatch.setenv("GATEWAY_TLS_KEY", tls_files[1])
    monkeypatch.setenv("GATEWAY_TLS_LISTEN", f"127.0.0.1:{tls_port}")
    monkeypatch.setenv("GATEWAY_HSTS", "max-age=63072000; includeSubDomains")
    g = gateways.shop()
    context = ssl.create_default_context(cafile=tls_files[0])
    conn = http.client.HTTPSConnection("127.0.0.1", tls_port, timeout=5, context=context)
    for path, csp in (("/api/users/me", CSP_API), ("/cart", CSP_WEB), ("/api/nothing", CSP_API)):
        reply = call(tls_port, path, connection=conn)
        assert reply.headers["strict-transport-security"] == ("max-age=63072000; includeSubDomains")
        assert reply.headers["content-security-policy"] == csp
        if reply.status == 200:
            assert reply.json()["forwarded_proto"] == "https"
    conn.close()
    # Plain HTTP to the TLS port is a problem too, not nginx's HTML page.
    _assert_problem(
        raw(tls_port, b"GET /api/users/me HTTP/1.1\r\n" + HOST + b"\r\n"), 400, "Bad Request"
    )
    plain = g.call("/cart")
    assert plain.json()["forwarded_proto"] == "http"
    assert "strict-transport-security" not in plain.headers


@pytest.mark.unit
def test_tls_and_hsts_variables_are_checked(tmp_path: Path) -> None:
    cert = tmp_path / "c.pem"
    cert.write_text("x")
    with pytest.raises(GatewayConfigError, match="GATEWAY_TLS_CERT and GATEWAY_TLS_KEY"):
        Settings.from_env({"GATEWAY_TLS_CERT": str(cert)})
    with pytest.raises(GatewayConfigError, match=r"GATEWAY_TLS_KEY.*no such file"):
        Settings.from_env({"GATEWAY_TLS_CERT": str(cert), "GATEWAY_TLS_KEY": "/nope/k.pem"})
    with pytest.raises(GatewayConfigError, match="GATEWAY_TLS_CERT"):
        Settings.from_env({"GATEWAY_TLS_CERT": f"{cert}; include /x", "GATEWAY_TLS_KEY": "x"})
    with pytest.raises(GatewayConfigError, match="GATEWAY_HSTS"):
        Settings.from_env({"GATEWAY_HSTS": 'max-age=1"; x'})
    with pytest.raises(GatewayConfigError, match="GATEWAY_CSP_IMG_SRC"):
        Settings.from_env({"GATEWAY_CSP_IMG_SRC": "https://cdn.example; script-src *"})
    assert Settings.from_env(
        {"GATEWAY_CSP_IMG_SRC": "https://cdn.example/, https://img.example:8443"}
    ).csp_img_src == ("https://cdn.example", "https://img.example:8443")
    assert "img-src 'self' data:;" in gateway.web_csp(
        Settings.from_env({"GATEWAY_CSP_IMG_SRC": "none"})
    )
    with pytest.raises(GatewayConfigError, match="GATEWAY_TLS_LISTEN"):
        Settings.from_env({"GATEWAY_TLS_LISTEN": "0.0.0.0:443 default_server"})
    assert Settings.from_env({"GATEWAY_HSTS": "off"}).hsts is None
    conf = gateway.render([USER], prefix=tmp_path, settings=Settings(hsts=None))
    assert "Strict-Transport-Security" in conf  # the header line, with an empty value
    assert 'https "' not in conf
    assert "ssl" not in conf.split("server {")[1].split("location")[0]


# --- nginx's own errors are problems (issue 9, item 9) -----------------------------------------


def raw(port: int, data: bytes, *, pause: float = 0) -> Reply:
    """Bytes as they are, for requests http.client would refuse to send; `pause` waits
    before reading (a client that stops sending)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        time.sleep(pause)
        response = http.client.HTTPResponse(sock, method=data.split(b" ", 1)[0].decode())
        response.begin()
        names = {name.lower() for name in response.headers}
        joined = {n: ", ".join(response.headers.get_all(n) or []) for n in names}
        return Reply(response.status, joined, response.read())


def _assert_problem(reply: Reply, status: int, title: str) -> None:
    assert reply.status == status, (reply.status, reply.body)
    assert reply.headers["content-type"] == "application/problem+json"
    problem = reply.json()
    assert (problem["status"], problem["title"]) == (status, title)
    assert problem["type"] == "about:blank"
    assert problem["request_id"] == reply.headers["x-request-id"]
    assert len(str(problem["request_id"])) == 32
    _assert_secured(reply, CSP_API)


HOST = b"Host: shop.local\r\n"
PROVOKED = {
    "400-no-host": (b"GET /api/users/me HTTP/1.1\r\n\r\n", 400, "Bad Request"),
    "400-bad-length": (
        b"POST /api/users/me HTTP/1.1\r\n" + HOST + b"Content-Length: ten\r\n\r\n",
        400, "Bad Request",
    ),
    "405-trace": (b"TRACE /api/users/me HTTP/1.1\r\n" + HOST + b"\r\n", 405, "Method Not Allowed"),
    "414-long-uri": (
        b"GET /api/users/" + b"x" * 9000 + b" HTTP/1.1\r\n" + HOST + b"\r\n", 414, "URI Too Long",
    ),
    "431-big-header": (
        b"GET /api/users/me HTTP/1.1\r\n" + HOST + b"X-Big: " + b"x" * 9000 + b"\r\n\r\n",
        431, "Request Header Fields Too Large",
    ),
    "431-big-cookie-on-a-page": (
        b"GET /cart HTTP/1.1\r\n" + HOST + b"Cookie: s=" + b"x" * 9000 + b"\r\n\r\n",
        431, "Request Header Fields Too Large",
    ),
    "501-transfer-encoding": (
        b"POST /api/users/me HTTP/1.1\r\n" + HOST + b"Transfer-Encoding: gzip\r\n\r\n",
        501, "Not Implemented",
    ),
    "505-version": (b"GET /api/users/me HTTP/2.7\r\n" + HOST + b"\r\n", 505,
                    "HTTP Version Not Supported"),
}  # fmt: skip


@pytest.mark.integration
@pytest.mark.parametrize("case", PROVOKED)
def test_a_request_nginx_refuses_is_a_json_problem(shop: Gateway, case: str) -> None:
    data, status, title = PROVOKED[case]
    _assert_problem(raw(shop.port, data), status, title)


@pytest.mark.integration
def test_nginx_failing_itself_is_a_500_problem_for_the_api(gateways: Gateways) -> None:
    g = gateways.shop()
    cache = g.prefix / "cache" / "micro"
    # nginx's workers cannot write the micro-cache: it fails the request itself (500).
    cache.chmod(0)
    try:
        reply = g.call("/api/products?case=unwritable")
    finally:
        cache.chmod(0o700)
    _assert_problem(reply, 500, "Internal Server Error")


@pytest.mark.integration
@pytest.mark.parametrize(
    ("path", "status", "title"),
    [
        ("/api/dead/x", 502, "Bad Gateway"),
        ("/api/slow?sleep=2", 504, "Gateway Timeout"),
        ("/api/users/me?big", 413, "Content Too Large"),
    ],
)
def test_upstream_failures_and_big_bodies_are_problems_with_the_headers(
    shop: Gateway, path: str, status: int, title: str
) -> None:
    body = b"x" * 4096 if status == 413 else None
    reply = shop.call(path, method="POST" if body else "GET", body=body)
    _assert_problem(reply, status, title)


@pytest.mark.unit
def test_every_nginx_error_has_a_problem_and_apps_keep_their_page(tmp_path: Path) -> None:
    app = Service("storefront", 3010, routes=("/",), kind="app")
    conf = gateway.render([USER, app], prefix=tmp_path, settings=Settings())
    server = conf.split("server {")[1]
    for code in (400, 404, 405, 413, 414, 429, 494, 500, 501, 502, 503, 504, 505):
        assert re.search(rf"^ {{8}}error_page (\d+ )*{code} ", server, re.M), code
    # Every problem location is internal and answers JSON with its status and the request id.
    problems = re.findall(r"location = /__gateway/problem/(\d+) \{\n(.*?)\n {8}\}", server, re.S)
    assert len(problems) == 12
    for name, body in problems:
        assert "internal;" in body
        assert "default_type application/problem+json;" in body, name
        returned = re.search(r"return (\d+) '(.*)';", body)
        assert returned, name
        problem = json.loads(returned.group(2).replace("$shopkit_request_id", "x"))
        assert problem["status"] == int(returned.group(1)), name
        assert problem["request_id"] == "x"
    # Behind the app, nginx's 5xx are the HTML page; 4xx stay problems.
    storefront = _locations(conf)["/"]
    assert "error_page 500 502 503 504 =503 @app_unavailable;" in storefront
    assert "error_page 494 =431 /__gateway/problem/431;" in storefront
    assert "error_page 503 /__gateway/problem/503;" not in storefront


@pytest.mark.integration
def test_the_problem_pages_are_not_reachable_from_outside(shop: Gateway) -> None:
    reply = shop.call("/__gateway/problem/500")
    _assert_problem(reply, 404, "Not Found")
    assert not [p for p in shop.upstreams["storefront"].hits if p.startswith("/__gateway")]
