"""Creators, works and recordings over GraphQL on the real Neo4j: validation, idempotence, roles, N+1."""

from __future__ import annotations

import json
from typing import Any

import pytest

from graph.database import Database, QueryCounter
from registry.cwr import parse_cwr_text
from tests.conftest import shared_data
from tests.support import ADMIN_SECRET, GraphQLClient, GraphQLResult

pytestmark = pytest.mark.integration

UPSERT_CREATOR = """
mutation($i: CreatorInput!) { upsertCreator(input: $i) { id name firstName kind ipi isni updatedAt } }
"""
UPSERT_WORK = """
mutation($i: WorkInput!) {
  upsertWork(input: $i) {
    id iswc iswcFormatted title alternateTitles updatedAt
    shares { role performingBp mechanicalBp synchronisationBp creator { name ipi } }
  }
}
"""
UPSERT_RECORDING = """
mutation($i: RecordingInput!) { upsertRecording(input: $i) { id isrc isrcFormatted works { title } } }
"""
WORK_BY_ISWC = "query($iswc: String!) { work(iswc: $iswc) { id title creators { name } } }"
WORK_SHARES = "query($id: ID!) { work(id: $id) { title shares { performingBp creator { name } } } }"
WORKS = """
query($f: WorkFilter, $first: Int) {
  works(filter: $f, first: $first) {
    totalCount
    edges { node { title iswc creators { name } recordings { isrc } shares { role performingBp } } }
  }
}
"""
# Two writers with IPIs that pass their check digits (see registry/identifiers.py).
ANNA_IPI = "00000000395"
BEN_IPI = "00000000297"


def ok(result: GraphQLResult, field: str) -> Any:
    return result.data[field]


async def creator(gql: GraphQLClient, name: str, ipi: str | None = None, id: str | None = None) -> str:
    result = await gql(UPSERT_CREATOR, {"i": {"name": name, "ipi": ipi, "id": id}}, key=ADMIN_SECRET)
    created: str = ok(result, "upsertCreator")["id"]
    return created


def share(ipi: str, role: str, pr: int, mr: int, sr: int) -> dict[str, Any]:
    return {"creatorIpi": ipi, "role": role, "performingBp": pr, "mechanicalBp": mr, "synchronisationBp": sr}


async def song(
    gql: GraphQLClient, title: str = "Golden River", iswc: str = "T-034.524.680-1"
) -> dict[str, Any]:
    await creator(gql, "AHMED", ANNA_IPI)
    await creator(gql, "BERG", BEN_IPI)
    result = await gql(
        UPSERT_WORK,
        {
            "i": {
                "iswc": iswc,
                "title": title,
                "alternateTitles": ["Rio Dorado"],
                "shares": [
                    share(ANNA_IPI, "COMPOSER", 6667, 5000, 5000),
                    share(BEN_IPI, "LYRICIST", 3333, 5000, 5000),
                ],
            }
        },
        key=ADMIN_SECRET,
    )
    work: dict[str, Any] = ok(result, "upsertWork")
    return work


async def test_creator_identifiers_are_checked(gql: GraphQLClient) -> None:
    bad = await gql(UPSERT_CREATOR, {"i": {"name": "X", "ipi": "00000000396"}}, key=ADMIN_SECRET)
    assert bad.codes == ["BAD_USER_INPUT"]
    assert "check digits 96; expected 95" in bad.messages[0]
    keyless = await gql(UPSERT_CREATOR, {"i": {"name": "X"}}, key=ADMIN_SECRET)
    assert keyless.codes == ["BAD_USER_INPUT"]
    assert "IPI name number or an id" in keyless.messages[0]
    isni = await gql(
        UPSERT_CREATOR, {"i": {"name": "X", "id": "x", "isni": "0000 0001 2103 2684"}}, key=ADMIN_SECRET
    )
    assert isni.codes == ["BAD_USER_INPUT"]
    assert "expected 3" in isni.messages[0]


