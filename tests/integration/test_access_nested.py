"""Nested fields keep the party-scope rule of the root fields (docs/access.md, "Nested fields").

Two parties of each kind share the graph; every key is scoped to party A. For each scoped role, the test
asks, from each root field it may call, for every field it can reach (objects five levels down), and fails
when party B's records (those the root fields answer NOT_FOUND for that role) appear anywhere in the
answer. A static walk fails on a reachable field that returns a party's records and declares no rule.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from graphql import GraphQLObjectType

from graph.database import Database
from graph.stores.licensing import licences
from graph.stores.provenance import writes as provenance
from graph.stores.system.api_keys import ensure_bootstrap_admin
from opustrace.app import create_app
from opustrace.settings import Settings
from registry.licensing import GrantInput, LicenseeInput
from registry.provenance import ManifestItem
from resolvers.schema import build_schema
from tests.access_matrix import SCOPED, full_selection, nested_fields_without_rule, read_rules, strings_in
from tests.integration.provenance_graph import (
    T2024,
    add_report,
    add_works,
    content_hash,
    licensee_with_grant,
    model,
    opt_in,
    output,
    run_input,
)
from tests.support import ADMIN_SECRET, GraphQLClient

pytestmark = pytest.mark.integration
DEPTH = 5


def test_every_reachable_nested_field_has_a_rule() -> None:
    schema = build_schema()._schema
    rules = read_rules()
    missing = {role: nested_fields_without_rule(schema, role, rules) for role in SCOPED}
    assert missing == {role: [] for role in SCOPED}, "nested fields without an access rule"


async def _world(db: Database) -> dict[str, str]:
    """Party A and party B of each kind; returns the ids by label."""
    await add_works(db, ["wk-a"], "cre-a")
    await add_works(db, ["wk-b"], "cre-b")
    await opt_in(db, "c-a", "cre-a")
    await opt_in(db, "c-b", "cre-b")
    await licensee_with_grant(db, "lic-a", "g-a")
    await licences.create_licensee(db, LicenseeInput(id="lic-b", name="LIC-B"))
    for grant, name in (("g-b", "m"), ("g-c", "c")):
        grant_input = GrantInput(
            id=grant,
            licensee_id="lic-b",
            licence_version_id="cal",
            model_name=name,
            model_version="1",
            valid_from=T2024,
            valid_to=datetime(2030, 1, 1, tzinfo=UTC),
        )
        await licences.create_grant(db, grant_input)
    ids = {"m-a": (await model(db, "lic-a")).id, "m-b": (await model(db, "lic-b")).id}
    ids["m-c"] = (await model(db, "lic-b", name="c")).id
    for run_id, model_id, works, grant, licensee in (
        ("run-a", ids["m-a"], ["wk-a", "wk-b"], "g-a", "lic-a"),
        ("run-b", ids["m-b"], ["wk-a", "wk-b"], "g-b", "lic-b"),
        ("run-c", ids["m-c"], ["wk-b"], "g-c", "lic-b"),
    ):
        declared = run_input(run_id, model_id, grant, licensee_id=licensee)
        items = provenance.items_of([ManifestItem(work_id=w) for w in works])
        ids[run_id] = (await provenance.declare_training_run(db, declared, items)).id
    for label, model_label, licensee in (
        ("out-a1", "m-a", "lic-a"),
        ("out-a2", "m-a", "lic-a"),
        ("out-b1", "m-b", "lic-b"),
        ("out-c1", "m-c", "lic-b"),
    ):
        ids[label] = (await output(db, label, ids[model_label], licensee)).id
    await add_report(db, "rep-a1", "ven-a", ids["out-a1"], {"wk-a": "0.6"})
    await add_report(db, "rep-b1", "ven-b", ids["out-a1"], {"wk-b": "0.4"})
    await add_report(db, "rep-b2", "ven-b", ids["out-b1"], {"wk-a": "0.5", "wk-b": "0.5"})
    await add_report(db, "rep-c1", "ven-b", ids["out-c1"], {"wk-b": "1"})
    return ids


# Per role (scoped to party A): where it starts, and what of party B it must never see.
ENTRIES: dict[str, list[tuple[str, dict[str, str]]]] = {
    "LICENSEE": [
        ("trace", {"outputId": "out-a1"}),
        ("output", {"id": "out-a1"}),
        ("model", {"id": "m-a"}),
        ("modelTrainingSummary", {"modelId": "m-a"}),
        ("workProvenance", {"workId": "wk-a"}),
        ("workProvenance", {"workId": "wk-b"}),
        ("models", {}),
        ("grants", {}),
    ],
    "VENDOR": [
        ("trace", {"outputId": "out-a1"}),
        ("output", {"id": "out-a1"}),
        ("workProvenance", {"workId": "wk-a"}),
    ],
    "CREATOR": [
        ("trace", {"outputId": "out-a1"}),
        ("trace", {"outputId": "out-b1"}),
        ("workProvenance", {"workId": "wk-a"}),
        ("creatorProvenance", {"creatorId": "cre-a"}),
        ("modelTrainingSummary", {"modelId": "m-a"}),
    ],
}
SECRETS = {
    "LICENSEE": ["m-b", "m-c", "run-b", "run-c", "out-b1", "out-c1", "g-b", "g-c", "rep-b2", "rep-c1"],
    # A vendor traces what it reported on: not the model's other outputs, runs, grants or others' reports.
    "VENDOR": ["out-a2", "out-b1", "out-c1", "run-a", "run-b", "g-a", "g-b", "rep-b1", "rep-b2", "m-c"],
    # A creator: only what touches its works (wk-a); never the other creator's work or models without it.
    "CREATOR": ["wk-b", "m-c", "run-c", "out-c1", "g-c", "rep-b1", "rep-c1"],
}


def _document(schema: Any, field: str, args: dict[str, str], role: str) -> str:
    root = schema.query_type
    target = root.fields[field]
    returned = target.type
    while hasattr(returned, "of_type"):
        returned = returned.of_type
    assert isinstance(returned, GraphQLObjectType)
    call = ", ".join(f'{k}: "{v}"' for k, v in args.items())
    head = f"{field}({call})" if call else field
    return f"{{ {head} {{ {full_selection(returned, DEPTH, role)} }} }}"


@pytest.fixture
async def deep_gql(db: Database) -> Any:
    """The app with the query limits opened up, so one request can ask for every reachable field."""
    await ensure_bootstrap_admin(db, ADMIN_SECRET)
    settings = Settings(
        max_query_tokens=100_000, max_query_cost=10_000_000, max_query_depth=20, max_query_fields=100_000
    )
    app = create_app(settings, db, run_migrations=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://registry.test") as http:
        yield GraphQLClient(http)


async def test_nested_fields_never_show_another_partys_records(deep_gql: GraphQLClient, db: Database) -> None:
    ids = await _world(db)
    schema = build_schema()._schema
    scopes = {"LICENSEE": "lic-a", "VENDOR": "ven-a", "CREATOR": "cre-a"}
    leaks: list[str] = []
    answered = 0
    for role, entries in ENTRIES.items():
        key = await deep_gql.key_for(role, scopes[role])
        secrets = {ids.get(s, s) for s in SECRETS[role]}
        for field, args in entries:
            concrete = {k: ids.get(v, v) for k, v in args.items()}
            result = await deep_gql(_document(schema, field, concrete, role), key=key)
            assert result.status == 200, result.body
            assert (result.body.get("data") or {}).get(field) is not None, (role, field, result.body)
            answered += 1
            seen = strings_in(result.body.get("data")) & secrets
            if seen:
                leaks.append(f"{role} via {field}({args}): {sorted(seen)}")
    assert not leaks, "\n".join(leaks)
    assert answered == sum(len(e) for e in ENTRIES.values())


# A foreign record and a missing one, named the same way: the answers must not tell them apart.
ORACLES: dict[str, list[tuple[str, str, str]]] = {
    "LICENSEE": [
        ("{ output(id: $X) { id } }", "out-b1", "nope"),
        ("{ model(id: $X) { id } }", "m-b", "nope"),
        ("{ trainingRun(id: $X) { id } }", "run-b", "nope"),
        ("{ grant(id: $X) { id } }", "g-b", "nope"),
        ("{ models(licenseeId: $X) { totalCount } }", "lic-b", "nope"),
        ('{ whoGetsPaid(outputId: $X, amount: "1.00", currency: "EUR") { amount } }', "out-b1", "nope"),
        ("{ attributionReports(outputId: $X) { totalCount } }", "out-b1", "nope"),
        ("{ countingAttributionReport(outputId: $X) { id } }", "out-b1", "nope"),
        (
            'mutation { reportUsage(input: {stream: OUTPUT_USE, period: "2026-01", subjectId: $X, '
            'amount: "1.00", currency: "EUR"}) { id } }',
            "out-b1",
            "nope",
        ),
        (
            'mutation { reportUsage(input: {stream: TRAINING, period: "2026-01", subjectId: $X, '
            'amount: "1.00", currency: "EUR"}) { id } }',
            "m-b",
            "nope",
        ),
    ],
    "CREATOR": [
        ("{ modelTrainingSummary(modelId: $X) { runCount } }", "m-c", "nope"),
        ("{ creatorProvenance(creatorId: $X) { models { totalCount } } }", "cre-b", "nope"),
        ("{ consents(creatorId: $X) { totalCount } }", "cre-b", "nope"),
    ],
    "VENDOR": [
        ("{ output(id: $X) { id } }", "out-b1", "nope"),
        ("{ trace(outputId: $X) { compliant } }", "out-b1", "nope"),
        ("{ attributionReport(id: $X) { id } }", "rep-b1", "nope"),
    ],
}


async def _answer(gql: GraphQLClient, template: str, value: str, key: str) -> tuple[list[str], list[str]]:
    result = await gql(template.replace("$X", f'"{value}"'), key=key)
    assert result.body.get("data") is None or not any((result.body.get("data") or {}).values()), result.body
    return result.codes, [m.replace(value, "X") for m in result.messages]


async def test_another_partys_record_answers_as_a_missing_one(deep_gql: GraphQLClient, db: Database) -> None:
    ids = await _world(db)
    scopes = {"LICENSEE": "lic-a", "VENDOR": "ven-a", "CREATOR": "cre-a"}
    differ: list[str] = []
    for role, cases in ORACLES.items():
        key = await deep_gql.key_for(role, scopes[role])
        for template, foreign, missing in cases:
            seen = await _answer(deep_gql, template, ids.get(foreign, foreign), key)
            absent = await _answer(deep_gql, template, missing, key)
            assert seen[0], f"{role}: {template} with {foreign} was not refused"
            if seen != absent:
                differ.append(f"{role}: {template}: {seen} vs {absent}")
    assert not differ, "\n".join(differ)


# Declarations naming an id of licensee B's (held, below) or one shaped like it that nothing holds: the id
# lies outside the declaring licensee's namespace either way, so the answers must be the same.
DECLARATIONS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "model": (
        "mutation($i: DeclareModelInput!) { declareModel(input: $i) { id } }",
        "m-b",
        {"name": "mine", "version": "9"},
    ),
    "training run": (
        "mutation($i: DeclareTrainingRunInput!) { declareTrainingRun(input: $i) { id } }",
        "run-b",
        {
            "modelId": "m-a",
            "grantId": "g-a",
            "startedAt": "2025-03-01T00:00:00Z",
            "finishedAt": "2025-03-02T00:00:00Z",
            "items": [{"workId": "wk-a"}],
        },
    ),
    "output": (
        "mutation($i: DeclareOutputInput!) { declareOutput(input: $i) { id } }",
        "out-b1",
        {"modelId": "m-a", "contentHash": content_hash("fresh"), "generatedAt": "2025-04-01T00:00:00Z"},
    ),
}


async def test_declaring_under_another_licensees_id_answers_as_under_an_id_nothing_holds(
    deep_gql: GraphQLClient, db: Database
) -> None:
    ids = await _world(db)
    callers = [
        (await deep_gql.key_for("LICENSEE", "lic-a"), {}),
        (ADMIN_SECRET, {"licenseeId": "lic-a"}),  # an admin declaring for lic-a: lic-a's namespace
    ]
    differ: list[str] = []
    for kind, (document, held_label, values) in DECLARATIONS.items():
        held = ids[held_label]
        unheld = f"{held}-unheld"
        concrete = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in values.items()}
        for key, scope in callers:
            answers = []
            for named in (held, unheld):
                result = await deep_gql(document, {"i": concrete | scope | {"id": named}}, key=key)
                answers.append((result.codes, [m.replace(named, "X") for m in result.messages]))
            if answers[0] != answers[1]:
                differ.append(f"{kind} (scope {scope}): held {answers[0]} vs unheld {answers[1]}")
            elif answers[1][0] != ["BAD_USER_INPUT"] or "start with 'lic-a:'" not in answers[1][1][0]:
                differ.append(f"{kind} (scope {scope}): does not say what to fix: {answers[1]}")
    assert not differ, "\n".join(differ)
    stored = await db.run_read(
        "MATCH (n) WHERE n.id ENDS WITH '-unheld' OR n.name = 'mine' RETURN count(n) AS n", {}
    )
    assert stored[0]["n"] == 0


DECLARE_OUTPUT = (
    "mutation($i: DeclareOutputInput!) { declareOutput(input: $i) "
    "{ id contentHash licenseeId modelId compliant title } }"
)
AUDIO_DISPUTES = (
    "{ audioDisputes { totalCount edges { node { contentHash outputs { id licenseeId title } } } } }"
)
OUTPUT_BY_HASH = "query($h: String!) { output(contentHash: $h) { id licenseeId title } }"


async def test_another_licensees_audio_is_declared_as_its_own_output(
    deep_gql: GraphQLClient, db: Database
) -> None:
    """Outputs are keyed by (licensee, audio): declaring audio that another licensee declared answers
    exactly as declaring audio nobody declared, and the society sees the dispute (docs/access.md)."""
    ids = await _world(db)
    key = await deep_gql.key_for("LICENSEE", "lic-a")
    taken_audio, fresh_audio = content_hash("out-b1"), content_hash("fresh")
    answers = {}
    for audio in (taken_audio, fresh_audio):
        declared = {"modelId": ids["m-a"], "contentHash": audio, "generatedAt": "2025-04-01T00:00:00Z"}
        result = await deep_gql(DECLARE_OUTPUT, {"i": declared}, key=key)
        assert not result.codes, result.body
        answers[audio] = result.data["declareOutput"]
    # The same answer but for the hash itself: nothing tells lic-a that lic-b holds the first audio.
    shapes = [str(a).replace(h, "H") for h, a in answers.items()]
    assert shapes[0] == shapes[1], shapes
    assert answers[taken_audio]["id"] == f"lic-a:{taken_audio}"
    # A replay returns the same output; lic-b's is untouched.
    replay = {"modelId": ids["m-a"], "contentHash": taken_audio, "generatedAt": "2025-04-01T00:00:00Z"}
    again = await deep_gql(DECLARE_OUTPUT, {"i": replay}, key=key)
    assert again.data["declareOutput"] == answers[taken_audio], again.body
    # Each licensee finds its own output by the audio's hash; the society sees both, and the dispute.
    key_b = await deep_gql.key_for("LICENSEE", "lic-b")
    for who, expected in ((key, f"lic-a:{taken_audio}"), (key_b, ids["out-b1"])):
        found = await deep_gql(OUTPUT_BY_HASH, {"h": taken_audio}, key=who)
        assert found.data["output"]["id"] == expected, found.body
    both = await deep_gql(OUTPUT_BY_HASH, {"h": taken_audio}, key=ADMIN_SECRET)
    assert both.codes == ["BAD_USER_INPUT"], both.body
    assert ids["out-b1"] in both.messages[0] and f"lic-a:{taken_audio}" in both.messages[0]
    disputes = await deep_gql(AUDIO_DISPUTES, key=ADMIN_SECRET)
    outputs: list[dict[str, str | None]] = [
        {"id": f"lic-a:{taken_audio}", "licenseeId": "lic-a", "title": None},
        {"id": ids["out-b1"], "licenseeId": "lic-b", "title": "Track out-b1"},
    ]
    assert disputes.data["audioDisputes"] == {
        "totalCount": 1,
        "edges": [
            {
                "node": {
                    "contentHash": taken_audio,
                    "outputs": sorted(outputs, key=lambda o: str(o["id"])),
                }
            }
        ],
    }, disputes.body
    assert (await deep_gql(AUDIO_DISPUTES, key=key)).codes == ["FORBIDDEN"]


async def test_an_id_clash_within_the_namespace_names_nothing_of_the_database(
    deep_gql: GraphQLClient, db: Database
) -> None:
    ids = await _world(db)
    key = await deep_gql.key_for("LICENSEE", "lic-a")
    document = "mutation($i: DeclareOutputInput!) { declareOutput(input: $i) { id } }"
    # An id of lic-a's own held by its other output: the database's constraint refuses it; its message
    # (labels, internal node ids) must not reach the client.
    id_clash = {
        "id": ids["out-a1"],
        "modelId": ids["m-a"],
        "contentHash": content_hash("fresh"),
        "generatedAt": "2025-04-01T00:00:00Z",
    }
    result = await deep_gql(document, {"i": id_clash}, key=key)
    assert result.codes == ["CONFLICT"], result.body
    error = result.body["errors"][0]
    assert "is not available" in error["message"], error
    assert not error["extensions"].get("details"), error
    for private in ("LIC-B", "lic-b", "Track out-b1", "title", "model_id", "Node(", "label"):
        assert private not in str(error), error
