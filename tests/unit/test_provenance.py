"""registry.provenance: inputs, manifest formats, and how a run is judged with registry.rights."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from registry.errors import InvalidIdentifier, InvalidInput
from registry.licensing import LicenseeInput
from registry.provenance import (
    FlagCode,
    ItemKind,
    ManifestDigest,
    ManifestFormat,
    ManifestItem,
    ModelInput,
    OutputInput,
    ResolvedItem,
    RunInput,
    canonical_weight,
    item_flags,
    licensable_at_training,
    parse_manifest,
    run_flags,
)
from registry.record_ids import qualified
from registry.rights import ConsentFacts, Decision, GrantFacts, HolderFacts, Scope, WorkFacts

START = datetime(2025, 3, 1, tzinfo=UTC)
END = datetime(2025, 3, 2, tzinfo=UTC)
T2024 = datetime(2024, 1, 1, tzinfo=UTC)


def _grant(**changes: object) -> GrantFacts:
    fields: dict[str, object] = {
        "id": "g1",
        "licensee_id": "lic",
        "valid_from": T2024,
        "valid_to": datetime(2030, 1, 1, tzinfo=UTC),
        "scopes": frozenset(Scope),
        "licence_scopes": frozenset(Scope),
    }
    return GrantFacts(**(fields | changes))  # type: ignore[arg-type]


def _work(
    work_id: str, decision: Decision | None = Decision.OPT_IN, revoked: datetime | None = None
) -> WorkFacts:
    consents: tuple[ConsentFacts, ...] = ()
    if decision is not None:
        consents = (ConsentFacts("k", decision, frozenset(Scope), T2024, revoked, catalogue=True),)
    return WorkFacts(work_id, holders=(HolderFacts("alice", 10000, consents),))


def test_weights_are_exact_decimal_strings() -> None:
    assert canonical_weight("0.50") == "0.5"
    assert canonical_weight("3") == "3"
    for bad in ["0", "-1", "1e3", "0.1.2", "", "NaN"]:
        with pytest.raises(ValueError):
            canonical_weight(bad)


def test_an_item_names_exactly_one_thing() -> None:
    assert ManifestItem(iswc="T-034.524.680-1").reference == "iswc:T0345246801"
    assert ManifestItem(isrc="GB-EMI-03-00013").kind is ItemKind.RECORDING
    with pytest.raises(ValidationError):
        ManifestItem(work_id="w1", iswc="T-034.524.680-1")
    with pytest.raises(ValidationError):
        ManifestItem()
    with pytest.raises(InvalidIdentifier):
        ManifestItem(iswc="T-034.524.680-2")


def test_inputs_validate_times_and_hashes() -> None:
    with pytest.raises(ValidationError, match="finishedAt must be after startedAt"):
        RunInput(id="l:r", licensee_id="l", model_id="m", started_at=START, finished_at=START)
    with pytest.raises(InvalidInput, match="time zone"):
        RunInput(id="l:r", licensee_id="l", model_id="m", started_at=datetime(2025, 1, 1), finished_at=START)
    with pytest.raises(ValidationError, match="SHA-256"):
        OutputInput(licensee_id="l", model_id="m", content_hash="abc", generated_at=START)
    upper = "A" * 64
    assert (
        OutputInput(licensee_id="l", model_id="m", content_hash=upper, generated_at=START).output_id
        == "l:" + "a" * 64
    )
    assert ModelInput(licensee_id="l", name="n", version="1").model_id == "l:n:1"
    with pytest.raises(ValidationError, match="itself"):
        ModelInput(licensee_id="l", name="n", version="1", base_model_id="l:n:1")


def test_declared_ids_lie_in_their_licensees_namespace() -> None:
    """Decided on the strings alone (docs/access.md, "Refusals"): no id outside `<licensee>:` is declared."""
    hash_ = "b" * 64
    for outside in ("m1", "lic-b:m1", "lic-a", "lic-a:", "lic-ab:m1", hash_):
        with pytest.raises(InvalidInput, match="start with 'lic-a:', for example 'lic-a:"):
            ModelInput(id=outside, licensee_id="lic-a", name="n", version="1")
        with pytest.raises(InvalidInput, match="start with 'lic-a:'"):
            RunInput(id=outside, licensee_id="lic-a", model_id="m", started_at=START, finished_at=END)
        with pytest.raises(InvalidInput, match="start with 'lic-a:'"):
            OutputInput(id=outside, licensee_id="lic-a", model_id="m", content_hash=hash_, generated_at=START)
    assert ModelInput(id="lic-a:x", licensee_id="lic-a", name="n", version="1").model_id == "lic-a:x"
    assert RunInput(id="lic-a:r", licensee_id="lic-a", model_id="m", started_at=START, finished_at=END).id
    # An output's default id is its audio's hash in the licensee's namespace: two licensees' declarations
    # of one audio are two outputs, and neither id tells the other licensee anything.
    output = OutputInput(licensee_id="lic-a", model_id="m", content_hash=hash_, generated_at=START)
    assert output.output_id == "lic-a:" + hash_
    other = OutputInput(licensee_id="lic-b", model_id="m", content_hash=hash_, generated_at=START)
    assert other.output_id == "lic-b:" + hash_
    with pytest.raises(ValidationError, match="must not contain ':'"):
        LicenseeInput(id="lic:a", name="A")
    # A licensee stored with ':' before the rule has no namespace: told so, whatever the id.
    with pytest.raises(InvalidInput, match="may no longer contain"):
        ModelInput(licensee_id="old:lic", name="n", version="1")
    assert (qualified("lic-a", "0193a9c2"), qualified("lic-a", "lic-a:r")) == ("lic-a:0193a9c2", "lic-a:r")


def test_manifests_in_json_lines_and_csv() -> None:
    jsonl = ['{"workId": "w1", "weight": "0.5"}', "", '{"isrc": "GBEMI0300013", "weight": 2}']
    items = list(parse_manifest(jsonl, ManifestFormat.JSON_LINES))
    assert [(i.reference, i.weight) for i in items] == [("work:w1", "0.5"), ("isrc:GBEMI0300013", "2")]
    csv = ["work_id,iswc,weight", "w1,,0.25", ",T-034.524.680-1,1"]
    assert [i.reference for i in parse_manifest(csv, ManifestFormat.CSV)] == ["work:w1", "iswc:T0345246801"]
    with pytest.raises(InvalidInput, match="line 2"):
        list(
            parse_manifest(['{"workId": "w1"}', '{"workId": "w2", "weight": 0.5}'], ManifestFormat.JSON_LINES)
        )
    with pytest.raises(InvalidInput, match="line 2 repeats work:w1 of line 1"):
        list(parse_manifest(['{"workId": "w1"}', '{"workId": "w1"}'], ManifestFormat.JSON_LINES))
    with pytest.raises(InvalidInput, match="header"):
        list(parse_manifest(["title,weight", "x,1"], ManifestFormat.CSV))


def test_the_digest_depends_on_content_and_order() -> None:
    def digest(refs: list[str]) -> str:
        d = ManifestDigest()
        for r in refs:
            d.add(ManifestItem(work_id=r))
        return d.hexdigest()

    assert digest(["a", "b"]) == digest(["a", "b"]) != digest(["b", "a"])


def test_run_level_flags() -> None:
    model = ("m", "1")
    assert (
        run_flags(grant=_grant(), grant_model=model, licensee_id="lic", model=model, started_at=START) == []
    )
    none = run_flags(grant=None, grant_model=None, licensee_id="lic", model=model, started_at=START)
    assert [f.code for f in none] == [FlagCode.NO_GRANT]
    expired = _grant(valid_to=datetime(2025, 1, 1, tzinfo=UTC))
    flags = run_flags(
        grant=expired, grant_model=("m", "2"), licensee_id="other", model=model, started_at=START
    )
    assert [f.code for f in flags] == [FlagCode.GRANT_NOT_VALID, FlagCode.GRANT_FOR_OTHER_MODEL]
    assert flags[0].reasons == ("GRANT_EXPIRED", "NO_GRANT")


def test_items_are_judged_by_the_rights_rule_at_the_start() -> None:
    facts = {
        "ok": _work("ok"),
        "none": _work("none", None),
        "declined": _work("declined", Decision.DECLINE),
        # Revoked after the run started: not retroactive, so still licensable for this run.
        "later": _work("later", revoked=datetime(2025, 6, 1, tzinfo=UTC)),
    }
    items = [
        ResolvedItem("work:ok", ItemKind.WORK, "ok", ("ok",)),
        ResolvedItem("work:none", ItemKind.WORK, "none", ("none",)),
        ResolvedItem("work:declined", ItemKind.WORK, "declined", ("declined",)),
        ResolvedItem("work:later", ItemKind.WORK, "later", ("later",)),
        ResolvedItem("work:ghost", ItemKind.WORK, None),
        ResolvedItem("isrc:X", ItemKind.RECORDING, "rec", ()),
        ResolvedItem("isrc:Y", ItemKind.RECORDING, "rec2", ("ok", "none")),
    ]
    flags = item_flags(items, facts, START)
    assert [(f.code, f.work_id, f.recording_id) for f in flags] == [
        (FlagCode.WORK_NOT_LICENSABLE, "none", None),
        (FlagCode.WORK_DECLINED, "declined", None),
        (FlagCode.UNKNOWN_CONTENT, None, None),
        (FlagCode.RECORDING_WITHOUT_WORK, None, "rec"),
        (FlagCode.WORK_NOT_LICENSABLE, "none", "rec2"),
    ]


def test_licensable_at_training_over_every_run_of_the_lineage() -> None:
    facts = {"later": _work("later", revoked=datetime(2025, 6, 1, tzinfo=UTC))}
    assert licensable_at_training(["later"], facts, []).licensable is None
    assert licensable_at_training(["later"], facts, [START]).licensable is True
    retrained = licensable_at_training(["later"], facts, [START, datetime(2025, 7, 1, tzinfo=UTC)])
    assert retrained.licensable is False and retrained.reasons[0].code.value == "CONSENT_REVOKED"
