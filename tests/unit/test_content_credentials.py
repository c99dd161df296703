"""The manifest's content and the read-back verdicts, without the C2PA library: pure registry rules."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

from registry.content_credentials import (
    ASSERTION_LABEL,
    TRAINED_ALGORITHMIC_MEDIA,
    CredentialFacts,
    CredentialInfluence,
    InspectionState,
    judge_validation,
    manifest_claims,
    manifest_definition,
    verdict,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "content-credentials.md"


def _doc_example() -> dict[str, object]:
    block = re.search(r"```json\n(.*?)```", DOC.read_text(), re.S)
    assert block is not None, "docs/content-credentials.md lost its example"
    parsed: dict[str, object] = json.loads(block.group(1))
    return parsed


def _facts() -> CredentialFacts:
    work = CredentialInfluence("w-first", "WORK", "0.5", "T0345246801", None, "First Song", ("00014107338",))
    return CredentialFacts(
        output_id="out_01",
        content_hash="5f1c0d6a3a7b4f0e9a1b2c3d4e5f60718293a4b5c6d7e8f90123456789abcdef",
        title=None,
        generated_at=datetime(2025, 5, 1, tzinfo=UTC),
        model_id="lic-1:m:1",
        model_name="m",
        model_version="1",
        licensee_id="lic-1",
        licensee_name="LIC-1",
        grant_ids=("g1",),
        report_id="att_123",
        vendor_id="vendor_x",
        influences=(work,),
    )


def test_the_documented_example_is_what_the_service_writes() -> None:
    manifest = manifest_definition(_facts(), "https://registry.example", "0.1.0")
    ours = next(a["data"] for a in manifest["assertions"] if a["label"] == ASSERTION_LABEL)
    example = _doc_example()
    for key in ("output", "model", "licensee", "grants", "attribution"):
        assert ours[key] == example[key], key
    assert ours["trace"]["url"].startswith("https://registry.example/graphql?query=")
    created = manifest["assertions"][0]["data"]["actions"][0]
    assert created["action"] == "c2pa.created" and created["digitalSourceType"] == TRAINED_ALGORITHMIC_MEDIA


def test_the_documented_example_reads_back_as_claims() -> None:
    active = {"label": "urn:c2pa:1", "assertions": [{"label": ASSERTION_LABEL, "data": _doc_example()}]}
    claims = manifest_claims(active)
    assert (claims.output_id, claims.model_id, claims.licensee_id) == ("out_01", "lic-1:m:1", "lic-1")
    assert claims.influences[0]["iswc"] == "T0345246801"
    assert claims.provenance == _doc_example()  # the whole assertion, for the explorer's read-back page


def _results(*, success: list[str], failure: list[str]) -> dict[str, object]:
    return {
        "activeManifest": {
            "success": [{"code": c} for c in success],
            "failure": [{"code": c, "explanation": "x"} for c in failure],
        }
    }


def test_validation_codes_are_judged_into_plain_answers() -> None:
    signed = ["claimSignature.validated", "signingCredential.trusted", "assertion.dataHash.match"]
    good = judge_validation(_results(success=signed, failure=[]))
    assert (good.signature_valid, good.chain_trusted, good.edited) == (True, True, False)
    edited = judge_validation(_results(success=signed[:2], failure=["assertion.dataHash.mismatch"]))
    assert edited.edited and verdict(True, None, edited, known=True)[0] is InspectionState.EDITED
    forged = judge_validation(_results(success=[], failure=["claimSignature.mismatch"]))
    assert verdict(True, None, forged, known=True)[0] is InspectionState.INVALID_SIGNATURE
    untrusted = judge_validation(_results(success=signed[:1], failure=["signingCredential.untrusted"]))
    state, message = verdict(True, None, untrusted, known=True)
    assert state is InspectionState.VERIFIED and "not anchored" in message
    assert verdict(True, None, good, known=False)[0] is InspectionState.UNKNOWN_OUTPUT
    assert verdict(False, None, None, known=False)[0] is InspectionState.NO_MANIFEST
    assert verdict(False, "bad jumbf", None, known=False)[0] is InspectionState.BROKEN_MANIFEST
