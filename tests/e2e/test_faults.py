"""Neo4j stopped in the middle of a load: requests fail fast with UNAVAILABLE, /healthz says 503, the
service recovers by itself when Neo4j returns, and nothing is left half-written (counted afterwards)."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import neo4j
import pytest

from graph.database import Neo4jSettings
from graph.local_server import DEFAULT_USER, LocalNeo4j, free_port
from graph.stores.provenance.writes import BATCH_SIZE
from opustrace.settings import Settings
from tests.conftest import REPO
from tests.e2e.conftest import serve_env, start_serve
from tests.e2e.served import served_app
from tests.e2e.world import LICENSEE, VENDORS, World, build_world
from tests.support import ADMIN_SECRET

pytestmark = pytest.mark.e2e
# Three batches of the upload (graph.stores.provenance.writes.BATCH_SIZE): a crash after the first stored
# batch still finds the upload in flight for two more, so the kill test always crashes a live upload.
RUN_ITEMS = 3 * BATCH_SIZE
# Not a timing margin: only how long a hung service may keep the test waiting before it fails it.
HANG_GUARD = 300.0
REPORTS_FROM = datetime(2026, 10, 1, tzinfo=UTC)
BULK_WORKS = "UNWIND range(1, $n) AS i MERGE (w:Work {id: 'bulk-' + i}) SET w.title = 'Bulk ' + i"
SUBMIT = """mutation($p: JSON!) { submitAttributionReport(format: GENERIC_JSON, payload: $p) {
  reports { report { id } } } }"""
USAGE = "mutation($i: ReportUsageInput!) { reportUsage(input: $i) { id } }"
RUN = """mutation($i: DeclareTrainingRunInput!, $m: Upload) {
  declareTrainingRun(input: $i, manifest: $m, manifestFormat: JSON_LINES) { id itemCount } }"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNeo4j]:
    local = LocalNeo4j(
        home=tmp_path_factory.mktemp("faults-neo4j"),
        port=free_port(),
        heap="512m",
        pagecache="64m",
        lib_root=REPO / ".data" / "neo4j" / "lib",
        # A stop waits this long for running transactions (10 s by default): the service must cope
        # with them being cut, and every stop of this module would otherwise wait for the upload's.
        extra_settings={"db.shutdown_transaction_end_timeout": "1s"},
    )
    local.start()
    try:
        yield local
    finally:
        local.stop()


@pytest.fixture(scope="module")
def world(server: LocalNeo4j) -> Iterator[World]:
    settings = Neo4jSettings(server.uri, DEFAULT_USER, server.password())
    config = Settings(admin_api_key=ADMIN_SECRET, rate_limit_per_minute=100_000)
    with served_app(settings, config) as base_url:
        built = build_world(base_url)
        with neo4j.GraphDatabase.driver(server.uri, auth=(DEFAULT_USER, server.password())) as driver:
            driver.execute_query(BULK_WORKS, n=RUN_ITEMS, database_="neo4j")
        yield built


@dataclass(frozen=True, slots=True)
class Outcome:
    """One request as its client saw it; workers record these and the test asserts on them."""

    kind: str
    started: float
    finished: float
    status: int | None  # None: no HTTP answer at all
    codes: frozenset[str]
    problem: str = ""  # a transport error or a body that is not JSON

    @property
    def broken(self) -> bool:
        """An internal error, no answer, or no JSON: never acceptable, outage or not."""
        return self.status is None or self.status >= 500 or bool(self.problem)


class Load:
    """Outcomes gathered from worker threads. An assert inside a thread only warns, so workers record
    and the test waits on events (`wait_for`) and asserts on what was recorded."""

    def __init__(self) -> None:
        self.outcomes: list[Outcome] = []
        self._changed = threading.Condition()

    def record(self, outcome: Outcome) -> None:
        with self._changed:
            self.outcomes.append(outcome)
            self._changed.notify_all()

    def wait_for(self, predicate: Callable[[list[Outcome]], bool], failure: str) -> None:
        """Wait until the predicate holds; a broken answer (5xx, no answer) fails the test at once."""

        def settled() -> bool:
            return predicate(self.outcomes) or any(o.broken for o in self.outcomes)

        with self._changed:
            met = self._changed.wait_for(settled, timeout=HANG_GUARD)
            broken = [o for o in self.outcomes if o.broken]
        assert broken == [], "a request met an internal error or got no answer"
        assert met, f"{failure} (nothing happened for {HANG_GUARD:.0f} s)"

    def snapshot(self) -> list[Outcome]:
        with self._changed:
            return list(self.outcomes)