async def test_creator_upsert_is_idempotent_by_ipi(gql: GraphQLClient, db: Database) -> None:
    first = ok(
        await gql(UPSERT_CREATOR, {"i": {"name": "AHMED", "ipi": ANNA_IPI}}, key=ADMIN_SECRET),
        "upsertCreator",
    )
    again = ok(
        await gql(UPSERT_CREATOR, {"i": {"name": "AHMED", "ipi": ANNA_IPI}}, key=ADMIN_SECRET),
        "upsertCreator",
    )
    assert again == first
    renamed = ok(
        await gql(UPSERT_CREATOR, {"i": {"name": "AHMED-KHAN", "ipi": ANNA_IPI}}, key=ADMIN_SECRET),
        "upsertCreator",
    )
    assert (renamed["id"], renamed["name"]) == (first["id"], "AHMED-KHAN")
    assert renamed["updatedAt"] > first["updatedAt"]
    assert (await db.run_read("MATCH (c:Creator) RETURN count(c) AS n"))[0]["n"] == 1


async def test_work_iswc_is_canonical_and_shares_replace(gql: GraphQLClient, db: Database) -> None:
    work = await song(gql)
    assert (work["iswc"], work["iswcFormatted"]) == ("T0345246801", "T-034.524.680-1")
    assert sorted((s["role"], s["performingBp"], s["creator"]["name"]) for s in work["shares"]) == [
        ("COMPOSER", 6667, "AHMED"),
        ("LYRICIST", 3333, "BERG"),
    ]
    again = await gql(
        UPSERT_WORK,
        {
            "i": {
                "iswc": "T0345246801",
                "title": "Golden River",
                "shares": [share(ANNA_IPI, "COMPOSER", 10000, 10000, 10000)],
            }
        },
        key=ADMIN_SECRET,
    )
    replaced = ok(again, "upsertWork")
    assert replaced["id"] == work["id"]
    assert [(s["creator"]["name"], s["performingBp"]) for s in replaced["shares"]] == [("AHMED", 10000)]
    rels = await db.run_read("MATCH ()-[s:HOLDS_SHARE]->() RETURN count(s) AS n")
    assert rels[0]["n"] == 1


async def test_repeating_a_work_changes_nothing(gql: GraphQLClient) -> None:
    first = await song(gql)
    second = await song(gql)
    assert second["updatedAt"] == first["updatedAt"]
    assert second == first


@pytest.mark.parametrize(
    ("shares", "fragment"),
    [
        ([share(ANNA_IPI, "COMPOSER", 5000, 5000, 5000)], "performing shares add up to 50.00 %"),
        (
            [share(ANNA_IPI, "COMPOSER", 6000, 5000, 0), share(BEN_IPI, "LYRICIST", 4007, 5000, 0)],
            "performing shares add up to 100.07 %, expected 100 % (±0.06) or 0",
        ),
        ([share(ANNA_IPI, "COMPOSER", 10001, 0, 0)], "less than or equal to 10000"),
        (
            [share(ANNA_IPI, "COMPOSER", 5000, 0, 0), share(ANNA_IPI, "COMPOSER", 5000, 0, 0)],
            "holds the COMPOSER role twice",
        ),
    ],
)
async def test_a_split_that_does_not_add_up_is_refused_whole(
    gql: GraphQLClient, db: Database, shares: list[dict[str, Any]], fragment: str
) -> None:
    await creator(gql, "AHMED", ANNA_IPI)
    await creator(gql, "BERG", BEN_IPI)
    result = await gql(
        UPSERT_WORK, {"i": {"iswc": "T0345246801", "title": "X", "shares": shares}}, key=ADMIN_SECRET
    )
    assert result.codes == ["BAD_USER_INPUT"]
    assert fragment in result.messages[0]
    assert await db.run_read("MATCH (w:Work) RETURN w") == []


async def test_nearly_a_hundred_within_tolerance_is_accepted(gql: GraphQLClient) -> None:
    await creator(gql, "AHMED", ANNA_IPI)
    await creator(gql, "BERG", BEN_IPI)
    await creator(gql, "COSTA", id="costa")
    shares = [share(ANNA_IPI, "COMPOSER", 3333, 3333, 0), share(BEN_IPI, "LYRICIST", 3333, 3333, 0)]
    shares.append({**share(ANNA_IPI, "ARRANGER", 3333, 3333, 0), "creatorIpi": None, "creatorId": "costa"})
    result = await gql(
        UPSERT_WORK, {"i": {"id": "w-thirds", "title": "Thirds", "shares": shares}}, key=ADMIN_SECRET
    )
    assert len(ok(result, "upsertWork")["shares"]) == 3


