"""One self-contained HTML report of every kept run: inline SVG plots drawn with matplotlib
(labels as SVG text in the page's font: no font, script or link to fetch), the latest run of
each profile in full and the earlier ones side by side, labelled with the commit and the
workers per hot service."""

from __future__ import annotations

import html
import io
import json
import time
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # the backend is chosen first

plt.rcParams.update({"svg.fonttype": "none", "font.size": 8, "axes.grid": True,
                     "grid.alpha": 0.3, "figure.dpi": 96})  # fmt: skip

ORDER = ["checkout", "browse", "reads", "flash_sale", "pages"]
HISTORY = 8  # earlier runs shown side by side, per profile
MB = 1024 * 1024


def _svg(fig: Any) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def headline(run: dict[str, Any]) -> dict[str, str]:
    """The few figures that say how a run went, for the side-by-side table."""
    f = run.get("figures", {})
    p = run["profile"]
    if p == "checkout":
        return {
            "confirmed/min (>= 1000)": f"{f['confirmed_per_min']:.0f}",
            "pay->confirmed p95 s (< 1)": f"{f['pay_to_confirmed_p95']:.2f}",
            "POST /api/orders p95 ms (< 300)": f"{f['order_post_p95']:.0f}",
            "CPU s/order (<= 0.1)": f"{f['cpu_per_order']:.3f}",
            "buyers x seconds": f"{f['buyers']} x {f['seconds']}",
            "conservation": "OK" if f["conservation"]["ok"] else "MISMATCH",
        }
    if p == "browse":
        return {
            "users": str(f["users"]), "req/s": f"{f['rps']:.0f}",
            "worst p95 ms (< 200)": f"{f['worst_p95']:.0f} ({f['worst_endpoint']})",
            "errors (0)": str(f["error_count"]),
            "load generator cores": f"{f['load_generator_cores']:.2f}",
        }  # fmt: skip
    if p == "reads":
        return {
            name: f"{row['rps']:.0f} req/s ({row['ratio']:.0%})"
            for name, row in f.get("probes", {}).items()
        }
    if p == "flash_sale":
        return {
            "buyers / units": f"{f['buyers']} / {f['units']}",
            "confirmed (= units)": str(f["confirmed"]), "oversold (0)": str(f["oversold"]),
            "answer p95 s": f"{f['answer_p95']:.2f}",
            "browse p95 ms": f"{f['browse_p95']:.0f}",
        }  # fmt: skip
    if p == "pages":
        return {"worst page p95 ms (< 200)": f"{f.get('worst_p95', 0):.0f}"}
    return {}


def _endpoint_plots(run: dict[str, Any]) -> list[str]:
    series = run.get("timeline", {}).get("endpoints", {})
    if not series:
        return []
    out = []
    fig, ax = plt.subplots(figsize=(9, 3.2))
    for name, s in series.items():
        ax.plot(s["t"], s["rps"], label=name, linewidth=1)
    ax.set(title="throughput per endpoint", xlabel="seconds into the run", ylabel="requests/s")
    ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1))
    out.append(_svg(fig))
    names = list(series)
    cols = 3
    rows = (len(names) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(10, 2.2 * rows), squeeze=False, sharex=True)
    for index, name in enumerate(names):
        ax = axes[index // cols][index % cols]
        s = series[name]
        for key, style in (("p50", "-"), ("p95", "--"), ("p99", ":")):
            ax.plot(s["t"], s[key], style, label=key, linewidth=1)
        ax.set_title(name, fontsize=7)
        ax.set_ylabel("ms")
        if index == 0:
            ax.legend(fontsize=6)
    for index in range(len(names), rows * cols):
        axes[index // cols][index % cols].axis("off")
    fig.suptitle("latency p50 / p95 / p99 per endpoint over time (ms)")
    out.append(_svg(fig))
    return out


def _process_plots(run: dict[str, Any]) -> list[str]:
    proc = run.get("processes", {})
    if not proc.get("t"):
        return []
    t0 = proc["t"][0]
    t = [x - t0 for x in proc["t"]]
    groups = sorted({g for sample in proc["cpu"] for g in sample})
    total = {g: sum(s.get(g, 0.0) for s in proc["cpu"]) for g in groups}
    groups.sort(key=lambda g: -total[g])
    interval = proc.get("interval", 1.0)
    fig, (cpu_ax, rss_ax) = plt.subplots(1, 2, figsize=(11, 3.6))
    for g in groups:
        style = "--" if g in ("load generator", "bare handler") else "-"
        cpu_ax.plot(t, [s.get(g, 0.0) / interval for s in proc["cpu"]], style, label=g, lw=1)
        rss_ax.plot(t, [s.get(g, 0) / MB for s in proc["rss"]], style, label=g, lw=1)
    window = run.get("window")
    if window:
        for ax in (cpu_ax, rss_ax):
            ax.axvspan(window[0] - t0, window[1] - t0, color="grey", alpha=0.12, lw=0)
    cpu_ax.set(title="CPU per process (cores; shaded: the measured window)", xlabel="seconds",
               ylabel="cores")  # fmt: skip
    rss_ax.set(title="memory per process (PSS, MB)", xlabel="seconds", ylabel="MB")
    rss_ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1))
    return [_svg(fig)]


