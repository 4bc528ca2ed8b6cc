"""DSJSON out (VW's own parser reads it) and in (real Decision Service quirks), warm start."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import vowpal_wabbit_next as vw
from click.testing import CliRunner

from nba.cli import main
from nba.ope.logs import from_frame, read_decision_log
from nba.personalizer.dsjson import dsjson_lines, parse_event, read_events
from tests.personalizer.conftest import rank_body

DATA = Path(__file__).with_name("data")
V1 = "/personalizer/v1.0"
BEST = {"morning": "salad", "noon": "pasta", "night": "soup"}


def test_real_decision_service_quirks_are_read():
    events = {e.event_id: e for e in read_events(DATA / "decision_service.dsjson")}
    dup = events["dup-tags"]
    assert [a for a, _ in dup.actions] == ["story-a", "story-b", "story-a#2"]
    assert dup.chosen == 2 and dup.reward == 1.0 and dup.probabilities == (0.1, 0.1, 0.8)
    assert dup.context == ({"Geo": {"country": "France", "_countrycf": "8"}},)
    assert dup.actions[0][1] == ({"_title": "A", "Tags": {"x": 0.5}},)  # `j`: the features
    assert events["line-2"].pdrop == 0.9 and events["line-2"].reward == 0.5
    from_o = events["from-o"]
    assert from_o.reward == 1.0 and from_o.context == ({"timeofday": "Evening"},)
    assert from_o.timestamp is not None and from_o.timestamp.year == 2021
    assert events["skipped"].skip_learn and events["skipped"].reward is None
    old = events["line-6"]  # the older top-level form: _label_Cost, _label_Probability
    assert (old.chosen, old.reward, old.propensity) == (1, -1.0, 0.5)
    assert old.probabilities == (0.5, 0.5)
    assert len(events) == 5  # the outcome line and the unlabelled line hold no decision


def test_nba_evaluate_reads_decision_service_logs(tmp_path):
    data = from_frame(read_decision_log(DATA / "decision_service.dsjson"))
    assert data.n == 4  # the skipped event has no reward: not evaluated
    assert "story-a#2" in data.offer_ids


def test_a_bad_line_is_refused_naming_it():
    with pytest.raises(Exception, match="line 3"):
        parse_event({"_labelIndex": 5, "c": {"_multi": [{}]}}, 3)


def test_an_exported_loop_log_is_read_by_vws_dsjson_parser(http, key, loop_runtime, loop):
    headers = key()
    for i in range(6):
        event = http.post(f"{V1}/rank", json=rank_body(deferActivation=i == 5), headers=headers)
        http.post(f"{V1}/events/{event.json['eventId']}/reward", json={"value": i % 2},
                  headers=headers)  # fmt: skip
    parts = loop_runtime.personalizer
    parts.trainer.train(parts.loops.state(loop))
    lines = list(dsjson_lines(parts.admin.logged(loop)))
    workspace = vw.Workspace(["--cb_explore_adf", "--dsjson", "--quiet"])
    parser = vw.DSJsonFormatParser(workspace)
    labelled = 0
    for line in lines:
        examples = parser.parse_json(line)
        assert len(examples) == 1 + 3  # the shared example and the three actions
        labels = [e.get_label().label for e in examples[1:]]
        labelled += sum(label is not None for label in labels)
        workspace.learn_one(examples)
    assert labelled == 6
    first = json.loads(lines[0])
    assert list(first)[:4] == ["_label_cost", "_label_probability", "_label_Action", "_labelIndex"]
    assert json.loads(lines[-1])["_skipLearn"] is True
    round_trip = [parse_event(json.loads(line)) for line in lines]
    assert [e.event_id for e in round_trip] == [s.event_id for s in parts.admin.logged(loop)]


def test_nba_loops_import_warm_starts_a_loop_that_then_serves_what_it_learned(
    http, key, loop_runtime, loop, tmp_path
):
    path = tmp_path / "personalizer.dsjson"
    path.write_text("".join(line + "\n" for line in _food_log(400)))
    headers = key()  # makes the loop
    runner = CliRunner()
    url = loop_runtime.settings.database.resolved_url
    reply = runner.invoke(main, ["loops", "import", str(path), "--loop", loop, "--seed", "3",
                                 "--database-url", url])  # fmt: skip
    assert reply.exit_code == 0, reply.output
    loop_runtime.personalizer.models.forget(loop)
    for time_of_day, best in BEST.items():
        body = {"contextFeatures": [{"time": time_of_day}], "actions": _food_actions()}
        ranking = http.post(f"{V1}/rank", json=body, headers=headers).json["ranking"]
        top = max(ranking, key=lambda r: r["probability"])
        assert top["id"] == best, (time_of_day, ranking)


def test_nba_loops_export_writes_the_log(http, key, loop_runtime, loop, tmp_path):
    headers = key()
    http.post(f"{V1}/rank", json=rank_body(), headers=headers)
    out = tmp_path / "out.dsjson"
    url = loop_runtime.settings.database.resolved_url
    reply = CliRunner().invoke(main, ["loops", "export", loop, "--out", str(out),
                                      "--database-url", url])  # fmt: skip
    assert reply.exit_code == 0, reply.output
    assert len(out.read_text().splitlines()) == 1


def _food_actions():
    return [{"id": f, "features": [{"food": {"kind": f}}]} for f in ("salad", "pasta", "soup")]


def _food_log(n: int) -> list[str]:
    """A Personalizer-style export: uniform logging, reward 1 for the time's best food."""
    rng = np.random.default_rng(5)
    actions = _food_actions()
    lines = []
    for i in range(n):
        time_of_day = list(BEST)[int(rng.integers(3))]
        chosen = int(rng.integers(3))
        reward = float(actions[chosen]["id"] == BEST[time_of_day])
        order = [chosen, *(k for k in range(3) if k != chosen)]
        lines.append(json.dumps({
            "_label_cost": -reward, "_label_probability": 1 / 3, "_label_Action": chosen + 1,
            "_labelIndex": chosen, "EventId": f"e{i}", "a": [k + 1 for k in order],
            "c": {"FromUrl": [{"time": time_of_day}],
                  "_multi": [{"_tag": a["id"], "i": {"constant": 1, "id": a["id"]},
                              "j": a["features"]} for a in actions]},
            "p": [1 / 3] * 3,
        }))  # fmt: skip
    return lines
