"""Running a campaign: plan (check every row, solve prices on a sample), then assign and log.

The planning pass reads the whole file: it checks every row (with `bad_rows="refuse"` a bad
row stops the campaign before anything is written), finds customers named twice, and scores
a sample of at most `sample_size` treated customers, on which the prices are solved. The plan
is stored; the assigning pass then scores every batch, assigns it with the plan's prices,
writes its part of the output and commits its decisions and assignment rows together.

A rerun after a crash continues: the stored plan (prices, model version, time, contact
policy) is reused, so every batch gets the same assignments; batches whose part and
decisions are in are skipped, and the (campaign, customer) key refuses any second assignment
of a customer.

Both passes assign under the contact policy (`nba.campaigns.contacts`) at the campaign's
send time, on its channel. A channel in quiet hours then for every customer (a window read on
its own clock) is refused when the campaign is submitted, and again when it is planned.
"""

from __future__ import annotations

import logging
import uuid
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime

import numpy as np
import pyarrow.parquet as pq

from nba.campaigns import output
from nba.campaigns.batches import Survey
from nba.campaigns.contacts import CampaignContacts, ContactReader
from nba.campaigns.engines import Engine, LocalEngine, ScoringJob
from nba.campaigns.model import model_source
from nba.campaigns.planning import prices_of, solve_prices
from nba.campaigns.reading import BadRow, count_rows
from nba.campaigns.records import Recorded, assignment_rows
from nba.campaigns.scoring import Scores
from nba.campaigns.spec import CampaignSpec
from nba.campaigns.summary import summarise
from nba.clock import parse_time, utc_now
from nba.config import RewardMode, Settings
from nba.contact_policy import ContactPolicy
from nba.domain import NO_ACTION_ID, Campaign, Offer
from nba.errors import Conflict, InvalidInput, NotFound
from nba.schemas import parse
from nba.schemas.contacts import ContactPolicyBody, contact_policy_reply
from nba.serving.catalog import NO_ACTION
from nba.serving.contact_rules import quiet_for_everyone, read_policy
from nba.storage import Database, campaigns, offers

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
"""Told (phase, rows done so far, rows in all) as the run goes."""

BAD_ROWS_SHOWN = 20
_BATCHES_IN_FLIGHT = 1
"""Batches scored ahead of the one being logged (each holds its rows in memory)."""


