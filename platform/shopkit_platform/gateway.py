"""Render the gateway's nginx config from the registry and run nginx under its own prefix.

The route table comes from `services.toml`; the tunables (rate limits, trusted proxies, CORS
origins, cache validity, timeouts) come from `GATEWAY_*` environment variables, read by
`Settings.from_env` each time a config is rendered. Every value is checked before it is
written into the config, so no variable can inject nginx syntax.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import math
import os
import re
import resource
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ._paths import NGINX_PREFIX, PLATFORM
from .registry import Service

TEMPLATE = PLATFORM / "gateway" / "nginx.conf.template"
DEFAULT_LISTEN = os.environ.get("GATEWAY_LISTEN", "127.0.0.1:8080")
TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")

NOT_FOUND = (
    '{"type":"about:blank","title":"Not Found","status":404,'
    '"detail":"No service is routed at this path.","request_id":"$shopkit_request_id"}'
)

# The Content-Security-Policy of the web apps' pages (no inline script or style, nothing from
# another origin, never framed) and of everything else (API answers, nginx's own problems):
# nothing may be loaded in the context of a JSON document at all. The web policy's img-src
# also names GATEWAY_CSP_IMG_SRC (product images live on an image host or CDN).
CSP_WEB = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
CSP_API = "default-src 'none'; frame-ancestors 'none'"
# Security headers the gateway owns: an upstream's own copies are hidden, so every answer
# carries exactly one of each, whoever produced it.
SECURITY_HEADERS = (
    "Content-Security-Policy",
    "Strict-Transport-Security",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
)

# Sent on every answer; a location that adds a header of its own repeats them all, because
# nginx inherits add_header only into blocks that have none. Empty values are not sent.
HEADERS = (
    "add_header X-Content-Type-Options nosniff always;",
    "add_header X-Frame-Options DENY always;",
    "add_header Referrer-Policy strict-origin-when-cross-origin always;",
    "add_header Content-Security-Policy $shopkit_csp always;",
    "add_header Strict-Transport-Security $shopkit_hsts always;",
    "add_header X-Request-ID $shopkit_request_id always;",
    "add_header X-Cache-Status $upstream_cache_status always;",
    "add_header Access-Control-Allow-Origin $shopkit_cors_origin always;",
    "add_header Access-Control-Expose-Headers $shopkit_cors_expose always;",
    "add_header Access-Control-Allow-Methods $shopkit_cors_methods always;",
    "add_header Access-Control-Allow-Headers $shopkit_cors_headers always;",
    "add_header Access-Control-Max-Age $shopkit_cors_max_age always;",
)
VARY_ORIGIN = "add_header Vary Origin always;"


@dataclass(frozen=True)
class Problem:
    """An error nginx answers itself, as application/problem+json from an internal location
    (`uri`): `status` is what the client gets, `catches` the codes nginx raises for it (494 is
    nginx's own code for a header that is too large; the client gets 431). No quotes in the
    texts. A URI, not a named location: a request whose request line nginx could not read
    (414, 505) has no URI, and nginx refuses to redirect such a request to a named location
    (it answers its own HTML 500 instead)."""

    status: int
    name: str
    title: str
    detail: str
    catches: tuple[int, ...] = ()

    @property
    def codes(self) -> tuple[int, ...]:
        return self.catches or (self.status,)

    @property
    def uri(self) -> str:
        return f"{PROBLEM_PREFIX}{self.status}"


PROBLEM_PREFIX = "/__gateway/problem/"


PROBLEMS = (
    # 497: plain HTTP sent to the TLS listener (nginx would answer an HTML 400).
    Problem(
        400, "bad_request", "Bad Request", "The gateway could not read this request.", (400, 497)
    ),
    Problem(404, "not_found", "Not Found", "No service is routed at this path."),
    Problem(405, "not_allowed", "Method Not Allowed", "The gateway does not accept this method."),
    Problem(
        413, "too_large", "Content Too Large",
        "The request body is larger than the gateway accepts ({max_body}).",
    ),
    Problem(414, "uri_too_long", "URI Too Long", "The URI is longer than the gateway accepts."),
    Problem(
        431, "header_too_large", "Request Header Fields Too Large",
        "The request headers or cookies are larger than the gateway accepts.", (494,),
    ),
    Problem(
        500, "internal_error", "Internal Server Error",
        "The gateway failed to handle this request; quote the request id when reporting it.",
    ),
    Problem(
        501, "not_implemented", "Not Implemented",
        "The gateway does not support this transfer encoding.",
    ),
    Problem(502, "bad_gateway", "Bad Gateway", "The service behind this route is not answering."),
    Problem(
        503, "unavailable", "Service Unavailable",
        "The service behind this route is unavailable; try again shortly.",
    ),
    Problem(
        504, "gateway_timeout", "Gateway Timeout",
        "The service behind this route did not answer in time.",
    ),
    Problem(
        505, "version_not_supported", "HTTP Version Not Supported",
        "The gateway speaks HTTP/1.0 and HTTP/1.1 here.",
    ),
)  # fmt: skip
# Not here: 408. nginx never answers a client that stops sending its header or body in time
# (client_header_timeout, client_body_timeout); it closes the connection and logs 408.

# Behind a web app a person is looking at a page: nginx's 5xx there is the HTML page.
APP_PAGE_CODES = (500, 502, 503, 504)

# The only inline style of the gateway's own HTML page; its hash is allowed by that page's CSP.
UNAVAILABLE_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;"
    "padding:0 1rem;line-height:1.5;color:#1f2937}"
)

# Granian (every service and app) drops an idle HTTP/1 connection after 30 s
# (--http1-header-read-timeout); nginx must retire a pooled connection before the upstream
# does, or a request can be written into a connection that is being closed.
UPSTREAM_KEEPALIVE = 32
MAX_OPEN_FILES = 65536
MAX_WORKER_CONNECTIONS = 16384
UPSTREAM_KEEPALIVE_TIMEOUT = "20s"

RATE = re.compile(r"^[1-9][0-9]{0,6}r/[sm]$")
DURATION = re.compile(r"^[0-9]{1,6}(ms|s|m|h)?$")
SIZE = re.compile(r"^[0-9]{1,6}[kKmM]?$")
HSTS = re.compile(r"^max-age=[0-9]{1,9}(; ?includeSubDomains)?(; ?preload)?$")
LISTEN = re.compile(r"^((\[[0-9A-Fa-f:.]+\]|[0-9.]+|[A-Za-z0-9.-]+):)?[0-9]{1,5}$")
FILE = re.compile(r"^/[A-Za-z0-9._/+@=-]+$")
ORIGIN = re.compile(r"^https?://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?$")
TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


class GatewayConfigError(ValueError):
    """A GATEWAY_* variable holds something the gateway cannot use; the message names it."""


@dataclass(frozen=True)
class Limit:
    """One limit_req zone: `rate` like "50r/s" or "30r/m" (None: no limit), and its burst."""

    rate: str | None
    burst: int

    @property
    def retry_after(self) -> int:
        """One slot of the rate, in whole seconds (at least 1): a fair Retry-After."""
        return self._seconds_for(1)

    @property
    def queue_seconds(self) -> int:
        """How long the last request a full burst queue holds waits (at least 1 s)."""
        return self._seconds_for(self.burst)

    def _seconds_for(self, requests: int) -> int:
        """Whole seconds (at least 1) the rate takes to pass `requests`."""
        if self.rate is None:
            return 1
        count, unit = self.rate.removesuffix("r/s").removesuffix("r/m"), self.rate[-1]
        return max(1, math.ceil(requests * (60 if unit == "m" else 1) / int(count)))


@dataclass(frozen=True)
class Settings:
    """What the gateway is tuned with; `from_env` reads the GATEWAY_* variables."""

    # Every API path; stricter on login and register (`strict_limit`); the web apps' pages.
    api: Limit = Limit("50r/s", 100)
    auth: Limit = Limit("30r/m", 20)
    web: Limit = Limit("100r/s", 200)
    # The shop-wide checkout queue: writes under a registry `queued` prefix (carts, orders)
    # from every shopper together are passed on at most at this rate, in arrival order; up to
    # `burst` wait their turn at the gateway, more are refused 429 with the queue's length as
    # Retry-After. Size the rate to what the shop's cores can carry (platform/bench).
    checkout: Limit = Limit("100r/s", 1000)
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    cors_origins: tuple[str, ...] = ("http://localhost:8080", "http://127.0.0.1:8080")
    # How long an anonymous catalog/search answer is kept; with `cache_honour_max_age` the
    # service's own Cache-Control max-age / Expires decide instead (nginx's default).
    cache_valid: str = "1s"
    cache_honour_max_age: bool = False
    read_timeout: str = "60s"
    max_body: str = "1m"
    # Strict-Transport-Security, sent only on answers the browser got over HTTPS: the TLS
    # listener, or a trusted proxy's `X-Forwarded-Proto: https`. None: never sent.
    hsts: str | None = "max-age=31536000"
    # A TLS listener of the gateway's own (both files, or neither: plain HTTP only).
    tls_cert: str | None = None
    tls_key: str | None = None
    tls_listen: str = "127.0.0.1:8443"
    # Where the web apps' images may come from besides the gateway's own origin: the demo
    # catalog's product images are on picsum.photos (product-service's seed).
    csp_img_src: tuple[str, ...] = ("https://picsum.photos",)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        d = cls()

        def get(name: str) -> str | None:
            value = env.get(f"GATEWAY_{name}", "").strip()
            return value or None

        tls_cert, tls_key = _tls_file(get("TLS_CERT"), "CERT"), _tls_file(get("TLS_KEY"), "KEY")
        if (tls_cert is None) != (tls_key is None):
            raise GatewayConfigError(
                "GATEWAY_TLS_CERT and GATEWAY_TLS_KEY: set both (a TLS listener) or neither"
            )
        return cls(
            api=_limit(get("RATE_API"), get("BURST_API"), d.api, "API"),
            auth=_limit(get("RATE_AUTH"), get("BURST_AUTH"), d.auth, "AUTH"),
            web=_limit(get("RATE_WEB"), get("BURST_WEB"), d.web, "WEB"),
            checkout=_limit(get("RATE_CHECKOUT"), get("BURST_CHECKOUT"), d.checkout, "CHECKOUT"),
            trusted_proxies=_proxies(get("TRUSTED_PROXIES"), d.trusted_proxies),
            cors_origins=_origins(get("CORS_ORIGINS"), d.cors_origins),
            cache_valid=_match(get("CACHE_VALID"), d.cache_valid, DURATION, "CACHE_VALID"),
            cache_honour_max_age=_flag(get("CACHE_HONOUR_MAX_AGE"), d.cache_honour_max_age),
            read_timeout=_match(get("READ_TIMEOUT"), d.read_timeout, DURATION, "READ_TIMEOUT"),
            max_body=_match(get("MAX_BODY"), d.max_body, SIZE, "MAX_BODY"),
            hsts=_hsts(get("HSTS"), d.hsts),
            tls_cert=tls_cert,
            tls_key=tls_key,
            tls_listen=_match(get("TLS_LISTEN"), d.tls_listen, LISTEN, "TLS_LISTEN"),
            csp_img_src=_img_sources(get("CSP_IMG_SRC"), d.csp_img_src),
        )


def _limit(rate: str | None, burst: str | None, default: Limit, name: str) -> Limit:
    if rate is not None and rate.lower() == "off":
        return Limit(None, 0)
    if rate is not None and not RATE.match(rate):
        raise GatewayConfigError(f"GATEWAY_RATE_{name}={rate!r}: expected like 50r/s, 30r/m or off")
    if burst is not None and not (burst.isdigit() and int(burst) <= 1_000_000):
        raise GatewayConfigError(f"GATEWAY_BURST_{name}={burst!r}: expected a whole number")
    return Limit(
        rate if rate is not None else default.rate,
        int(burst) if burst is not None else default.burst,
    )


def _items(value: str) -> list[str]:
    return [item for item in re.split(r"[\s,]+", value) if item]


def _proxies(value: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    if value is None:
        return default
    if value.lower() == "none":
        return ()
    proxies = []
    for item in _items(value):
        try:
            proxies.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise GatewayConfigError(
                f"GATEWAY_TRUSTED_PROXIES: {item!r} is not an address or a CIDR network"
            ) from None
    return tuple(proxies)


def _origins(value: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    if value is None:
        return default
    if value.lower() == "none":
        return ()
    origins = tuple(o.rstrip("/") for o in _items(value))
    for origin in origins:
        if not ORIGIN.match(origin):
            raise GatewayConfigError(
                f"GATEWAY_CORS_ORIGINS: {origin!r} is not an origin like https://shop.example"
            )
    return origins


def _match(value: str | None, default: str, pattern: re.Pattern[str], name: str) -> str:
    if value is None:
        return default
    if not pattern.match(value):
        raise GatewayConfigError(f"GATEWAY_{name}={value!r}: expected like {default}")
    return value


def _img_sources(value: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    if value is None:
        return default
    if value.lower() == "none":
        return ()
    sources = tuple(o.rstrip("/") for o in _items(value))
    for source in sources:
        if source != "https:" and not ORIGIN.match(source):
            raise GatewayConfigError(
                f"GATEWAY_CSP_IMG_SRC: {source!r} is not an origin like https://img.example"
                " (or https:)"
            )
    return sources


def _hsts(value: str | None, default: str | None) -> str | None:
    if value is None:
        return default
    if value.lower() == "off":
        return None
    if not HSTS.match(value):
        raise GatewayConfigError(
            f"GATEWAY_HSTS={value!r}: expected like max-age=31536000[; includeSubDomains] or off"
        )
    return value


def _tls_file(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    if not FILE.match(value):
        raise GatewayConfigError(
            f"GATEWAY_TLS_{name}={value!r}: expected an absolute path without spaces or quotes"
        )
    if not os.path.isfile(value):
        raise GatewayConfigError(f"GATEWAY_TLS_{name}={value!r}: no such file")
    return value


def _flag(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    if value.lower() in TRUE | FALSE:
        return value.lower() in TRUE
    raise GatewayConfigError(f"GATEWAY_CACHE_HONOUR_MAX_AGE={value!r}: expected 1 or 0")


def nginx_binary() -> str | None:
    """nginx lives in /usr/sbin on Debian, which a non-root PATH often lacks."""
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


@dataclass
class _Location:
    """One nginx location and what the registry says about the paths it matches."""

    match: str
    service: Service
    cached: bool = False
    strict: bool = False
    stream: bool = False
    queued: bool = False


INTERNAL_PATHS = ("= /metrics", "^~ /health/")


def _matches(prefix: str) -> list[str]:
    """A prefix matches itself and everything below it, never `/api/usersX` for `/api/users`."""
    return ["/"] if prefix == "/" else [f"= {prefix}", f"^~ {prefix}/"]


def render(
    services: list[Service],
    *,
    listen: str = DEFAULT_LISTEN,
    prefix: Path = NGINX_PREFIX,
    settings: Settings | None = None,
    open_files_limit: int | None = None,
) -> str:
    """The whole nginx.conf as text: one upstream per service, two locations per route prefix.

    `open_files_limit`: the hard open-files limit nginx will run under (default: this
    process's)."""
    settings = Settings.from_env() if settings is None else settings
    routed = [s for s in services if s.routes]
    # Each port is listed twice: a request that failed on a process that died under it (the
    # connection refused or reset before the answer began) is passed on to "the next server",
    # the same port, where the kernel picks a process that still serves. nginx passes on a
    # POST only if it had not sent it yet (no `non_idempotent`); GET, HEAD and the like always.
    upstreams = "".join(
        f"    upstream {s.upstream} {{\n"
        f"        server 127.0.0.1:{s.port} max_fails=0;\n"
        f"        server 127.0.0.1:{s.port} max_fails=0;\n"
        f"        keepalive {UPSTREAM_KEEPALIVE};\n"
        f"        keepalive_timeout {UPSTREAM_KEEPALIVE_TIMEOUT};\n"
        f"    }}\n\n"
        for s in routed
    )
    locations: dict[str, _Location] = {}
    for s in routed:
        for route in s.routes:
            for match in _matches(route):
                locations[match] = _Location(match, s)
        for path in s.cached:
            for match in _matches(path):
                locations.setdefault(match, _Location(match, s)).cached = True
        for path in s.strict_limit:
            locations.setdefault(f"= {path}", _Location(f"= {path}", s)).strict = True
        for path in s.streams:
            locations.setdefault(f"= {path}", _Location(f"= {path}", s)).stream = True
        for path in s.queued:
            for match in _matches(path):
                locations.setdefault(match, _Location(match, s)).queued = True
    blocks = [_location(loc, settings) for loc in locations.values()]
    # Unknown API paths are a JSON 404 even when a web app has the catch-all `/`, and so are
    # that app's operational endpoints (metrics and health are for the platform, not the public).
    missing = ["/"] if "/" not in locations else ["= /api", "^~ /api/", *INTERNAL_PATHS]
    # Paths only other services may call (they call each other directly, never through here).
    missing += [f"= {path}" for s in routed for path in s.internal]
    blocks += [
        f"        location {match} {{\n"
        "            default_type application/problem+json;\n"
        f"            return 404 '{NOT_FOUND}';\n"
        "        }\n"
        for match in missing
        if match not in locations
    ]
    strict_paths = [p for s in routed for p in s.strict_limit]
    queued_paths = [p for s in routed for p in s.queued]
    open_files, worker_connections = _open_files(open_files_limit)
    text = TEMPLATE.read_text()
    for key, value in {
        "{{open_files}}": str(open_files),
        "{{worker_connections}}": str(worker_connections),
        "{{prefix}}": str(prefix),
        "{{listen}}": listen,
        "{{upstreams}}": upstreams,
        "{{locations}}": "\n".join(blocks),
        "{{real_ip}}": "".join(f"    set_real_ip_from {p};\n" for p in settings.trusted_proxies),
        "{{limit_zones}}": _limit_zones(settings, queued_paths),
        "{{retry_after}}": _retry_after(settings, strict_paths),
        "{{cors_origins}}": "".join(
            f'        "{o}" $http_origin;\n' for o in settings.cors_origins
        ),
        "{{cache_valid}}": settings.cache_valid,
        "{{cache_freshness}}": _cache_freshness(settings),
        "{{read_timeout}}": settings.read_timeout,
        "{{max_body}}": settings.max_body,
        "{{server_headers}}": _headers(settings, 8),
        "{{location_headers}}": _headers(settings, 12),
        "{{unavailable_headers}}": _headers(settings, 12, csp=_unavailable_csp(settings)),
        "{{unavailable_style}}": UNAVAILABLE_STYLE,
        "{{trusted_geo}}": "".join(f"        {p} 1;\n" for p in settings.trusted_proxies),
        "{{hsts}}": f'        https "{settings.hsts}";\n' if settings.hsts else "",
        "{{csp_map}}": _csp_map(routed, settings),
        "{{hide_headers}}": "".join(f"    proxy_hide_header {h};\n" for h in SECURITY_HEADERS),
        "{{tls}}": _tls(settings),
        "{{error_pages}}": _error_pages(PROBLEMS, 8),
        "{{problem_locations}}": "".join(_problem_location(p, settings) for p in PROBLEMS),
    }.items():
        text = text.replace(key, value)
    return text


def _headers(settings: Settings, indent: int, *, csp: str | None = None) -> str:
    lines: tuple[str, ...] = (*HEADERS, VARY_ORIGIN) if settings.cors_origins else HEADERS
    if csp is not None:
        lines = tuple(
            f'add_header Content-Security-Policy "{csp}" always;'
            if line.startswith("add_header Content-Security-Policy ")
            else line
            for line in lines
        )
    return "".join(" " * indent + line + "\n" for line in lines)


def web_csp(settings: Settings) -> str:
    """The web apps' policy with the image sources of GATEWAY_CSP_IMG_SRC."""
    img = " ".join(("img-src 'self' data:", *settings.csp_img_src))
    return CSP_WEB.replace("img-src 'self' data:", img)


def _unavailable_csp(settings: Settings) -> str:
    """The web policy, plus the one inline style of the HTML 503 page (by its hash)."""
    digest = base64.b64encode(hashlib.sha256(UNAVAILABLE_STYLE.encode()).digest()).decode()
    return web_csp(settings).replace("style-src 'self'", f"style-src 'self' 'sha256-{digest}'")


def _csp_map(routed: list[Service], settings: Settings) -> str:
    """`$uri` -> the policy, as nginx picks the location: the longest route prefix wins; the
    catch-all app's `/` is the default, its metrics and health paths are JSON like the API."""
    web, api = f'"{web_csp(settings)}"', f'"{CSP_API}"'
    prefixes = {r: web if s.is_app else api for s in routed for r in s.routes if r != "/"}
    catch_all = any("/" in s.routes for s in routed if s.is_app)
    lines = [f"        default {web if catch_all else api};\n", f'        "" {api};\n']
    lines += [f"        /healthz {api};\n", f"        /metrics {api};\n"]
    lines.append(f'        "~^{PROBLEM_PREFIX}" {api};\n')
    lines += [
        f'        "~^{re.escape(prefix)}(/|$)" {policy};\n'
        for prefix, policy in sorted(prefixes.items(), key=lambda kv: -len(kv[0]))
    ]
    lines += [f'        "~^/api(/|$)" {api};\n', f'        "~^/health/" {api};\n']
    return "".join(lines)


def _tls(settings: Settings) -> str:
    if settings.tls_cert is None or settings.tls_key is None:
        return ""
    return (
        f"        listen {settings.tls_listen} ssl;\n"
        f"        ssl_certificate {settings.tls_cert};\n"
        f"        ssl_certificate_key {settings.tls_key};\n"
        "        ssl_protocols TLSv1.2 TLSv1.3;\n"
        "        ssl_session_cache shared:shopkit_tls:10m;\n"
    )


def _error_pages(problems: tuple[Problem, ...], indent: int, *, app: bool = False) -> str:
    """`error_page` lines: each problem's codes to its location; in an app location the
    5xx codes go to the HTML page instead (and a location's own error_page lines replace
    all of the server's, so an app location carries the full list)."""
    lines = [
        f"error_page {' '.join(map(str, p.codes))} {f'={p.status} ' if p.catches else ''}{p.uri};"
        for p in problems
        if not (app and p.status in APP_PAGE_CODES)
    ]
    lines.append("error_page 429 @too_many_requests;")
    if app:
        lines.append(f"error_page {' '.join(map(str, APP_PAGE_CODES))} =503 @app_unavailable;")
    return "".join(" " * indent + line + "\n" for line in lines)


def _problem_location(problem: Problem, settings: Settings) -> str:
    detail = problem.detail.format(max_body=settings.max_body)
    body = (
        f'{{"type":"about:blank","title":"{problem.title}","status":{problem.status},'
        f'"detail":"{detail}","request_id":"$shopkit_request_id"}}'
    )
    return (
        f"        # nginx's own {problem.status} ({problem.name}); not reachable from outside\n"
        f"        location = {problem.uri} {{\n"
        "            internal;\n"
        "            default_type application/problem+json;\n"
        f"            return {problem.status} '{body}';\n"
        "        }\n\n"
    )


def _open_files(hard: int | None) -> tuple[int, int]:
    """(worker_rlimit_nofile, worker_connections): up to 65,536 files and 16,384 connections
    per worker, within the hard open-files limit nginx will run under."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1] if hard is None else hard
    files = MAX_OPEN_FILES if hard == resource.RLIM_INFINITY else min(hard, MAX_OPEN_FILES)
    return files, max(1024, min(MAX_WORKER_CONNECTIONS, files - 256))


def _limit_zones(settings: Settings, queued_paths: list[str]) -> str:
    zones = (
        ("shopkit_api", "$binary_remote_addr", settings.api),
        ("shopkit_auth", "$binary_remote_addr$uri", settings.auth),
        ("shopkit_web", "$binary_remote_addr", settings.web),
        # One key for every shopper: the queue is the shop's, not an address's.
        ("shopkit_checkout", "$shopkit_checkout_queue", settings.checkout),
    )
    # The writes that join the checkout queue; every other request has an empty key, which
    # nginx does not count.
    queue = ['    map "$request_method:$uri" $shopkit_checkout_queue {\n', '        default "";\n']
    queue += [
        f'        "~^(POST|PUT|PATCH|DELETE):{re.escape(path)}(/|$)" shop;\n'
        for path in queued_paths
    ]
    queue.append("    }\n")
    return "".join(queue) + "".join(
        f"    limit_req_zone {key} zone={name}:10m rate={limit.rate};\n"
        for name, key, limit in zones
        if limit.rate is not None
    )


def _retry_after(settings: Settings, strict_paths: list[str]) -> str:
    """Keyed by "<queue>:<uri>": a refused checkout write waits for the queue to drain."""
    lines = [f"        default {settings.web.retry_after};\n"]
    lines += [f'        ":{path}" {settings.auth.retry_after};\n' for path in strict_paths]
    lines.append(f'        "~^shop:" {settings.checkout.queue_seconds};\n')
    lines.append(f'        "~^:/api(/|$)" {settings.api.retry_after};\n')
    return "".join(lines)


def _cache_freshness(settings: Settings) -> str:
    if settings.cache_honour_max_age:
        return (
            "    # The service's Cache-Control / Expires decide how long (nginx's default).\n"
            "    proxy_no_cache $http_authorization;\n"
        )
    return (
        "    # The gateway keeps an answer at most the validity above, whatever max-age the\n"
        "    # service sends for browsers; no-store, no-cache, private and max-age=0 (and a\n"
        "    # Set-Cookie) still mean not stored at all. X-Accel-Expires from a service wins.\n"
        "    proxy_ignore_headers Cache-Control Expires;\n"
        "    map $upstream_http_cache_control $shopkit_not_storable {\n"
        '        default "";\n'
        '        "~*(^|[\\s,])(no-store|no-cache|private|max-age=0|s-maxage=0)([\\s,=]|$)" 1;\n'
        "    }\n"
        "    proxy_no_cache $http_authorization $shopkit_not_storable;\n"
    )


def _location(loc: _Location, settings: Settings) -> str:
    s = loc.service
    notes = [f"app, team {s.team or '?'}" if s.is_app else f"team {s.team or '?'}"]
    notes += [n for n, on in (("micro-cached", loc.cached and not loc.stream),
                              ("strict limit", loc.strict),
                              ("checkout queue", loc.queued),
                              ("event stream, unbuffered", loc.stream)) if on]  # fmt: skip
    body = []
    if s.is_app:
        # A person is looking at a page: an app that is down gets an HTML page, not JSON.
        # (A location's own error_page replaces all the server's, so repeat the others.)
        body += _error_pages(PROBLEMS, 0, app=True).splitlines()
    else:
        body.append("if ($shopkit_preflight) {\n    return 204;\n}")
    if loc.strict and settings.auth.rate is not None:
        body.append(f"limit_req zone=shopkit_auth burst={settings.auth.burst} nodelay;")
    general = settings.web if s.is_app else settings.api
    zone = "shopkit_web" if s.is_app else "shopkit_api"
    if general.rate is not None:
        body.append(f"limit_req zone={zone} burst={general.burst} nodelay;")
    if loc.queued and settings.checkout.rate is not None:
        # No nodelay: a write over the shop's pace waits its turn here, in arrival order.
        body.append(f"limit_req zone=shopkit_checkout burst={settings.checkout.burst};")
    body.append(f"proxy_pass http://{s.upstream};")
    if loc.stream:
        # Server-Sent Events: no buffering, no gzip, no cache, a long read timeout.
        body += [
            "proxy_buffering off;",
            "proxy_cache off;",
            "gzip off;",
            "proxy_read_timeout 1h;",
            *HEADERS,
            *([VARY_ORIGIN] if settings.cors_origins else []),
            "add_header X-Accel-Buffering no always;",
        ]
    elif loc.cached:
        body.append("proxy_cache shopkit_micro;")
    inner = "".join("".join(f"            {line}\n" for line in item.split("\n")) for item in body)
    return (
        f"        # {s.slug} ({', '.join(notes)})\n"
        f"        location {loc.match} {{\n"
        f"{inner}"
        f"        }}\n"
    )


def write(
    services: list[Service],
    *,
    listen: str = DEFAULT_LISTEN,
    prefix: Path = NGINX_PREFIX,
    settings: Settings | None = None,
) -> Path:
    """Write `<prefix>/nginx.conf` and the folders nginx needs under the prefix."""
    for sub in ("logs", "cache", *(f"tmp/{d}" for d in TEMP_DIRS)):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    conf.write_text(render(services, listen=listen, prefix=prefix, settings=settings))
    return conf


def command(conf: Path, *extra: str) -> list[str]:
    binary = nginx_binary()
    if binary is None:
        raise FileNotFoundError("nginx is not installed (apt-get install nginx-light)")
    prefix = conf.parent
    return [
        binary,
        "-p",
        f"{prefix}/",
        "-c",
        str(conf),
        "-e",
        str(prefix / "logs" / "error.log"),
        *extra,
    ]


def test_config(conf: Path) -> subprocess.CompletedProcess[str]:
    """`nginx -t` on a generated file; the caller reads returncode and stderr."""
    return subprocess.run(command(conf, "-t"), capture_output=True, text=True, check=False)