def post(
    world: World, query: str, variables: dict[str, Any], key: str, *, kind: str = "check", **extra: Any
) -> tuple[Outcome, dict[str, Any]]:
    started = time.monotonic()
    try:
        response = httpx.post(
            f"{world.base_url}/graphql",
            json={"query": query, "variables": variables} if not extra else None,
            headers={"Authorization": f"Bearer {key}"},
            timeout=HANG_GUARD,
            **extra,
        )
    except httpx.TransportError as exc:
        failed = f"{type(exc).__name__}: {exc}"
        return Outcome(kind, started, time.monotonic(), None, frozenset(), failed), {}
    finished = time.monotonic()
    try:
        body: dict[str, Any] = response.json()
    except ValueError:
        problem = f"HTTP {response.status_code}, not JSON: {response.text[:300]!r}"
        return Outcome(kind, started, finished, response.status_code, frozenset(), problem), {}
    return Outcome(kind, started, finished, response.status_code, codes(body)), body


def checked(outcome_and_body: tuple[Outcome, dict[str, Any]]) -> dict[str, Any]:
    """The body of a request the test makes itself, after asserting it was answered without a 5xx."""
    outcome, body = outcome_and_body
    assert not outcome.broken, (outcome, body)
    return body


def report(output: str, vendor: str, n: int, works: list[str]) -> dict[str, Any]:
    influences = [
        {"reference": {"iswc": code}, "right_type": "COMPOSITION", "score": "0.2"} for code in works[:3]
    ]
    return {
        "format": "opustrace.attribution.v1",
        "reports": [
            {
                "vendor_report_id": f"fault-{vendor}-{n}",
                "output_id": output,
                "method": "m",
                "method_version": "1",
                "computed_at": (REPORTS_FROM + timedelta(seconds=n)).isoformat(),
                "influences": influences,
            }
        ],
    }


def upload_run(world: World, run_id: str) -> tuple[Outcome, dict[str, Any]]:
    lines = "\n".join(json.dumps({"workId": f"bulk-{i + 1}", "weight": "1"}) for i in range(RUN_ITEMS))
    variables = {
        "i": {
            "id": run_id,
            "licenseeId": LICENSEE,
            "modelId": world.model_id,
            "startedAt": "2026-09-01T00:00:00+00:00",
            "finishedAt": "2026-09-02T00:00:00+00:00",
        },
        "m": None,
    }
    operations = json.dumps({"query": RUN, "variables": variables})
    return post(
        world,
        RUN,
        {},
        ADMIN_SECRET,
        kind="run",
        data={"operations": operations, "map": json.dumps({"0": ["variables.m"]})},
        files={"0": ("manifest.jsonl", lines.encode(), "application/x-ndjson")},
    )


def codes(body: dict[str, Any]) -> frozenset[str]:
    return frozenset(e.get("extensions", {}).get("code") for e in body.get("errors") or [])


LOOPS = (*(f"report {v}" for v in VENDORS), "usage")


def each_loop(condition: Callable[[Outcome], bool]) -> Callable[[list[Outcome]], bool]:
    """True once every load loop has an outcome meeting the condition."""
    return lambda outcomes: {o.kind for o in outcomes if condition(o)} >= set(LOOPS)


