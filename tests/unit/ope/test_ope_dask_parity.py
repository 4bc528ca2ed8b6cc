"""The Dask engine of `nba evaluate` gives the in-process engine's results (2-worker cluster)."""

from __future__ import annotations

import base64
import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from nba.cli import main
from nba.logschema import write_log
from nba.ope.candidates import parse_candidate
from nba.ope.logs import from_frame, read_decision_log
from nba.ope.run import EvaluationResult, run_evaluation
from nba.ope.scoring import score
from nba.ope.synthetic import decision_log

distributed = pytest.importorskip("dask.distributed")
# dask's Parquet reader still calls reset_index(inplace=True), which pandas deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:DeprecationWarning")

ESTIMATORS = ("ips", "snips", "cips", "dm", "dr", "sndr", "switch_dr", "dr_os")
CATEGORIES = {"offer_1": "discount", "offer_2": "loyalty", "offer_3": "upsell", "no_action": "none"}


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    )
    with cluster, distributed.Client(cluster) as connected:
        yield connected


@pytest.fixture
def log_folder(tmp_path):
    """A 2,500-row log in five Parquet files of uneven sizes, the first without rewards."""
    frame = decision_log(2500, np.random.default_rng(21))
    frame.loc[:99, "reward"] = np.nan
    folder = tmp_path / "log"
    for i, (start, stop) in enumerate([(0, 100), (100, 700), (700, 1500), (1500, 1501),
                                       (1501, 2500)]):  # fmt: skip
        write_log(frame.iloc[start:stop].reset_index(drop=True), folder / f"part-{i}.parquet")
    return folder


@pytest.fixture
def trained_model(log_folder, tmp_path):
    """A VW model trained on the log, as a `model:FILE` envelope."""
    import policies

    policy = policies.get("vw-epsilon", rng=np.random.default_rng(4))
    data = from_frame(read_decision_log(log_folder))
    score(policy, data, categories=CATEGORIES, learn_every=50)
    envelope = tmp_path / "model.json"
    envelope.write_text(
        json.dumps({"policy": "vw-epsilon", "params": {},
                    "model_b64": base64.b64encode(policy.save()).decode()})
    )  # fmt: skip
    return envelope


def _figures(result: EvaluationResult) -> dict[tuple[str, ...], object]:
    """Every figure of a result, by where it is."""
    out: dict[tuple[str, ...], object] = {}
    out.update({("baseline", k): v for k, v in result.baseline.as_dict().items()})
    for c in result.candidates:
        for e in c.estimates:
            out.update({(c.name, e.name, k): v for k, v in e.as_dict().items()})
        for row in c.by_band:
            out.update({(c.name, "band", str(row["band"]), k): v for k, v in row.items()})
        for row in c.by_offer:
            out.update({(c.name, "offer", str(row["offer_id"]), k): v for k, v in row.items()})
    return out


def test_the_dask_engine_estimates_as_the_local_engine_does(client, log_folder, trained_model):
    from nba.ope.dask_engine import evaluate_on_dask

    specs = ["random", "rules", f"model:{trained_model}"]
    candidates = [parse_candidate(spec, CATEGORIES) for spec in specs]
    data = from_frame(read_decision_log(log_folder))
    local = run_evaluation(data, candidates, ESTIMATORS, 0.05, 100, 11, str(log_folder))
    dask = evaluate_on_dask(client, str(log_folder), candidates, ESTIMATORS, 0.05, 100, 11)
    assert dask.rows_read == 2500 and dask.result.n_rows == data.n
    expected, found = _figures(local), _figures(dask.result)
    assert found.keys() == expected.keys()
    for where, value in expected.items():
        if isinstance(value, float):
            assert found[where] == pytest.approx(value, rel=1e-9, abs=1e-12), where
        else:
            assert found[where] == value, where
    values = [e.value for c in local.candidates for e in c.estimates]
    assert all(math.isfinite(v) for v in values) and len(set(values)) > len(ESTIMATORS)


def test_a_bad_scheduler_address_is_an_error_naming_the_option(log_folder, tmp_path):
    for address in ("tcp://127.0.0.1:1", "nowhere"):
        result = CliRunner().invoke(
            main,
            ["evaluate", str(log_folder), "--policy", "random", "--engine", "dask",
             "--scheduler", address, "--out", str(tmp_path)],
        )  # fmt: skip
        assert result.exit_code == 2, result.output
        assert "--scheduler" in result.output and "Traceback" not in result.output


def test_progressive_validation_is_refused_on_the_dask_engine(log_folder, tmp_path):
    result = CliRunner().invoke(
        main,
        ["evaluate", str(log_folder), "--policy", "policy:lints", "--engine", "dask",
         "--out", str(tmp_path)],
    )  # fmt: skip
    assert result.exit_code == 1 and "--engine local" in result.output
