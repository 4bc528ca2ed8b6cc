"""`nba serve` against its ceiling, the bare reference service, in one run (issue 16).

Run: `python benchmarks/http_ceiling.py [--duration 8] [--rounds 2] [--rate 300]
[--workers 2] [--database-url URL] [--outcomes]` (needs wrk: `apt-get install -y wrk`).

Both services serve the same decision request (customer_id varied per request) over the same
catalogue (no_action + the 7 offers of the simulator's DEFAULT_OFFERS), 1 gunicorn worker x 4
gthreads (or `--workers N`). They are measured one after the other and alternating (ref, nba,
ref, nba) so drift in this shared machine's load shows. Closed loop: `wrk -t1 -c4`; open loop:
benchmarks/open_loop.py in its own process at `--rate`/s, latency from the scheduled send time.
Server CPU per request comes from /proc of the gunicorn master and workers. Targets: nba's
closed-loop throughput >= 0.8x the reference's; open-loop p99 <= 1.5x the reference's and
<= 10 ms; 2 workers >= 1.6x 1 worker; PostgreSQL >= 0.8x SQLite.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import click
import numpy as np
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from nba.bench.http import server_cpu_s
from nba.bench.workload import make_contexts
from nba.errors import Conflict
from nba.serving.catalog import OfferCatalog
from nba.serving.keys import KeyRing
from nba.storage import Database
from simulator.catalog import DEFAULT_OFFERS

HERE = Path(__file__).resolve().parent
KEY = "reference-bench-key"
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}
LUA = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(key)s"
local template = [[%(body)s]]
local n = 0
request = function()
  n = n + 1
  local body = template:gsub("CUSTOMER", string.format("c%%05d", n %% 10000))
  return wrk.format(nil, "/v1/decisions", nil, body)
end
"""
# With the ids of acknowledged decisions appended to a file (for the outcome runs).
CAPTURE = """
local out = io.open("%(ids)s", "a")
response = function(status, headers, body)
  local id = body:match('"decision_id"%%s*:%%s*"([^"]+)"')
  if status == 200 and id then out:write(id, "\\n"); out:flush() end
end
"""
OUTCOMES = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(key)s"
local ids = {}
for line in io.lines("%(ids)s") do ids[#ids + 1] = line end
local sent, answered = 0, 0
request = function()
  sent = sent + 1
  local body = (sent %% 7 == 0) and '{"accepted": true}' or '{"accepted": false}'
  local path = "/v1/decisions/" .. ids[math.min(sent, #ids)] .. "/outcome"
  return wrk.format(nil, path, nil, body)
end
response = function(status, headers, body)
  answered = answered + 1
  if answered >= #ids then wrk.thread:stop() end
end
"""


@dataclass
class Service:
    """One running gunicorn service: label, base URL, key, master pid, its figures."""

    label: str
    base: str
    key: str
    process: subprocess.Popen[bytes]
    figures: dict[str, list[dict[str, float]]] = field(default_factory=dict)

    def worker_pids(self) -> list[int]:
        pid = self.process.pid
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _wait(base: str, path: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise click.ClickException(f"{base} exited:\n{log.read_text()[-2000:]}")
        with suppress(requests.RequestException):
            if requests.get(base + path, timeout=1).status_code == 200:
                return
        time.sleep(0.2)
    raise click.ClickException(f"{base} not ready in 90 s")


def start_reference(tmp: Path, port: int, workers: int) -> Service:
    """The reference service on a fresh SQLite file."""
    log = tmp / f"reference-{port}.log"
    command = [
        sys.executable,
        str(HERE / "reference_service.py"),
        "--port",
        str(port),
        "--key",
        KEY,
        "--db",
        str(tmp / f"reference-{port}.db"),
        "--workers",
        str(workers),
    ]
    process = subprocess.Popen(command, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    _wait(base, "/healthz", process, log)
    return Service(f"reference {workers}w", base, KEY, process)


def start_nba(tmp: Path, port: int, workers: int, database_url: str | None) -> Service:
    """`nba serve` with a crm key and the 7 sample offers (fresh SQLite file, or the URL)."""
    url = database_url or f"sqlite:///{tmp / f'nba-{port}.db'}"
    database = Database(url)
    try:
        database.upgrade()
        key = KeyRing(database).create("crm", "ceiling bench")[1]
        catalog = OfferCatalog(database)
        catalog.ensure_no_action()
        for offer in DEFAULT_OFFERS:
            if offer.category != "none":
                spec = {
                    "id": offer.id,
                    "name": offer.name,
                    "category": offer.category,
                    "cost": offer.cost,
                    "value": offer.value,
                    "features": dict(offer.features),
                }
                with suppress(Conflict):
                    catalog.add(spec)
    finally:
        database.dispose()
    log = tmp / f"nba-{port}.log"
    command = [
        sys.executable,
        "-m",
        "nba",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--threads",
        "4",
        "--database-url",
        url,
    ]
    env = {**os.environ, "NBA_SAVE_INTERVAL_S": "3600", "NBA_SEED": "0"}
    process = subprocess.Popen(command, stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    _wait(base, "/readyz", process, log)
    kind = "postgresql" if database_url else "sqlite"
    return Service(f"nba {workers}w {kind}", base, key, process)


def parse_wrk(text: str) -> dict[str, float]:
    """Requests/s, p50 and p99 (ms) and non-2xx count from `wrk --latency` output."""

    def ms(label: str) -> float:
        found = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        return float(found[1]) * _UNITS[found[2]] if found else float("nan")

    rate = re.search(r"Requests/sec:\s+([\d.]+)", text)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(r"Socket errors:.*?(\d+).*?(\d+).*?(\d+).*?(\d+)", text)
    return {
        "rate": float(rate[1]) if rate else 0.0,
        "p50_ms": ms("50"),
        "p99_ms": ms("99"),
        "errors": (int(bad[1]) if bad else 0)
        + (sum(int(g) for g in errors.groups()) if errors else 0),
    }


def closed_loop(
    service: Service,
    tmp: Path,
    body: str,
    seconds: float,
    connections: int,
    lua: str | None = None,
) -> dict[str, float]:
    """wrk -t1 -cN for `seconds` (decisions, or the `lua` script given); with server CPU per
    request."""
    script = tmp / "load.lua"
    script.write_text(lua or LUA % {"key": service.key, "body": body})
    cpu0 = server_cpu_s(service.process.pid)
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds:g}s",
            "--latency",
            "-s",
            str(script),
            service.base,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    cpu1 = server_cpu_s(service.process.pid)
    result = parse_wrk(out)
    result["cpu_ms"] = _cpu_ms(cpu0, cpu1, result["rate"] * seconds)
    return result


def open_loop(
    service: Service,
    tmp: Path,
    items: Path,
    rate: float,
    seconds: float,
    *,
    cycle: bool = True,
    save_ids: Path | None = None,
) -> dict[str, float]:
    """benchmarks/open_loop.py in its own process; with server CPU per request."""
    command = [
        sys.executable,
        str(HERE / "open_loop.py"),
        "--url",
        service.base,
        "--key",
        service.key,
        "--requests",
        str(items),
        "--rate",
        str(rate),
        "--seconds",
        str(seconds),
    ]
    command += ["--cycle"] if cycle else []
    command += ["--save-ids", str(save_ids)] if save_ids else []
    cpu0 = server_cpu_s(service.process.pid)
    result: dict[str, float] = json.loads(
        subprocess.run(command, capture_output=True, text=True, check=True).stdout
    )
    cpu1 = server_cpu_s(service.process.pid)
    result["cpu_ms"] = _cpu_ms(cpu0, cpu1, result["count"])
    return result


def _cpu_ms(before: float | None, after: float | None, requests_done: float) -> float:
    if before is None or after is None or not requests_done:
        return float("nan")
    return (after - before) / requests_done * 1e3


def _load() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def _median(service: Service, name: str, key: str) -> float:
    return float(np.median([f[key] for f in service.figures.get(name, [])] or [np.nan]))


def _row(service: Service, name: str) -> str:
    runs = service.figures.get(name, [])
    rates = "/".join(f"{f['rate']:.0f}" for f in runs)
    p50 = "/".join(f"{f['p50_ms']:.1f}" for f in runs)
    p99 = "/".join(f"{f['p99_ms']:.1f}" for f in runs)
    cpu = "/".join(f"{f['cpu_ms']:.2f}" for f in runs)
    load = "/".join(str(f["load"]) for f in runs)
    errors = sum(int(f["errors"]) for f in runs)
    return (
        f"{service.label:<22} {name:<7} {rates:>15}/s  p50 {p50:>13} ms  p99 {p99:>15} ms  "
        f"cpu {cpu:>11} ms/req  errors {errors}  load {load}"
    )


@click.command()
@click.option("--duration", type=float, default=8.0, show_default=True, help="Seconds per phase.")
@click.option("--rounds", type=int, default=2, show_default=True, help="ref, nba alternations.")
@click.option("--rate", type=float, default=300.0, show_default=True, help="Open-loop rate/s.")
@click.option("--workers", type=int, default=1, show_default=True, help="2: also 1w, for scaling.")
@click.option("--connections", type=int, default=4, show_default=True, help="wrk -c.")
@click.option("--database-url", default=None, help="Also nba on this database (vs its SQLite).")
@click.option("--outcomes", is_flag=True, help="Also time POST /v1/decisions/{id}/outcome on nba.")
@click.option("--port", type=int, default=18600, show_default=True, help="First port used.")
@click.option(
    "--tmp", type=click.Path(file_okay=False, path_type=Path), default=Path("/tmp/i16/ceiling")
)
@click.option(
    "--profile",
    type=click.Path(dir_okay=False),
    default=None,
    help="py-spy record the workers of nba and the reference (.svg, .json, .txt); with "
    "--outcomes also nba's outcomes (X-outcomes.txt).",
)
def main(
    duration: float,
    rounds: int,
    rate: float,
    workers: int,
    connections: int,
    database_url: str | None,
    outcomes: bool,
    port: int,
    tmp: Path,
    profile: str | None,
) -> None:
    """Reference vs `nba serve`: closed and open loop, alternating, one run."""
    if shutil.which("wrk") is None:
        raise click.ClickException("wrk is missing: apt-get install -y wrk")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    context = make_contexts(1, 20, np.random.default_rng(0))[0]
    body = json.dumps({**context, "customer_id": "CUSTOMER"})
    items = tmp / "decisions.jsonl"
    with items.open("w") as out:
        for i in range(10000):
            out.write(json.dumps(["/v1/decisions", {**context, "customer_id": f"c{i:05d}"}]) + "\n")
    shapes = sorted({1, workers})
    services: list[Service] = []
    try:
        for w in shapes:
            services.append(start_reference(tmp, port + len(services), w))
            services.append(start_nba(tmp, port + len(services), w, None))
            if database_url:
                services.append(start_nba(tmp, port + len(services), w, database_url))
        for service in services:  # warm-up: VW, caches, SQLite files
            closed_loop(service, tmp, body, 2, connections)
        for _ in range(rounds):
            for service in services:
                load = _load()
                service.figures.setdefault("closed", []).append(
                    {**closed_loop(service, tmp, body, duration, connections), "load": load}
                )
                load = _load()
                service.figures.setdefault("open", []).append(
                    {**open_loop(service, tmp, items, rate, duration), "load": load}
                )
        if outcomes:
            nba = next(s for s in services if s.label.startswith("nba"))
            _outcomes(nba, tmp, body, items, rate, duration)
        if profile:
            nba = next(s for s in services if s.label.startswith("nba"))
            _profile(nba, tmp, body, duration, connections, profile)
            ref = next(s for s in services if s.label.startswith("reference"))
            stem = Path(profile)
            ref_path = str(stem.with_name(f"{stem.stem}-reference{stem.suffix}"))
            _profile(ref, tmp, body, duration, connections, ref_path)
            if outcomes:  # outcomes too, over the ids of a fresh closed-loop decision run
                ids_file = tmp / "profile-ids.txt"
                ids_file.unlink(missing_ok=True)
                capture = LUA % {"key": nba.key, "body": body} + CAPTURE % {"ids": ids_file}
                closed_loop(nba, tmp, body, duration, connections, capture)
                answer = OUTCOMES % {"key": nba.key, "ids": ids_file}
                out_path = str(stem.with_name(f"{stem.stem}-outcomes{stem.suffix}"))
                _profile(nba, tmp, body, duration, connections, out_path, answer)
    finally:
        for service in services:
            service.process.send_signal(signal.SIGTERM)
        for service in services:
            try:
                service.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                service.process.kill()
    _report(services, shapes)


def _profile(
    service: Service,
    tmp: Path,
    body: str,
    duration: float,
    connections: int,
    path: str,
    lua: str | None = None,
) -> None:
    """py-spy (samples holding the GIL, 100 Hz) on a service's first worker over one extra closed
    loop, not counted in the figures; format by extension: .svg, .json (speedscope), .txt (raw)."""
    kind = {".json": "speedscope", ".txt": "raw"}.get(Path(path).suffix, "flamegraph")
    spy_path = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    command = [spy_path, "record", "--gil", "-r", "100", "-o", path, "--format", kind,
               "--pid", str(service.worker_pids()[0])]  # fmt: skip
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    profiled = closed_loop(service, tmp, body, duration, connections, lua)
    spy.send_signal(signal.SIGINT)
    spy.wait(timeout=60)
    click.echo(
        f"profiled {service.label} (not counted): {profiled['rate']:.0f}/s for {duration:g} s, "
        f"server CPU {profiled['cpu_ms']:.2f} ms/req -> {path}"
    )


def _outcomes(
    nba: Service, tmp: Path, body: str, items: Path, rate: float, duration: float
) -> None:
    """Closed loop: decisions (ids kept), then one outcome for each; open loop: decisions at
    `rate` (ids kept), then one outcome for each at the same rate."""
    ids_file = tmp / "closed-ids.txt"
    ids_file.unlink(missing_ok=True)
    capture = LUA % {"key": nba.key, "body": body} + CAPTURE % {"ids": ids_file}
    load = _load()
    nba.figures["c-dec"] = [{**closed_loop(nba, tmp, body, duration, 4, capture), "load": load}]
    answer = OUTCOMES % {"key": nba.key, "ids": ids_file}
    load = _load()
    nba.figures["c-out"] = [{**closed_loop(nba, tmp, body, duration, 4, answer), "load": load}]
    ids_file = tmp / "ids.txt"
    load = _load()
    nba.figures["o-dec"] = [
        {**open_loop(nba, tmp, items, rate, duration, save_ids=ids_file), "load": load}
    ]
    ids = ids_file.read_text().split()
    answers = tmp / "outcomes.jsonl"
    with answers.open("w") as out:
        for i, decision_id in enumerate(ids):
            out.write(
                json.dumps([f"/v1/decisions/{decision_id}/outcome", {"accepted": i % 7 == 0}])
                + "\n"
            )
    load = _load()
    nba.figures["outcome"] = [
        {**open_loop(nba, tmp, answers, rate, duration, cycle=False), "load": load}
    ]


def _report(services: list[Service], shapes: list[int]) -> None:
    click.echo("\nper run: values for each round, in order; load = 1-min load average at its start")
    for service in services:
        for name in service.figures:
            click.echo(_row(service, name))
    click.echo("\nratios (medians over rounds):")
    for w in shapes:
        ref = next(s for s in services if s.label == f"reference {w}w")
        nba = next(s for s in services if s.label == f"nba {w}w sqlite")
        closed = _median(nba, "closed", "rate") / _median(ref, "closed", "rate")
        p99_open = _median(nba, "open", "p99_ms")
        click.echo(f"  {w}w closed-loop throughput nba/reference {closed:.2f}x (target >= 0.8)")
        click.echo(
            f"  {w}w open-loop p99 nba/reference {p99_open / _median(ref, 'open', 'p99_ms'):.2f}x "
            f"(target <= 1.5), nba p99 {p99_open:.1f} ms (target <= 10)"
        )
        click.echo(
            f"  {w}w server CPU per decision (closed loop) nba "
            f"{_median(nba, 'closed', 'cpu_ms'):.2f} ms "
            f"vs reference {_median(ref, 'closed', 'cpu_ms'):.2f} ms"
        )
        pg = next((s for s in services if s.label == f"nba {w}w postgresql"), None)
        if pg is not None:
            ratio = _median(pg, "closed", "rate") / _median(nba, "closed", "rate")
            click.echo(
                f"  {w}w nba PostgreSQL/SQLite closed-loop throughput {ratio:.2f}x (target >= 0.8)"
            )
        if "outcome" in nba.figures:
            co, cd = nba.figures["c-out"][0], nba.figures["c-dec"][0]
            click.echo(
                f"  closed-loop outcomes {co['rate']:.0f}/s vs decisions {cd['rate']:.0f}/s: "
                f"{co['rate'] / cd['rate']:.2f}x (target >= 1); p99 {co['p99_ms']:.1f} ms vs "
                f"{cd['p99_ms']:.1f} ms"
            )
            o, d = nba.figures["outcome"][0], nba.figures["o-dec"][0]
            click.echo(
                f"  outcomes at {o['rate']:.0f}/s: p99 {o['p99_ms']:.1f} ms "
                f"(decisions {d['p99_ms']:.1f} ms); "
                f"server CPU {o['cpu_ms']:.2f} vs {d['cpu_ms']:.2f} ms/req: capacity per worker "
                f"outcome/decision {d['cpu_ms'] / o['cpu_ms']:.2f}x (target >= 1)"
            )
    if len(shapes) == 2:
        for kind in ("reference", "nba"):
            one = next(s for s in services if s.label.startswith(f"{kind} 1w"))
            two = next(s for s in services if s.label.startswith(f"{kind} {shapes[1]}w"))
            scale = _median(two, "closed", "rate") / _median(one, "closed", "rate")
            click.echo(f"  {kind} closed-loop scaling {shapes[1]}w/1w {scale:.2f}x (target >= 1.6)")


if __name__ == "__main__":
    main()