async def test_bad_iswc_and_unknown_holder_are_bad_input(gql: GraphQLClient, db: Database) -> None:
    bad = await gql(UPSERT_WORK, {"i": {"iswc": "T-034.524.680-2", "title": "X"}}, key=ADMIN_SECRET)
    assert bad.codes == ["BAD_USER_INPUT"]
    assert "check digit 2; expected 1" in bad.messages[0]
    unknown = await gql(
        UPSERT_WORK,
        {"i": {"id": "w1", "title": "X", "shares": [share(ANNA_IPI, "COMPOSER", 10000, 10000, 10000)]}},
        key=ADMIN_SECRET,
    )
    assert unknown.codes == ["BAD_USER_INPUT"]
    assert f"ipi:{ANNA_IPI}" in unknown.messages[0]
    assert await db.run_read("MATCH (w:Work) RETURN w") == []


async def test_lookups_and_filters(gql: GraphQLClient) -> None:
    work = await song(gql)
    await song(gql, "Silent Night Drive", "T1234567894")
    rec = await gql(
        UPSERT_RECORDING, {"i": {"isrc": "GB-EMI-03-00013", "workIds": [work["id"]]}}, key=ADMIN_SECRET
    )
    assert ok(rec, "upsertRecording")["works"] == [{"title": "Golden River"}]
    by_iswc = ok(await gql(WORK_BY_ISWC, {"iswc": "T-034.524.680-1"}, key=ADMIN_SECRET), "work")
    assert by_iswc["id"] == work["id"]
    assert sorted(c["name"] for c in by_iswc["creators"]) == ["AHMED", "BERG"]
    recording = await gql('{ recording(isrc: "gbemi0300013") { isrc works { iswc } } }', key=ADMIN_SECRET)
    assert ok(recording, "recording") == {"isrc": "GBEMI0300013", "works": [{"iswc": "T0345246801"}]}
    creator_q = f'{{ creator(ipi: "{BEN_IPI}") {{ name shares {{ work {{ title }} }} }} }}'
    assert ok(await gql(creator_q, key=ADMIN_SECRET), "creator")["shares"] == [
        {"work": {"title": "Golden River"}},
        {"work": {"title": "Silent Night Drive"}},
    ]
    # Alternate titles match too, whatever the case.
    found = ok(await gql(WORKS, {"f": {"title": "rio dor"}}, key=ADMIN_SECRET), "works")
    assert found["totalCount"] == 2
    night = ok(await gql(WORKS, {"f": {"title": "NIGHT"}}, key=ADMIN_SECRET), "works")
    assert [e["node"]["title"] for e in night["edges"]] == ["Silent Night Drive"]
    creators = await gql(
        '{ creators(filter: {name: "ber"}) { totalCount edges { node { ipi } } } }', key=ADMIN_SECRET
    )
    assert ok(creators, "creators") == {"totalCount": 1, "edges": [{"node": {"ipi": BEN_IPI}}]}
    missing = await gql(
        '{ work(iswc: "T1234567894") { id } work2: work(id: "nope") { id } }', key=ADMIN_SECRET
    )
    assert missing.codes == ["NOT_FOUND"]
    both = await gql('{ creator(id: "x", ipi: "00000000395") { id } }', key=ADMIN_SECRET)
    assert both.codes == ["BAD_USER_INPUT"]