class CampaignRunner:
    """Creates, resumes and runs campaigns against one database."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._database = database
        self._settings = settings
        self._clock = clock

    def create(self, spec: CampaignSpec) -> Campaign:
        """A new pending campaign, or the unfinished one with the same terms (to resume).

        Conflict when another campaign with other terms writes the same output file;
        InvalidInput naming `send_at` when the channel is in quiet hours at the send time.
        """
        with self._database.session() as session:
            for existing in campaigns.list_campaigns(session, limit=1000):
                if existing.spec.get("out") != spec.out:
                    continue
                terms = CampaignSpec.from_dict(existing.spec).as_dict()
                if terms == spec.as_dict() | {"seed": existing.spec.get("seed")}:
                    return existing
                if existing.status == "done":
                    continue
                raise Conflict(
                    f"campaign {existing.id} ({existing.status}) writes {spec.out} with other "
                    "terms: finish it or choose another --out"
                )
            self._offers(spec)  # unknown or inactive offers: refused before anything is stored
            _refuse_quiet(read_policy(session), spec, spec.send_at or self._clock())
            return campaigns.add_campaign(session, uuid.uuid4().hex, spec.as_dict(), self._clock())

    def get(self, campaign_id: str) -> Campaign:
        with self._database.session(readonly=True) as session:
            found = campaigns.get_campaign(session, campaign_id)
        if found is None:
            raise NotFound("campaign", campaign_id)
        return found

    def run(
        self,
        campaign_id: str,
        *,
        engine: Engine | None = None,
        progress: Progress | None = None,
    ) -> Campaign:
        """Plan (unless planned) and assign the campaign; errors are stored, then raised."""
        engine = engine or LocalEngine()
        campaign = self.get(campaign_id)
        if campaign.status == "done":
            return campaign
        spec = CampaignSpec.from_dict(campaign.spec)
        self._set(campaign_id, status="running")
        try:
            plan = campaign.plan
            job = self._job(spec, plan)
            if plan is None:
                plan = self._plan(campaign_id, spec, job, engine, progress)
            elif plan.get("engine", engine.name) != engine.name:
                # Batches are the engine's (file batches, Dask partitions): parts would not match.
                raise Conflict(
                    f"campaign {campaign_id} was started with the {plan['engine']} engine: "
                    f"continue it with --engine {plan['engine']}"
                )
            summary = self._assign(campaign_id, spec, job, plan, engine, progress)
        except Exception as error:
            if not isinstance(error, InvalidInput | NotFound | Conflict):
                log.exception("campaign %s failed", campaign_id)
            self._set(campaign_id, status="failed", error=str(error), finished_at=self._clock())
            raise
        done = self._set(campaign_id, status="done", summary=summary, finished_at=self._clock())
        log.info("campaign %s done: %s customers", campaign_id, summary["assigned"])
        return done

    def _job(self, spec: CampaignSpec, plan: Mapping[str, object] | None) -> ScoringJob:
        version = plan.get("model_version") if plan else None
        seed = _integer(plan, "model_seed") if plan else spec.seed
        source = model_source(
            self._database,
            self._settings,
            seed,
            version if isinstance(version, int) else None,
        )
        reward = self._settings.reward
        if reward.mode is RewardMode.RETENTION_VALUE and (spec.budgets or spec.spend):
            raise InvalidInput(
                "budget", "budgets need the acceptance or net_value reward mode (expected accepts)"
            )
        now = parse_time(str(plan["now"]), "now") if plan else spec.send_at or self._clock()
        return ScoringJob(
            spec,
            source,
            self._offers(spec),
            reward_mode=reward.mode,
            reward_scale=reward.scale,
            now=now,
            contacts=CampaignContacts(
                self._contact_policy(plan),
                spec.channel,
                now,
                reward_window_days=reward.window_days,
            ),
        )

    def _contact_policy(self, plan: Mapping[str, object] | None) -> ContactPolicy:
        """The plan's contact policy, or (before the plan) the one in force."""
        if plan is not None and isinstance(plan.get("contact_policy"), Mapping):
            return parse(ContactPolicyBody, plan["contact_policy"]).policy()
        with self._database.session(readonly=True) as session:
            return read_policy(session)

    def _offers(self, spec: CampaignSpec) -> list[Offer]:
        """The campaign's offers at their latest version, no_action first."""
        found: list[Offer] = []
        with self._database.session(readonly=True) as session:
            for offer_id in spec.offer_ids:
                offer = offers.get_offer(session, offer_id)
                if offer is None and offer_id == NO_ACTION_ID:
                    offer = NO_ACTION
                if offer is None:
                    raise NotFound("offer", offer_id)
                if not offer.is_active:
                    raise Conflict(f"offer {offer_id} is {offer.status}, not active")
                found.append(offer)
        return found

    def _plan(
        self,
        campaign_id: str,
        spec: CampaignSpec,
        job: ScoringJob,
        engine: Engine,
        progress: Progress | None,
    ) -> dict[str, object]:
        _refuse_quiet(job.contacts.policy, spec, job.now)
        total = count_rows(spec.input)
        rate = min(1.0, spec.sample_size / max(total * (1.0 - spec.holdout), 1.0))
        surveys: list[Survey] = []
        done = 0
        for part in engine.surveys(job, rate, ContactReader(self._database, job.contacts)):
            # Keep the sample, the bad rows and the id hashes; drop nothing else is held.
            surveys.append(part)
            done += part.good + len(part.bad)
            if progress:
                progress("plan", done, total)
        bad = [b for s in surveys for b in s.bad]
        repeated = _repeated(surveys)
        bad.extend(repeated)
        bad.sort(key=lambda b: b.row)
        if bad:
            path = output.write_bad_rows(spec.out, bad)
            if spec.bad_rows == "refuse":
                raise InvalidInput(
                    "input",
                    f"{len(bad)} bad rows (listed in {path}); fix them or use --bad-rows skip: "
                    + "; ".join(
                        f"row {b.row} {b.field}: {b.problem}" for b in bad[:BAD_ROWS_SHOWN]
                    ),
                    problems=[b.as_dict() for b in bad[:BAD_ROWS_SHOWN]],
                )
            log.warning(
                "campaign %s: %d bad rows skipped, listed in %s", campaign_id, len(bad), path
            )
        skip = np.array(sorted(b.row for b in repeated), dtype=np.int64)
        rows = np.concatenate([s.sample_rows for s in surveys]) if surveys else np.zeros(0, int)
        keep = ~np.isin(rows, skip)
        sample = Scores.concat([s.sample for s in surveys], len(job.offers)).take(
            np.flatnonzero(keep)
        )
        explores = _joined([s.sample_explores for s in surveys], bool)[keep]
        picks = _joined([s.sample_picks for s in surveys], np.int64)[keep]
        treated = sum(s.treated for s in surveys) - _treated_among(surveys, skip)
        plan = solve_prices(sample, explores, picks, treated, spec, job.offers)
        plan |= {
            "engine": engine.name,
            "model_version": job.source.version,
            "model_seed": job.source.seed,
            "policy": job.source.policy,
            "now": job.now.isoformat(),
            "contact_policy": contact_policy_reply(job.contacts.policy),
            "rows": total,
            "good_rows": sum(s.good for s in surveys) - len(repeated),
            "bad_rows": len(bad),
            "bad_rows_file": str(output.bad_rows_path(spec.out)) if bad else None,
            "bad_rows_shown": [b.as_dict() for b in bad[:BAD_ROWS_SHOWN]],
            "repeated_rows": skip.tolist(),
        }
        self._set(campaign_id, plan=plan)
        return plan

    def _assign(
        self,
        campaign_id: str,
        spec: CampaignSpec,
        job: ScoringJob,
        plan: Mapping[str, object],
        engine: Engine,
        progress: Progress | None,
    ) -> dict[str, object]:
        prices = prices_of(plan, job.offers)
        total = _integer(plan, "rows")
        stored = plan["repeated_rows"]
        assert isinstance(stored, list)
        repeated = [int(r) for r in stored]
        done_batches = self._done_batches(campaign_id, spec.out)
        done = 0
        # One writer thread logs batch k while batch k + 1 is scored: the database driver and
        # the Parquet writer let go of the GIL while they work. Batches are logged in order.
        pending: deque[tuple[Future[None], int]] = deque()
        read = ContactReader(self._database, job.contacts)
        with ThreadPoolExecutor(1, thread_name_prefix="campaign-log") as writer:
            try:
                batches = engine.assigned(job, prices, repeated, done_batches, read)
                for index, size, recorded in batches:
                    done += size
                    write = writer.submit(self._log_batch, campaign_id, spec, index, recorded, done)
                    pending.append((write, done))
                    while len(pending) > _BATCHES_IN_FLIGHT:
                        self._written(pending.popleft(), total, progress)
                while pending:
                    self._written(pending.popleft(), total, progress)
            except BaseException:
                for write, _ in pending:
                    write.cancel()  # a batch after a failed one is not logged
                raise
        return summarise(spec, job.offers, plan)

    @staticmethod
    def _written(item: tuple[Future[None], int], total: int, progress: Progress | None) -> None:
        write, done = item
        write.result()  # raises what the writer raised
        if progress:
            progress("assign", done, total)

    def _log_batch(
        self, campaign_id: str, spec: CampaignSpec, index: int, done: Recorded | None, rows: int
    ) -> None:
        """Write the batch's part, then commit its decisions, assignments and the campaign's
        progress together (only the progress for a batch done before)."""
        if done is not None:
            ids = done.output.column("customer_id").to_pylist()
            with self._database.session(readonly=True) as session:
                before = campaigns.assigned_rows(session, campaign_id, ids)
            if before:
                # Only a customer named twice in the file (found by the plan) or a redone
                # batch (its earlier transaction never committed) can meet this: refuse it.
                raise Conflict(
                    f"batch {index}: {len(before)} customers already assigned in campaign "
                    f"{campaign_id} (e.g. {next(iter(before))})"
                )
            output.write_part(spec.out, index, done.output)
        with self._database.session() as session:
            if done is not None:
                campaigns.prepare_bulk_write(session)
                campaigns.add_encoded_decisions(session, done.decisions, ts=self._clock())
                campaigns.add_assignments(session, campaign_id, assignment_rows(done.output))
            campaigns.update_campaign(session, campaign_id, rows_done=rows)

    def _done_batches(self, campaign_id: str, out: str) -> set[int]:
        """Batches whose part is written and whose decisions are committed."""
        done: set[int] = set()
        folder = output.parts_folder(out)
        if not folder.is_dir():
            return done
        for path in sorted(folder.glob("part-*.parquet")):
            index = int(path.stem.removeprefix("part-"))
            table = pq.read_table(path, columns=["customer_id"])
            if table.num_rows == 0:
                done.add(index)
                continue
            first = str(table.column("customer_id")[0].as_py())
            with self._database.session(readonly=True) as session:
                if campaigns.assigned_rows(session, campaign_id, [first]):
                    done.add(index)
        return done

    def _set(
        self,
        campaign_id: str,
        *,
        status: str | None = None,
        plan: Mapping[str, object] | None = None,
        summary: Mapping[str, object] | None = None,
        error: str | None = None,
        finished_at: datetime | None = None,
    ) -> Campaign:
        with self._database.session() as session:
            return campaigns.update_campaign(
                session,
                campaign_id,
                status=status,
                plan=plan,
                summary=summary,
                error=error,
                finished_at=finished_at,
            )