def test_outage_mid_load_fails_fast_and_leaves_nothing_half_written(world: World, server: LocalNeo4j) -> None:
    acknowledged: dict[str, list[str]] = {"reports": [], "usage": []}
    load = Load()
    stop = threading.Event()

    def reports_loop(vendor: str) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            payload = {"p": json.dumps(report(world.outputs[n % 6], vendor, n, world.works))}
            outcome, body = post(world, SUBMIT, payload, world.keys[vendor], kind=f"report {vendor}")
            if body.get("data") and not body.get("errors"):
                acknowledged["reports"].append(f"fault-{vendor}-{n}")
            load.record(outcome)

    def usage_loop() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            # 72 distinct reports, each always sent with the same amount: a repeat is an idempotent retry.
            key = n % 72
            usage = {
                "stream": "OUTPUT_USE",
                "period": f"2026-{key % 12 + 1:02d}",
                "subjectId": world.outputs[key // 12],
                "amount": f"{key + 1}.00",
                "currency": "EUR",
            }
            outcome, body = post(world, USAGE, {"i": usage}, world.keys[LICENSEE], kind="usage")
            if body.get("data") and not body.get("errors"):
                acknowledged["usage"].append(body["data"]["reportUsage"]["id"])
            load.record(outcome)

    run_result: list[dict[str, Any]] = []

    def run_upload() -> None:
        outcome, body = upload_run(world, "lic-conc:run-fault")
        run_result.append(body)
        load.record(outcome)

    threads = [threading.Thread(target=reports_loop, args=(v,)) for v in VENDORS]
    threads += [threading.Thread(target=usage_loop), threading.Thread(target=run_upload)]
    for thread in threads:
        thread.start()
    try:
        # Events, not sleeps: the outage starts once every loop has been served, and ends once every
        # loop has had an answer to a request it sent while Neo4j was down.
        load.wait_for(each_loop(lambda o: not o.codes and not o.broken), "the load never got going")
        assert server.stop()
        down_at = time.monotonic()
        health = httpx.get(f"{world.base_url}/healthz", timeout=HANG_GUARD)
        assert health.status_code == 503
        load.wait_for(
            each_loop(lambda o: o.started > down_at and bool(o.codes)),  # answered, with an error
            "requests sent while Neo4j was down were not answered (they hang instead of failing fast)",
        )
        restart_at = time.monotonic()
        server.start()
        wait_healthy(world)
        recovered_after = time.monotonic() - down_at
        load.wait_for(
            each_loop(lambda o: o.started > restart_at and not o.codes and not o.broken),
            "the service did not serve requests again after Neo4j came back",
        )
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=HANG_GUARD)
    assert not [t for t in threads if t.is_alive()], "a client is still waiting for an answer"

    outcomes = load.snapshot()
    # No internal error (5xx), no dropped connection, no non-JSON body, outage or not.
    assert [o for o in outcomes if o.broken] == []
    # During the outage, requests failed with UNAVAILABLE, not with internal errors.
    failures = [o for o in outcomes if o.codes]
    assert [o for o in failures if o.codes != {"UNAVAILABLE"}] == []
    # Failing fast: requests sent during the outage were answered before Neo4j came back.
    during = [o for o in failures if down_at < o.started and o.finished < restart_at]
    assert {o.kind for o in during} >= set(LOOPS)
    slowest_failure = max(o.finished - o.started for o in failures)
    print(
        f"{len(outcomes)} requests, {len(failures)} failed with UNAVAILABLE "
        f"({len(during)} sent and answered while Neo4j was down; slowest {slowest_failure:.1f} s); "
        f"recovered {recovered_after:.1f} s after the stop"
    )
    assert_nothing_half_written(world, server, acknowledged, run_result[0])


def wait_healthy(world: World) -> None:
    """Poll /healthz until it says 200 again (the hang guard turns a service that never recovers red)."""
    deadline = time.monotonic() + HANG_GUARD
    while httpx.get(f"{world.base_url}/healthz", timeout=HANG_GUARD).status_code != 200:
        assert time.monotonic() < deadline, "the service did not recover"
        time.sleep(0.5)


