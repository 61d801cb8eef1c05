"""Render the gateway's nginx config from the registry and run nginx under its own prefix."""

from __future__ import annotations

import os
import shutil
import subprocess
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


def nginx_binary() -> str | None:
    """nginx lives in /usr/sbin on Debian, which a non-root PATH often lacks."""
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def render(
    services: list[Service], *, listen: str = DEFAULT_LISTEN, prefix: Path = NGINX_PREFIX
) -> str:
    """The whole nginx.conf as text: one upstream per service, two locations per route prefix."""
    upstreams = "".join(
        f"    upstream {s.upstream} {{\n"
        f"        server 127.0.0.1:{s.port} max_fails=0;\n"
        f"        keepalive 32;\n"
        f"    }}\n\n"
        for s in services
        if s.routes
    )
    locations: list[str] = []
    claimed_root = False
    for s in services:
        for route in s.routes:
            if route == "/":
                claimed_root = True
                locations.append(_location("/", s))
                continue
            locations.append(_location(f"= {route}", s))
            locations.append(_location(f"^~ {route}/", s))
        locations.extend(_stream_location(stream, s) for stream in s.streams)
    if not claimed_root:
        locations.append(
            "        location / {\n"
            "            default_type application/problem+json;\n"
            f"            return 404 '{NOT_FOUND}';\n"
            "        }\n"
        )
    text = TEMPLATE.read_text()
    for key, value in {
        "{{prefix}}": str(prefix),
        "{{listen}}": listen,
        "{{upstreams}}": upstreams,
        "{{locations}}": "\n".join(locations),
    }.items():
        text = text.replace(key, value)
    return text


def _location(match: str, service: Service) -> str:
    return (
        f"        # {service.slug} (team {service.team or '?'})\n"
        f"        location {match} {{\n"
        f"            proxy_pass http://{service.upstream};\n"
        f"        }}\n"
    )


def _stream_location(path: str, service: Service) -> str:
    """Server-Sent Events: no buffering, no gzip, a long read timeout, so events flow at once."""
    return (
        f"        # {service.slug}: event stream, passed through unbuffered\n"
        f"        location = {path} {{\n"
        f"            proxy_pass http://{service.upstream};\n"
        "            proxy_buffering off;\n"
        "            proxy_cache off;\n"
        "            gzip off;\n"
        "            proxy_read_timeout 1h;\n"
        "            add_header X-Accel-Buffering no always;\n"
        "            add_header X-Request-ID $shopkit_request_id always;\n"
        f"        }}\n"
    )


def write(
    services: list[Service], *, listen: str = DEFAULT_LISTEN, prefix: Path = NGINX_PREFIX
) -> Path:
    """Write `<prefix>/nginx.conf` and the folders nginx needs under the prefix."""
    for sub in ("logs", *(f"tmp/{d}" for d in TEMP_DIRS)):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    conf.write_text(render(services, listen=listen, prefix=prefix))
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