def _rss_table(run: dict[str, Any]) -> str:
    proc = run.get("processes", {})
    if not proc.get("rss"):
        return ""
    peak: dict[str, int] = {}
    for sample in proc["rss"]:
        for g, v in sample.items():
            peak[g] = max(peak.get(g, 0), v)
    shop = max(
        sum(v for g, v in sample.items() if g not in ("load generator", "bare handler"))
        for sample in proc["rss"]
    )
    rows = "".join(
        f"<tr><td>{html.escape(g)}</td><td>{v / MB:.0f}</td>"
        f"<td>{proc.get('workers', {}).get(g, '')}</td></tr>"
        for g, v in sorted(peak.items(), key=lambda kv: -kv[1])
    )
    return (f"<table><tr><th>process</th><th>peak memory (PSS) MB</th><th>workers</th></tr>{rows}"
            f"<tr><th>whole shop</th><th>{shop / MB:.0f}</th><th></th></tr></table>")  # fmt: skip


def _special_plots(run: dict[str, Any]) -> list[str]:
    out = []
    series = run.get("confirmed_per_min_series")
    if series:
        fig, ax = plt.subplots(figsize=(9, 2.8))
        ax.plot(series["t"], series["per_min"], lw=1.2, label="confirmed/min")
        ax.axhline(1000, color="red", lw=0.8, ls="--", label="target 1,000/min")
        ax.set(title="orders confirmed per minute (order-service's history)",
               xlabel="seconds into the run", ylabel="orders/min")  # fmt: skip
        ax.legend(fontsize=6)
        out.append(_svg(fig))
    probes = run.get("figures", {}).get("probes")
    if probes:
        fig, ax = plt.subplots(figsize=(9, 0.35 * len(probes) + 1))
        names = list(probes)
        ax.barh(names, [probes[n]["rps"] for n in names])
        ax.invert_yaxis()
        ax.set(title="requests/s per probe (bare handler measured in the same run)",
               xlabel="requests/s")  # fmt: skip
        out.append(_svg(fig))
    return out


def _history(runs: list[dict[str, Any]]) -> str:
    if not runs:
        return ""
    rows = list(dict.fromkeys(k for r in runs for k in headline(r)))
    head = "".join(
        f"<th>{html.escape(time.strftime('%m-%d %H:%M', time.localtime(r['started'])))}<br>"
        f"{html.escape(r['commit'])}<br>{html.escape(r['label'])}</th>"
        for r in runs
    )
    body = "".join(
        f"<tr><td>{html.escape(k)}</td>"
        + "".join(f"<td>{html.escape(headline(r).get(k, ''))}</td>" for r in runs)
        + "</tr>"
        for k in rows
    )
    return f"<table><tr><th>run</th>{head}</tr>{body}</table>"


def write(out: Path) -> Path:
    runs = []
    for path in sorted((out / "runs").glob("*.json")):
        try:
            runs.append(json.loads(path.read_text()))
        except ValueError:
            continue
    sections = []
    for profile in ORDER:
        mine = [r for r in runs if r["profile"] == profile]
        if not mine:
            continue
        latest = mine[-1]
        parts = [
            f"<h2 id='{profile}'>{profile}</h2>",
            f"<p>latest run {html.escape(latest['id'])}: commit {html.escape(latest['commit'])},"
            f" {html.escape(latest['label'])}</p>",
            f"<pre>{html.escape(chr(10).join(latest.get('summary', [])))}</pre>",
            "<h3>runs side by side (newest last)</h3>",
            _history(mine[-HISTORY:]),
            *_special_plots(latest),
            *_endpoint_plots(latest),
            *_process_plots(latest),
            "<h3>memory</h3>",
            _rss_table(latest),
        ]
        sections.append("\n".join(parts))
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>Shopkit bench</title>
<style>body{{font:14px system-ui,sans-serif;margin:2em;max-width:1200px}}
pre{{background:#f6f6f6;padding:1em;white-space:pre-wrap}}
table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:3px 8px;font-size:12px;text-align:left}}
svg{{max-width:100%;height:auto;display:block;margin:1em 0}}</style></head><body>
<h1>Shopkit bench</h1><p>generated {time.strftime("%Y-%m-%d %H:%M:%S")} from
{len(runs)} kept run(s); targets are the product brief's (ARCHITECTURE.md section 1, issue 10).
Profiles: {" ".join(f"<a href='#{p}'>{p}</a>" for p in ORDER)}</p>
{"".join(sections)}</body></html>"""
    path = out / "report.html"
    path.write_text(page)
    return path


if __name__ == "__main__":  # `make bench` runs it in the report's own virtualenv
    import sys

    print(write(Path(sys.argv[1])))