def assert_nothing_half_written(
    world: World, server: LocalNeo4j, acknowledged: dict[str, list[str]], run_body: dict[str, Any]
) -> None:
    with neo4j.GraphDatabase.driver(server.uri, auth=(DEFAULT_USER, server.password())) as driver:

        def rows(query: str, **params: Any) -> list[Any]:
            records, _, _ = driver.execute_query(query, params, database_="neo4j")
            return records

        stored = {
            r["id"]: r["n"]
            for r in rows(
                "MATCH (r:AttributionReport) "
                "RETURN r.vendor_report_id AS id, COUNT { (r)-[:INFLUENCE]->() } AS n"
            )
        }
        assert set(acknowledged["reports"]) <= set(stored), "an acknowledged report was lost"
        assert set(stored.values()) == {3}, "a report was stored without all its influences"
        usage_ids = {
            r["id"] for r in rows("MATCH (u:UsageReport) WHERE u.amount IS NOT NULL RETURN u.id AS id")
        }
        assert set(acknowledged["usage"]) <= usage_ids
        run = rows(
            "MATCH (r:TrainingRun {id: 'lic-conc:run-fault'}) "
            "RETURN r.status AS status, r.item_count AS items, COUNT { (r)-[:USED]->() } AS used"
        )

    seen = codes(run_body) or "success"
    print(f"training run after recovery: {run[0] if run else 'absent'}; client saw {seen}")
    # The run either completed whole, or is invisible and completes whole when the client retries.
    visible = checked(
        post(world, '{ trainingRun(id: "lic-conc:run-fault") { itemCount } }', {}, ADMIN_SECRET)
    )
    if not (run and run[0]["status"] == "COMPLETE"):
        assert visible.get("data") in (None, {"trainingRun": None}) or codes(visible) == {"NOT_FOUND"}
        retried = checked(upload_run(world, "lic-conc:run-fault"))
        assert not retried.get("errors"), retried
    final = checked(post(world, '{ trainingRun(id: "lic-conc:run-fault") { itemCount } }', {}, ADMIN_SECRET))
    assert final["data"]["trainingRun"]["itemCount"] == RUN_ITEMS
    with neo4j.GraphDatabase.driver(server.uri, auth=(DEFAULT_USER, server.password())) as driver:
        records, _, _ = driver.execute_query(
            "MATCH (r:TrainingRun {id: 'lic-conc:run-fault'}) RETURN COUNT { (r)-[:USED]->() } AS used",
            database_="neo4j",
        )
        assert records[0]["used"] == RUN_ITEMS


# --- kill -9 during an upload -------------------------------------------------------------------------

REMNANT = """MATCH (r:TrainingRun {id: $id}) RETURN r.status AS status,
  COUNT { (r)-[:USED]->() } AS used, COUNT { (:ComplianceFlag)-[:ON]->(r) } AS flags"""
RUN_SEEN = "query($id: ID!) { trainingRun(id: $id) { id } }"
SEEN = """query($id: ID!) { complianceFlags(subjectKind: TRAINING_RUN, subjectId: $id) { totalCount }
  auditEvents(subjectId: $id) { totalCount edges { node { action actor } } } }"""


def test_kill_9_mid_upload_leaves_nothing_visible_until_purged(
    world: World, server: LocalNeo4j, tmp_path: Path
) -> None:
    """kill -9 of the API, then of Neo4j, each during a three-batch upload: after the restart nothing of
    the run is listed (run, flags, audit events); once old enough the scheduled purge removes it with one
    audit event, though several purgers look at once; then the same manifest uploads whole."""
    env = serve_env(tmp_path / "data") | {
        "NEO4J_URI": server.uri,
        "NEO4J_PASSWORD": server.password(),
        "UPLOAD_PURGE_INTERVAL_SECONDS": "1",  # every worker looks each second: a live upload is still spared
        "RATE_LIMIT_PER_MINUTE": "100000",
    }
    api = start_serve(env, tmp_path / "api.log", workers="1")  # one process: kill -9 kills the API
    api.wait_ready()
    upload_and_crash(
        replace(world, base_url=api.base_url), server, "lic-conc:run-killed-api", api.process.kill
    )
    api.process.wait(timeout=HANG_GUARD)
    # Restarted with two workers: with the in-test app beside them, three purgers run on their own schedules.
    api = start_serve(env, tmp_path / "api.log", workers="2")
    try:
        api.wait_ready()
        served = replace(world, base_url=api.base_url)
        assert_stored_but_not_listed(served, server, "lic-conc:run-killed-api")
        upload_and_crash(
            served, server, "lic-conc:run-killed-neo4j", partial(kill_9_and_restart, server, served)
        )
        assert_stored_but_not_listed(served, server, "lic-conc:run-killed-neo4j")
        for run_id in ("lic-conc:run-killed-api", "lic-conc:run-killed-neo4j"):
            assert_purged_on_schedule(served, server, run_id)
        # One upload of the same manifest again (each takes minutes on a loaded machine; both ids are alike).
        fresh = checked(upload_run(served, "lic-conc:run-killed-neo4j"))
        assert fresh.get("data") and fresh["data"]["declareTrainingRun"]["itemCount"] == RUN_ITEMS, fresh
        stored = remnant(server, "lic-conc:run-killed-neo4j")
        assert stored and (stored["status"], stored["used"]) == ("COMPLETE", RUN_ITEMS), stored
    finally:
        api.interrupt()