def _refuse_quiet(policy: ContactPolicy, spec: CampaignSpec, send_at: datetime) -> None:
    """InvalidInput naming `send_at` when the campaign's channel is quiet then for everyone."""
    why = quiet_for_everyone(policy, spec.channel, send_at)
    if why is not None:
        raise InvalidInput(
            "send_at",
            f"{why} at the send time {send_at:%Y-%m-%d %H:%M} UTC: choose a send time "
            "outside the quiet hours (send_at) or another channel",
        )


def _repeated(surveys: Sequence[Survey]) -> list[BadRow]:
    """Rows whose customer id came before in the file (by the ids' 64-bit hashes)."""
    if not surveys:
        return []
    hashes = np.concatenate([s.id_hashes for s in surveys])
    rows = np.concatenate([s.rows for s in surveys])
    _, first_index = np.unique(hashes, return_index=True)
    is_first = np.zeros(len(hashes), dtype=bool)
    is_first[first_index] = True
    first_row = dict(zip(hashes[first_index].tolist(), rows[first_index].tolist(), strict=True))
    return [
        BadRow(int(r), "customer_id", f"the customer of row {first_row[h]} again")
        for h, r in zip(hashes[~is_first].tolist(), rows[~is_first].tolist(), strict=True)
    ]


def _treated_among(surveys: Sequence[Survey], rows: np.ndarray) -> int:
    """How many of `rows` (good rows of the surveys) are not held out."""
    if not surveys or not len(rows):
        return 0
    all_rows = np.concatenate([s.rows for s in surveys])
    held = np.concatenate([s.held for s in surveys])
    return int((np.isin(all_rows, rows) & ~held).sum())


def _joined(parts: Sequence[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)


def _integer(plan: Mapping[str, object], key: str) -> int:
    value = plan[key]
    assert isinstance(value, int)
    return value
