"""Reading a track back in the explorer: a demo output's audio signed by the service's own C2PA code, a
tampered copy and the unsigned audio, uploaded through the page in chromium as a journalist would."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

from opustrace import demo_world
from tests.browser.conftest import SEED, Explorer, open_page, use_key
from tests.browser.test_explorer import AURORA_OUTPUT, leaves

SIGN = """mutation($audio: Upload!) { signOutputAudio(outputId: "%s", audio: $audio) { fileBase64 } }"""
INSPECT = """mutation($audio: Upload!) { inspectAudio(audio: $audio) {
  state message fileSha256 manifestFound validationState signatureValid chainTrusted hashBindingValid
  problems manifestLabel claimedProvenance matchedBy
  trace { compliant output { id licenseeId } influences { work { iswc } } } } }"""


def read_back(page: Page, file: Path, *, verdict: bool = True) -> None:
    """Choose the file and submit, as a user would; waits for the page's answer (a verdict, unless not)."""
    page.set_input_files("#audio", str(file))
    page.evaluate("document.body.dataset.ready = 'false'")
    page.click("form.upload button[type=submit]")
    page.wait_for_selector("body[data-ready=true]")
    has_verdict = page.locator("[data-field='inspection.state']").count() == 1
    assert has_verdict == verdict, page.inner_text("#inspection")


def texts(page: Page, selector: str) -> set[str]:
    found: list[str] = page.eval_on_selector_all(selector, "els => els.map(e => e.textContent)")
    return set(found)


def shown(page: Page) -> list[tuple[str, str]]:
    found: list[list[str]] = page.eval_on_selector_all(
        "#inspection [data-field]", "els => els.map(e => [e.dataset.field, e.textContent])"
    )
    return [(name, text) for name, text in found]


def test_a_signed_track_is_verified_traced_and_its_claims_shown(
    explorer: Explorer, page: Page, tmp_path: Path
) -> None:
    audio = demo_world.audio(SEED, demo_world.output_number(AURORA_OUTPUT))
    licensee = explorer.keys["LICENSEE:lic-aurora"]
    answer = explorer.upload(SIGN % AURORA_OUTPUT, audio, licensee)
    signed = base64.b64decode(answer["data"]["signOutputAudio"]["fileBase64"])
    files = {"signed": tmp_path / "signed.wav", "plain": tmp_path / "plain.wav"}
    files["signed"].write_bytes(signed)
    files["plain"].write_bytes(audio)
    tampered = bytearray(signed)
    tampered[signed.index(b"data") + 100] ^= 0x7F  # a sample inside the audio's data chunk
    files["tampered"] = tmp_path / "tampered.wav"
    files["tampered"].write_bytes(bytes(tampered))

    admin = explorer.keys["ADMIN"]
    open_page(page, explorer.url, "/inspect")
    use_key(page, admin)
    read_back(page, files["signed"])
    api = explorer.upload(INSPECT, signed, admin)["data"]["inspectAudio"]
    assert api["state"] == "VERIFIED", api["message"]
    assert page.inner_text("[data-field='inspection.state']") == "VERIFIED"
    for name in ("signatureValid", "chainTrusted", "hashBindingValid"):
        assert page.inner_text(f"[data-field='inspection.{name}']") == "yes"
    claims = api["claimedProvenance"]
    influences = claims["attribution"]["influences"]
    assert len(influences) == len(api["trace"]["influences"]) > 0
    assert page.locator("tr[data-row='claimed-influence']").count() == len(influences)
    iswcs = {i["iswc"] for i in influences}
    assert iswcs == {i["work"]["iswc"] for i in api["trace"]["influences"]}
    assert texts(page, "[data-field='claim.influence.iswc']") == iswcs
    assert (
        page.inner_text("[data-field='claim.model.id']")
        == claims["model"]["id"]
        == "lic-aurora:aurora-compose-1"
    )
    assert page.inner_text("[data-field='claim.licensee.id']") == "lic-aurora"
    assert claims["grants"] and page.inner_text("[data-field='claim.grant']") == claims["grants"][0]
    ipis = {ipi for i in influences for ipi in i["creatorIpis"]}
    assert ipis and ipis == texts(page, "[data-field='claim.influence.ipi']")
    page.click(f"#inspection a[href='#/output/{AURORA_OUTPUT}']")  # the trace link opens the output page
    page.wait_for_selector("svg.graph")
    assert page.inner_text("[data-field='output.id']") == AURORA_OUTPUT

    open_page(page, explorer.url, "/inspect")
    read_back(page, files["tampered"])
    assert page.inner_text("[data-field='inspection.state']") == "EDITED"
    assert "edited after it was signed" in page.inner_text(".verdict")
    assert page.inner_text("[data-field='inspection.hashBindingValid']") == "no"
    assert page.locator(".verdict[role=alert]").count() == 1
    read_back(page, files["plain"])
    assert page.inner_text("[data-field='inspection.state']") == "NO_MANIFEST"
    assert "no C2PA manifest" in page.inner_text(".verdict")
    assert page.locator(f"#inspection a[href='#/output/{AURORA_OUTPUT}']").count() == 1  # found by its hash


def test_each_key_sees_on_the_read_back_page_only_what_inspect_audio_answers_it(
    explorer: Explorer, page: Page, tmp_path: Path
) -> None:
    audio = demo_world.audio(SEED, demo_world.output_number(AURORA_OUTPUT))
    answer = explorer.upload(SIGN % AURORA_OUTPUT, audio, explorer.keys["ADMIN"])
    signed = base64.b64decode(answer["data"]["signOutputAudio"]["fileBase64"])
    file = tmp_path / "signed.wav"
    file.write_bytes(signed)
    open_page(page, explorer.url, "/inspect")
    for role in ("AUDITOR", "LICENSEE:lic-cadence", "CREATOR"):
        key = explorer.keys[role]
        use_key(page, key)
        read_back(page, file)
        query = INSPECT.replace("influences { work { iswc } }", "")  # not shown on the page
        api: dict[str, Any] = explorer.upload(query, signed, key)
        allowed = leaves(api["data"])
        leaked = [(name, text) for name, text in shown(page) if text not in allowed and text != "–"]
        assert not leaked, f"{role} sees on the read-back page what GraphQL did not answer: {leaked}"
        seen = api["data"]["inspectAudio"]
        assert page.inner_text("[data-field='inspection.state']") == seen["state"]
        has_trace = page.locator(f"#inspection a[href='#/output/{AURORA_OUTPUT}']").count() == 1
        assert has_trace == (seen["trace"] is not None)
        if role == "AUDITOR":
            assert seen["state"] == "VERIFIED" and has_trace
        if role == "LICENSEE:lic-cadence":  # another licensee's output answers as one the service lacks
            assert seen["state"] == "UNKNOWN_OUTPUT" and not has_trace
            assert "no output for this file that this key may read" in page.inner_text("#inspection")

    use_key(page, None)  # anonymous: told a key is needed, and the server's refusal is shown
    assert "needs an API key" in page.inner_text("main")
    read_back(page, file, verdict=False)
    assert "File uploads need a valid API key" in page.inner_text("#inspection .notice.error")
    assert page.locator("[data-field='inspection.state']").count() == 0
