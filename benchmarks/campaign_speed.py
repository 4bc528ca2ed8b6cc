"""A campaign end to end: N simulated customers x the simulator's 8 offers, budgets binding.

Run: `python benchmarks/campaign_speed.py [--customers N] [--engine local|dask]
[--scheduler local|tcp://HOST:PORT] [--batch-size B]` (default 1,000,000 customers, the Dask
engine on a 2-worker LocalCluster: both cores). It writes the customers (Parquet), trains
VW on 5,000 simulated decisions, stores it as the active model in a SQLite database under
/tmp/nba-campaign-bench, and runs `CampaignRunner` as `nba campaign run` does; prints the
time of each pass, the scoring rate next to raw VW predict on the same customers, and the
peak memory of this process during the campaign (and the Dask workers' peaks).

"raw VW predict" is `Workspace.predict_one` on examples parsed beforehand, once with the
debug tree a scoring workspace needs for its scores and once without it (a pmf only);
"scoring" is `CampaignScorer.score` from checked rows to the score matrix, eligibility and
clipping included, per customer (all 8 offers).
"""

from __future__ import annotations

import argparse
import resource
import shutil
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
    parser.add_argument("--engine", choices=("local", "dask"), default="dask")
    parser.add_argument("--scheduler", default="local")
    parser.add_argument("--batch-size", type=int, default=50_000)
    args = parser.parse_args()

    shutil.rmtree(FOLDER, ignore_errors=True)
    FOLDER.mkdir(parents=True)
    start = time.perf_counter()
    world = campaign_world(args.customers, 17)
    path = FOLDER / "customers.parquet"
    customers_frame(world).to_parquet(path, row_group_size=args.batch_size)
    del world
    policy = trained_policy(20_000, 5_000, 17)
    url = f"sqlite:///{FOLDER / 'nba.db'}"
    database = Database(url)
    database.upgrade()
    with database.session() as session:
        for offer in DEFAULT_OFFERS:
            offers.add_offer(session, offer)
        models.add_model_version(session, policy.name, policy.params, policy.save(), None)
    print(f"setup (customers, model, database): {time.perf_counter() - start:.1f} s")

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
        engine = LocalEngine()
    marks: dict[str, float] = {}

    def progress(phase: str, done: int, total: int) -> None:
        marks.setdefault(phase, time.perf_counter())
        marks[phase + " end"] = time.perf_counter()

    begin = time.perf_counter()
    try:
        done = runner.run(campaign.id, engine=engine, progress=progress)
        workers = engine._client.run(_peak_mb) if args.engine == "dask" else {}  # type: ignore[attr-defined]
    finally:
        if args.engine == "dask":
            engine.close()  # type: ignore[attr-defined]
    total = time.perf_counter() - begin
    print(f"campaign of {n:,} customers x {len(DEFAULT_OFFERS)} offers ({args.engine}): "
          f"{total:.1f} s end to end, {n / total:,.0f} customers/s")  # fmt: skip
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

    # Scoring against raw VW predict, on the same customers (after the campaign: VW's parsed
    # examples take ~32 KB each and are never freed, they would count in its peak memory).
    source = ModelSource(policy.name, dict(policy.params), policy.save(), 1, 0)
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


if __name__ == "__main__":
    main()
