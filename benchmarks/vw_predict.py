"""Raw VW predict time against `VWPolicy.rank` on one decision (10 offers, 20 context fields).

Run: `python benchmarks/vw_predict.py [N]` (N timed calls per figure, default 5000).
"raw" builds the 11 text lines with plain f-strings (no validation), parses them and calls
`predict_one`; "rank" is the full policy call (validation, sanitising, cached offer lines,
pmf mapped to the candidates' order, a frozen Ranking).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

import numpy as np
import vowpal_wabbit_next as vw

from policies import Candidate, Context, Event, VWPolicy, freeze_features


def _timings_us(call: Callable[[], object], n: int) -> tuple[float, float]:
    for _ in range(min(200, n)):
        call()
    samples = []
    for _ in range(n):
        start = time.perf_counter_ns()
        call()
        samples.append(time.perf_counter_ns() - start)
    samples.sort()
    return statistics.median(samples) / 1000, samples[int(0.99 * (n - 1))] / 1000


def main(n: int = 5000) -> None:
    """Print median and p99 microseconds for raw VW predict and for `VWPolicy.rank`."""
    rng = np.random.default_rng(7)
    fields: dict[str, float | str] = {f"num_{i}": round(float(rng.normal()), 3) for i in range(10)}
    fields.update({f"cat_{i}": f"v{int(rng.integers(5))}" for i in range(10)})
    context = Context(0.82, freeze_features(fields))
    categories = ("discount", "device", "loyalty", "data_bonus", "upsell", "service", "none")
    offers = [
        Candidate(
            f"offer_{k}",
            categories[k % len(categories)],
            freeze_features({"pct": 5 * k, "channel": "sms" if k % 2 else "call"}),
        )
        for k in range(10)
    ]
    policy = VWPolicy(rng)
    policy.learn(
        Event(context, tuple(offers), int(rng.integers(10)), 0.1, float(rng.random() < 0.2))
        for _ in range(2000)
    )
    workspace = vw.Workspace(model_data=policy.vw_model())
    parser = vw.TextFormatParser(workspace)

    def raw() -> object:
        shared = "shared |s churn:0.82 churn_dec=8 " + " ".join(
            f"{k}={v}" if isinstance(v, str) else f"{k}:{v}" for k, v in fields.items()
        )
        lines = [shared] + [
            f"|a pct:{5 * k} channel={'sms' if k % 2 else 'call'} category={o.category} "
            f"offer={o.offer_id}"
            for k, o in enumerate(offers)
        ]
        return workspace.predict_one([parser.parse_line(line) for line in lines])

    reward = VWPolicy(np.random.default_rng(1), scores="reward")
    reward.load(policy.save())
    uncached = VWPolicy(np.random.default_rng(2), cache_size=0)
    uncached.load(policy.save())
    figures = {
        "raw VW build+parse+predict": _timings_us(raw, n),
        "VWPolicy.rank": _timings_us(lambda: policy.rank(context, offers), n),
        "VWPolicy.rank, cache_size=0": _timings_us(lambda: uncached.rank(context, offers), n),
        'VWPolicy.rank, scores="reward"': _timings_us(lambda: reward.rank(context, offers), n),
        "VWPolicy.explain": _timings_us(
            lambda: policy.explain(context, offers, 0), max(n // 50, 20)
        ),
    }
    base = figures["raw VW build+parse+predict"][0]
    print(f"{'figure':34} {'median us':>10} {'p99 us':>10} {'x raw':>6}")
    for name, (median, p99) in figures.items():
        print(f"{name:34} {median:10.1f} {p99:10.1f} {median / base:6.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