async def test_creator_key_sees_its_own_catalogue_only(gql: GraphQLClient) -> None:
    mine = await song(gql)
    await creator(gql, "COSTA", id="costa")
    other = ok(
        await gql(
            UPSERT_WORK,
            {
                "i": {
                    "id": "costa-1",
                    "title": "Not Yours",
                    "shares": [
                        {
                            "creatorId": "costa",
                            "role": "COMPOSER",
                            "performingBp": 10000,
                            "mechanicalBp": 0,
                            "synchronisationBp": 0,
                        }
                    ],
                }
            },
            key=ADMIN_SECRET,
        ),
        "upsertWork",
    )
    anna = ok(await gql(f'{{ creator(ipi: "{ANNA_IPI}") {{ id }} }}', key=ADMIN_SECRET), "creator")["id"]
    key = await gql.key_for("CREATOR", anna)
    assert ok(await gql(f'{{ creator(id: "{anna}") {{ name ipi }} }}', key=key), "creator") == {
        "name": "AHMED",
        "ipi": ANNA_IPI,
    }
    assert (await gql('{ creator(id: "costa") { name } }', key=key)).codes == ["NOT_FOUND"]
    assert (await gql(WORK_SHARES, {"id": other["id"]}, key=key)).codes == ["NOT_FOUND"]
    assert (await gql(WORK_SHARES, {"id": "no-such-work"}, key=key)).codes == ["NOT_FOUND"]
    own = ok(await gql(WORK_SHARES, {"id": mine["id"]}, key=key), "work")
    assert sorted(s["creator"]["name"] for s in own["shares"]) == ["AHMED", "BERG"]
    listed = ok(await gql(WORKS, {}, key=key), "works")
    assert [e["node"]["title"] for e in listed["edges"]] == ["Golden River"]
    assert ok(await gql(WORKS, {"f": {"creatorId": "costa"}}, key=key), "works")["totalCount"] == 0
    # A co-writer's other works stay hidden, even through the nested field.
    coholder = f'{{ work(id: "{mine["id"]}") {{ creators {{ name shares {{ role }} }} }} }}'
    assert "FORBIDDEN" in (await gql(coholder, key=key)).codes
    assert (await gql("{ creators { totalCount } }", key=key)).codes == ["FORBIDDEN"]
    assert (await gql(UPSERT_CREATOR, {"i": {"name": "X", "id": "x"}}, key=key)).codes == ["FORBIDDEN"]


@pytest.mark.parametrize("role", ["LICENSEE", "VENDOR"])
async def test_licensees_and_vendors_read_public_fields_only(
    gql: GraphQLClient, db: Database, role: str
) -> None:
    work = await song(gql)
    label = "Licensee" if role == "LICENSEE" else "Vendor"
    await db.run_write(f"MERGE (:{label} {{id: 'party-1', name: 'P'}})")
    key = await gql.key_for(role, "party-1")
    public = (
        f'{{ work(id: "{work["id"]}") {{ title iswcFormatted alternateTitles creators {{ name kind }} }} }}'
    )
    assert ok(await gql(public, key=key), "work") == {
        "title": "Golden River",
        "iswcFormatted": "T-034.524.680-1",
        "alternateTitles": ["Rio Dorado"],
        "creators": [{"name": "AHMED", "kind": "PERSON"}, {"name": "BERG", "kind": "PERSON"}],
    }
    for private in ("shares { performingBp }", "creators { ipi }", "submitterWorkId"):
        result = await gql(f'{{ work(id: "{work["id"]}") {{ {private} }} }}', key=key)
        assert set(result.codes) == {"FORBIDDEN"}, private
    assert (await gql(f'{{ creator(ipi: "{ANNA_IPI}") {{ name }} }}', key=key)).codes == ["FORBIDDEN"]
    by_ipi = await gql(WORKS, {"f": {"creatorIpi": ANNA_IPI}}, key=key)
    assert by_ipi.codes == ["FORBIDDEN"]
    assert (await gql(UPSERT_WORK, {"i": {"id": "x", "title": "X"}}, key=key)).codes == ["FORBIDDEN"]


async def test_anonymous_reads_nothing(gql: GraphQLClient) -> None:
    assert (await gql("{ works { totalCount } }")).codes == ["UNAUTHENTICATED"]


async def upload(
    gql: GraphQLClient,
    name: str,
    key: str = ADMIN_SECRET,
    content: bytes | None = None,
    *,
    strict: bool = False,
) -> dict[str, Any]:
    """Upload a sample file of ../shared/data/cwr by name, or `content` under that name."""
    query = """
    mutation($file: Upload!, $strict: Boolean!) {
      importCwr(file: $file, strict: $strict, acknowledge: true) {
        worksLoaded worksCreated worksUpdated worksUnchanged worksRepaired worksRejected warnings
        acknowledgement
        rejections { transactionSeq recordSeq recordType lineNumber submitterWorkId reason rule }
      }
    }
    """
    response = await gql.http.post(
        "/graphql",
        data={
            "operations": json.dumps({"query": query, "variables": {"file": None, "strict": strict}}),
            "map": json.dumps({"0": ["variables.file"]}),
        },
        files={"0": (name, content or shared_data("cwr", name).read_bytes(), "application/octet-stream")},
        headers={"Authorization": f"Bearer {key}"},
    )
    body: dict[str, Any] = response.json()
    return body