def upload_and_crash(world: World, server: LocalNeo4j, run_id: str, crash: Callable[[], None]) -> None:
    """Upload the items and crash once a batch of them is stored."""
    answered: list[Outcome] = []
    upload = threading.Thread(target=lambda: answered.append(upload_run(world, run_id)[0]))
    upload.start()
    deadline = time.monotonic() + HANG_GUARD
    while not (remnant(server, run_id) or {}).get("used"):
        assert time.monotonic() < deadline and upload.is_alive(), "no batch of the upload was stored"
        time.sleep(0.1)
    crash()
    upload.join(timeout=HANG_GUARD)
    assert answered and not (answered[0].status == 200 and not answered[0].codes), "the upload went through"


def assert_stored_but_not_listed(world: World, server: LocalNeo4j, run_id: str) -> None:
    stored = remnant(server, run_id)
    assert stored and stored["status"] == "UPLOADING" and stored["flags"] > 0, stored
    assert codes(checked(post(world, RUN_SEEN, {"id": run_id}, ADMIN_SECRET))) == {"NOT_FOUND"}
    seen = checked(post(world, SEEN, {"id": run_id}, ADMIN_SECRET))["data"]
    assert seen["complianceFlags"]["totalCount"] == 0
    assert seen["auditEvents"]["totalCount"] == 0, seen["auditEvents"]


def kill_9_and_restart(server: LocalNeo4j, world: World) -> None:
    pid = server.running_pid()
    assert pid is not None
    os.killpg(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    server.start()
    wait_healthy(world)


def assert_purged_on_schedule(world: World, server: LocalNeo4j, run_id: str) -> None:
    """Age the remnant past the threshold (as an upload dead for an hour) and wait for the purge."""
    with neo4j.GraphDatabase.driver(server.uri, auth=(DEFAULT_USER, server.password())) as driver:
        driver.execute_query(
            "MATCH (r:TrainingRun {id: $id}) SET r.batch_at = datetime() - duration('PT1H')",
            id=run_id,
            database_="neo4j",
        )
    deadline = time.monotonic() + HANG_GUARD
    while remnant(server, run_id) is not None:
        assert time.monotonic() < deadline, "the scheduled purge never removed the remnant"
        time.sleep(0.5)
    assert codes(checked(post(world, RUN_SEEN, {"id": run_id}, ADMIN_SECRET))) == {"NOT_FOUND"}
    seen = checked(post(world, SEEN, {"id": run_id}, ADMIN_SECRET))["data"]
    events = [e["node"] for e in seen["auditEvents"]["edges"]]
    assert events == [{"action": "System.purgeCrashedUploads", "actor": "system"}], events
    with neo4j.GraphDatabase.driver(server.uri, auth=(DEFAULT_USER, server.password())) as driver:
        flags, _, _ = driver.execute_query(
            "MATCH (f:ComplianceFlag {subject_id: $id}) RETURN count(f) AS n", id=run_id, database_="neo4j"
        )
    assert flags[0]["n"] == 0


def remnant(server: LocalNeo4j, run_id: str) -> dict[str, Any] | None:
    auth = (DEFAULT_USER, server.password())
    with neo4j.GraphDatabase.driver(server.uri, auth=auth, notifications_min_severity="OFF") as driver:
        records, _, _ = driver.execute_query(REMNANT, id=run_id, database_="neo4j")
    return dict(records[0]) if records else None
