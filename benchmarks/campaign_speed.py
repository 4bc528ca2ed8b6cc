"""A campaign end to end: N simulated customers x the simulator's 8 offers, budgets binding.

Run: `python benchmarks/campaign_speed.py [--customers N] [--engine local|dask]
[--workers W] [--scheduler local|tcp://HOST:PORT] [--batch-size B]` (default 1,000,000
customers, batches of 20,000, the local engine with 2 worker processes: both cores). A child
process writes the customers (Parquet), trains VW on 5,000 simulated decisions and stores it
as the active model in a SQLite database under /tmp/nba-campaign-bench; this process then
runs `CampaignRunner` as `nba campaign run` does, and prints the time of each pass, the rate
in customers (input rows) a second, the peak memory of this process and of each worker
during the campaign, the scoring rate next to raw VW predict on the same customers (a ratio)
and the machine's load average before and after (it is shared).

"raw VW predict" is `Workspace.predict_one` on examples parsed beforehand, once with the
debug tree a scoring workspace needs for its scores and once without it (a pmf only);
"scoring" is `CampaignScorer.score` from checked rows to the score matrix, eligibility and
clipping included, per customer (all 8 offers).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import shutil
import threading
import time
from pathlib import Path

import vowpal_wabbit_next as vw

from nba.campaigns import CampaignRunner, CampaignSpec, LocalEngine
from nba.campaigns.model import ModelSource
from nba.campaigns.reading import checked, read_batches
from nba.campaigns.scoring import CampaignScorer
from nba.clock import utc_now
from nba.config import RewardMode, Settings
from nba.storage import Database, models, offers
from policies.base import Candidate, Context
from policies.encoding import action_line, shared_line
from simulator.campaign import campaign_world, customers_frame, trained_policy
from simulator.catalog import DEFAULT_OFFERS

FOLDER = Path("/tmp/nba-campaign-bench")
SCORED = 2_000


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _ChildPeaks:
    """The peak memory (VmHWM, MB) and CPU time (s) of each process descended from this one,
    polled meanwhile (the local engine's workers are children of multiprocessing's fork
    server); CPU time as last seen, up to 0.2 s before the process ended."""

    def __init__(self) -> None:
        self.peaks: dict[int, float] = {}
        self.cpu_s: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> _ChildPeaks:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _poll(self) -> None:
        while not self._stop.wait(0.2):
            for pid in _descendants(os.getpid()):
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                self.cpu_s[pid] = (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):
                        mb = int(line.split()[1]) / 1024
                        self.peaks[pid] = max(self.peaks.get(pid, 0.0), mb)


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    for listing in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            children = [int(c) for c in listing.read_text().split()]
        except OSError:
            continue
        for child in children:
            found += [child, *_descendants(child)]
    return found


def _set_up(customers: int, batch_size: int, path: Path, url: str) -> None:
    """The customers' file and the database with the offers and the trained model."""
    world = campaign_world(customers, 17)
    customers_frame(world).to_parquet(path, row_group_size=batch_size)
    del world
    policy = trained_policy(20_000, 5_000, 17)
    database = Database(url)
    database.upgrade()
    with database.session() as session:
        for offer in DEFAULT_OFFERS:
            offers.add_offer(session, offer)
        models.add_model_version(session, policy.name, policy.params, policy.save(), None)
    database.dispose()


