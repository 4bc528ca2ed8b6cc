"""Where a worker's GIL-holding samples go, by part of the request path.

`python benchmarks/profile_split.py /tmp/i16/profile.txt [--per-request-ms 3.9]` reads a
`py-spy record --format raw` file (collapsed stacks) from benchmarks/http_ceiling.py
`--profile X.txt` and prints each part's share; given the CPU per request, also in ms.
A sample goes to the first part (in the order below) one of its frames belongs to.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

# (part, substrings of a frame): first match over the whole stack wins, in this order.
PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "background jobs (apscheduler, learner)",
        ("apscheduler/", "_logged.<locals>.run", "Timer.run"),
    ),
    ("VW predict (native)", ("Workspace.predict_one",)),
    ("VW text build + parse", ("policies/encoding.py", "policies/vw/examples.py", "parse_line")),
    ("auth: key lookup", ("api/auth.py:76", "KeyRing.authenticate", "find_api_key")),
    ("rate limits", ("flask_limiter/", "limits/", "api/limits.py")),
    ("body: JSON + validation", ("api/bodies.py", "nba/schemas/_common.py", "model_validate")),
    (
        "reply building",
        ("decision_reply", "DecisionReply", "jsonify", "JSONProvider", "api/replies.py"),
    ),
    (
        "decision row write",
        ("add_decisions", "log_decisions", "Database.insert", "decide (reference_service.py"),
    ),
    ("budgets reserve", ("budgets.py",)),
    ("eligibility + offer cache", ("_eligible", "eligibility.py", "offer_cache.py")),
    ("rank: policy wrapper, sampling", ("ModelKeeper.rank", "Decider._plan", "VWPolicy.rank")),
    ("DB session open/close (SQLAlchemy)", ("Database.session", "sqlalchemy/")),
    ("other nba decide", ("nba/serving/", "api/routes/")),
    ("metrics, access log", ("api/metrics.py", "nba/logs.py", "api/access")),
    ("Flask + Werkzeug", ("flask/", "werkzeug/")),
    ("gunicorn (HTTP parse, socket, loop)", ("gunicorn/",)),
)


def split(lines: list[str]) -> tuple[Counter[str], int]:
    """Samples per part, and the total."""
    parts: Counter[str] = Counter()
    total = 0
    for line in lines:
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        total += n
        part = next((p for p, keys in PARTS if any(k in stack for k in keys)), "other")
        parts[part] += n
    return parts, total


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__)
    cli.add_argument("profile", type=Path)
    cli.add_argument("--per-request-ms", type=float, default=None)
    args = cli.parse_args()
    parts, total = split(args.profile.read_text().splitlines())
    print(f"{total} samples holding the GIL")
    for part, n in parts.most_common():
        ms = f"  {n / total * args.per_request_ms:.2f} ms/req" if args.per_request_ms else ""
        print(f"{100 * n / total:5.1f}%  {part}{ms}")


if __name__ == "__main__":
    main()