async def test_import_cwr_upload_reports_and_is_idempotent(gql: GraphQLClient) -> None:
    first = await upload(gql, "weso_demo_cwr_cleaned.v22")
    report = first["data"]["importCwr"]
    # KEY002 repeats KEY001's ISWC: a claim on that work, counted as created, not a work of its own.
    assert (report["worksCreated"], report["worksUpdated"], report["worksUnchanged"]) == (8, 0, 0)
    over = next(r for r in report["rejections"] if r["transactionSeq"] == 2)
    assert over["recordType"] == "REV"
    assert "mechanical shares add up to 125.00 %" in over["reason"]
    assert (report["worksLoaded"], report["worksRepaired"], report["worksRejected"]) == (8, 8, 1)
    ack = parse_cwr_text(report["acknowledgement"])
    assert [a.status for a in ack.acknowledgements].count("RJ") == 1
    again = (await upload(gql, "weso_demo_cwr_cleaned.v22"))["data"]["importCwr"]
    assert (again["worksCreated"], again["worksUpdated"], again["worksUnchanged"]) == (0, 0, 8)
    strict = (await upload(gql, "weso_demo_cwr_cleaned.v22", strict=True))["data"]["importCwr"]
    assert (strict["worksLoaded"], strict["worksRejected"]) == (0, 10)
    assert {r["rule"] for r in strict["rejections"]} == {"record-length"}
    works = ok(await gql(WORKS, {"first": 100}, key=ADMIN_SECRET), "works")
    assert works["totalCount"] == 7


async def test_import_cwr_refuses_cwr3(gql: GraphQLClient) -> None:
    cwr3 = await upload(gql, "dmp_CW220002DMP_0000_V3-0-0.SUB")
    assert [e["extensions"]["code"] for e in cwr3["errors"]] == ["BAD_USER_INPUT"]
    assert "CWR 3.0 is not supported" in cwr3["errors"][0]["message"]


async def test_import_cwr_refuses_non_admins(gql: GraphQLClient, db: Database) -> None:
    # No sample needed: access is decided before the file is read, so its content does not matter.
    parties = {"LICENSEE": "Licensee", "VENDOR": "Vendor", "CREATOR": "Creator"}
    for label in parties.values():
        await db.run_write(f"MERGE (:{label} {{id: 'party-1', name: 'P'}})")
    keys = {"AUDITOR": await gql.key_for("AUDITOR")}
    keys |= {role: await gql.key_for(role, "party-1") for role in parties}
    for role, key in keys.items():
        denied = await upload(gql, "works.V21", key=key, content=b"HDR never read\n")
        assert [e["extensions"]["code"] for e in denied["errors"]] == ["FORBIDDEN"], role
    assert await db.run_read("MATCH (w:Work) RETURN w") == []


async def many_works(gql: GraphQLClient, count: int) -> None:
    await creator(gql, "AHMED", ANNA_IPI)
    await creator(gql, "BERG", BEN_IPI)
    for n in range(count):
        result = await gql(
            UPSERT_WORK,
            {
                "i": {
                    "id": f"w{n:03d}",
                    "title": f"Work {n:03d}",
                    "shares": [
                        share(ANNA_IPI, "COMPOSER", 5000, 5000, 5000),
                        share(BEN_IPI, "LYRICIST", 5000, 5000, 5000),
                    ],
                }
            },
            key=ADMIN_SECRET,
        )
        work_id = ok(result, "upsertWork")["id"]
        isrc = f"GBEMI03{n:05d}"
        ok(
            await gql(UPSERT_RECORDING, {"i": {"isrc": isrc, "workIds": [work_id]}}, key=ADMIN_SECRET),
            "upsertRecording",
        )


async def test_nested_works_cost_the_same_number_of_queries_for_5_and_40(gql: GraphQLClient) -> None:
    await many_works(gql, 40)
    query = """
    query($first: Int) {
      works(first: $first) {
        totalCount
        edges { node {
          title creators { name }
          shares { role performingBp creator { name } work { title } }
          recordings { isrc works { title } }
        } }
      }
    }
    """
    counts = {}
    for first in (5, 40):
        async with QueryCounter.counting() as box:
            result = await gql(query, {"first": first}, key=ADMIN_SECRET)
        edges = ok(result, "works")["edges"]
        assert len(edges) == first
        assert all(len(e["node"]["shares"]) == 2 and len(e["node"]["recordings"]) == 1 for e in edges)
        counts[first] = box[0]
    assert counts[5] == counts[40], counts
    assert counts[40] <= 8, counts