def _raw_predict_rate(data: bytes, contexts: list[Context], debug: bool) -> float:
    """Customers a second through `predict_one` alone, examples parsed beforehand."""
    workspace = vw.Workspace(model_data=data, enable_debug_tree=debug)
    parser = vw.TextFormatParser(workspace)
    actions = [action_line(Candidate(o.id, o.category, o.features)) for o in DEFAULT_OFFERS]
    events = [[parser.parse_line(shared_line(c)), *map(parser.parse_line, actions)]
              for c in contexts]  # fmt: skip
    start = time.perf_counter()
    for examples in events:
        workspace.predict_one(examples)
    return len(events) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--engine", choices=("local", "dask"), default="local")
    parser.add_argument("--workers", type=int, default=2, help="local engine's processes")
    parser.add_argument("--scheduler", default="local")
    parser.add_argument("--batch-size", type=int, default=20_000)
    args = parser.parse_args()

    shutil.rmtree(FOLDER, ignore_errors=True)
    FOLDER.mkdir(parents=True)
    start = time.perf_counter()
    path = FOLDER / "customers.parquet"
    url = f"sqlite:///{FOLDER / 'nba.db'}"
    # In a child process, so that the peak memory of this one is the campaign's.
    setup = multiprocessing.get_context("spawn").Process(
        target=_set_up, args=(args.customers, args.batch_size, path, url)
    )
    setup.start()
    setup.join()
    if setup.exitcode != 0:
        raise SystemExit(f"the setup failed (exit code {setup.exitcode})")
    database = Database(url)
    with database.session(readonly=True) as session:
        stored = models.active_model_version(session)
    assert stored is not None
    print(f"setup (customers, model, database, in a child process): "
          f"{time.perf_counter() - start:.1f} s")  # fmt: skip

    n = args.customers
    spec = CampaignSpec(
        input=str(path), out=str(FOLDER / "assignments.parquet"),
        offers=tuple(o.id for o in DEFAULT_OFFERS[1:]), seed=5,
        budgets=(("discount_25", n * 0.004), ("device_upgrade", n * 0.003)),
        spend=(("technician_visit", n * 0.2),), holdout=0.05, exploration=0.05,
        batch_size=args.batch_size,
    )  # fmt: skip
    settings = Settings(database_url=url, data_dir=FOLDER)
    runner = CampaignRunner(database, settings)
    campaign = runner.create(spec)
    if args.engine == "dask":
        from nba.campaigns.dask_engine import DaskEngine

        engine = DaskEngine.connect(args.scheduler)
    else:
        engine = LocalEngine(workers=args.workers)
    marks: dict[str, float] = {}

    def progress(phase: str, done: int, total: int) -> None:
        marks.setdefault(phase, time.perf_counter())
        marks[phase + " end"] = time.perf_counter()

    load_before = os.getloadavg()[0]
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    begin = time.perf_counter()
    try:
        with _ChildPeaks() as children:
            done = runner.run(campaign.id, engine=engine, progress=progress)
        workers = (
            engine._client.run(_peak_mb)  # type: ignore[attr-defined]
            if args.engine == "dask"
            else {pid: mb for pid, mb in children.peaks.items() if mb > 50}  # not the tracker
        )
    finally:
        if args.engine == "dask":
            engine.close()  # type: ignore[attr-defined]
    total = time.perf_counter() - begin
    load_after = os.getloadavg()[0]
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    own_cpu = cpu_after.ru_utime + cpu_after.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime
    worker_cpu = sum(s for pid, s in children.cpu_s.items() if pid in workers)
    how = f"{args.workers} worker processes" if args.engine == "local" else "Dask"
    print(f"campaign of {n:,} customers x {len(DEFAULT_OFFERS)} offers ({args.engine}, {how}, "
          f"batches of {args.batch_size:,}): {total:.1f} s end to end, "
          f"{n / total:,.0f} customers (input rows) a second")  # fmt: skip
    print(f"  load average (1 min) of this shared 2-core machine: {load_before:.1f} before, "
          f"{load_after:.1f} after")  # fmt: skip
    print(f"  plan (check every row, score the {done.plan['sample_rows']:,} sampled, solve): "
          f"{marks['plan end'] - begin:.1f} s; assign and log: "
          f"{marks['assign end'] - marks['plan end']:.1f} s; output: "
          f"{begin + total - marks['assign end']:.1f} s")  # fmt: skip
    for o in done.summary["offers"]:
        if o["cap_accepts"] is not None:
            print(f"  {o['offer_id']}: {o['expected_accepts']:,.0f} of {o['cap_accepts']:,.0f} "
                  f"expected accepts, shadow price {o['shadow_price']:.3g}")  # fmt: skip
    print(f"peak memory of the campaign: this process {_peak_mb():,.0f} MB"
          + "".join(f", worker {mb:,.0f} MB" for mb in workers.values()))  # fmt: skip
    if args.engine == "local":
        print(f"CPU time: this process {own_cpu:.1f} s ({own_cpu / n * 1e6:.0f} us a customer), "
              f"the workers {worker_cpu:.1f} s ({worker_cpu / n * 1e6:.0f} us a customer; "
              f"the fork server's included)")  # fmt: skip

    # Scoring against raw VW predict, on the same customers (after the campaign: VW's parsed
    # examples take ~32 KB each and are never freed, they would count in its peak memory).
    source = ModelSource(stored.policy, dict(stored.params), stored.data, 1, 0)
    served = source.build()
    scorer = CampaignScorer(served, DEFAULT_OFFERS, reward_mode=RewardMode.ACCEPTANCE,
                            reward_scale=100.0, channel=None, now=utc_now())  # fmt: skip
    first, raw = next(read_batches(str(path), SCORED))
    batch, _ = checked(raw, first)
    contexts = [Context(float(c), ctx) for c, ctx in zip(batch.churn_scores, batch.contexts,
                                                           strict=True)]  # fmt: skip
    scorer.score(batch)  # the first batch checks the linear form against VW
    begin = time.perf_counter()
    scorer.score(batch)
    scoring = batch.size / (time.perf_counter() - begin)
    vw_model = served.vw_model()  # type: ignore[attr-defined]
    raw_debug = _raw_predict_rate(vw_model, contexts, debug=True)
    raw_plain = _raw_predict_rate(vw_model, contexts, debug=False)
    print(f"scoring (checked rows -> 8 scores, batch path: {scorer.is_linear}): "
          f"{scoring:,.0f} customers/s")  # fmt: skip
    print(f"raw VW predict_one with the debug tree: {raw_debug:,.0f} customers/s "
          f"(scoring is {scoring / raw_debug:.2f}x)")  # fmt: skip
    print(f"raw VW predict_one, pmf only: {raw_plain:,.0f} customers/s "
          f"(scoring is {scoring / raw_plain:.2f}x)")  # fmt: skip
    print(f"the whole campaign (read, check, score, assign, log, write) against raw VW "
          f"predict_one on one core: {n / total / raw_debug:.2f}x with the debug tree, "
          f"{n / total / raw_plain:.2f}x pmf only")  # fmt: skip


if __name__ == "__main__":
    main()
