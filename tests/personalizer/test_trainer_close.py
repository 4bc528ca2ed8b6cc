"""Closing a runtime publishes what its loops' trainer learned since the last export."""

from __future__ import annotations

from nba.runtime import build_runtime
from nba.storage import Database
from nba.storage import personalizer as store
from tests.personalizer.conftest import rank_body


def test_close_publishes_what_was_learned_since_the_last_export(settings):
    runtime = build_runtime(settings)
    service, trainer = runtime.personalizer.service, runtime.personalizer.trainer
    for expected in (1, 1):
        event = service.rank("default", rank_body())["eventId"]
        service.reward("default", event, {"value": 1.0})
        assert trainer.run() == {"default": expected}
    runtime.close()  # the second event was learned within the export interval: not yet out
    database = Database(settings.database.resolved_url)
    with database.session(readonly=True) as session:
        model = store.latest_model(session, "default")
    database.dispose()
    assert model is not None and model.version == 2 and model.events == 1
