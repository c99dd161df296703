"""The demo world's contents, drawn from a seed: creators, works, licences, models, outputs, usage.

Pure data (no I/O): `opustrace.demo` writes it through the GraphQL mutations. The same seed always
gives the same world, so screenshots, tests and the README agree.
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
import random
import struct
import wave
from dataclasses import dataclass, field
from typing import Any

from registry.identifiers import ipi_name_check_digits, iswc_check_digit

FIRST = (
    "Ada Bea Cleo Dara Elif Fenna Greta Hana Ines Jola Kai Lena Mila Nora Oona Pia Runa Sade Tove Una "
    "Anton Bruno Cyril Dario Emil Felix Goran Hugo Ivo Jonas Karel Luca Marek Niko Otto Pavel Rafa Sven "
    "Tomas Yuri"
).split()
LAST = (
    "Adler Berg Castell Dahl Engel Falk Gruber Holm Ilves Jansen Kovac Lind Moreau Novak Okafor Petrov Quist "
    "Rossi Sato Tamm Urban Varga Weiss Xu Yilmaz Zeller Brandt Costa Dimitrov Eriksen"
).split()
PUBLISHERS = (
    "Northlight Music Publishing",
    "Harbour Songs Ltd",
    "Copperleaf Editions",
    "Blue Meridian Publishing",
    "Sixth Street Music",
    "Vesper & Lowe Music",
    "Tidewater Songs",
    "Foxglove Music Group",
)
ADJECTIVES = (
    "Silver Quiet Broken Golden Northern Velvet Hollow Electric Paper Distant Midnight Crimson Wild Slow "
    "Burning Open Lonely Bright Falling Hidden Winter Summer Restless Gentle Faded"
).split()
NOUNS = (
    "River Harbour Lanterns Orchard Signal Tide Window Meadow Engine Compass Letters Garden Highway Echo "
    "Horizon Ember Stairway Island Mirror Sparrow Thunder Lullaby Parade Crossing Avenue"
).split()
LANGUAGES = ("EN", "EN", "EN", "DE", "FR", "ES", "SV", "IT")
SCOPES = ["TRAINING", "SERVICE_USE", "OUTPUT_USE"]
LICENSEES = (
    ("lic-aurora", "Aurora Audio", "aurora-compose"),
    ("lic-basilisk", "Basilisk Labs", "basilisk-song"),
    ("lic-cadence", "Cadence AI", "cadence-gen"),
)
VENDORS = (("vendor-sureel", "Sureel", "SUREEL"), ("vendor-provlabs", "Provenance Labs", "GENERIC_JSON"))
PERIODS = ("2026-09", "2026-10")
BENCH_OUTPUT = (
    "lic-aurora:out-bench-100"  # the output with exactly 100 influences, for the explorer benchmark
)


@dataclass(frozen=True)
class Size:
    creators: int = 300
    works: int = 3000
    outputs: int = 2000
    manifest: int = 700  # works per training run
    paid_outputs: int = 150  # outputs with output-use revenue per month


SMALL = Size(creators=60, works=300, outputs=120, manifest=150, paid_outputs=30)
TINY = Size(creators=24, works=80, outputs=14, manifest=40, paid_outputs=4)  # the browser tests' world


@dataclass
class World:
    creators: list[dict[str, Any]] = field(default_factory=list)
    works: list[dict[str, Any]] = field(default_factory=list)
    consents: list[dict[str, Any]] = field(default_factory=list)
    declines: list[dict[str, Any]] = field(default_factory=list)
    revoked: list[str] = field(default_factory=list)  # consent ids revoked after loading
    models: list[dict[str, Any]] = field(default_factory=list)
    grants: list[dict[str, Any]] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)
    outputs: list[dict[str, Any]] = field(default_factory=list)
    reports: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # vendor id -> payloads
    usage: list[dict[str, Any]] = field(default_factory=list)
    correction: dict[str, Any] = field(default_factory=dict)


def ipi(n: int) -> str:
    nine = f"{n:09d}"
    return nine + ipi_name_check_digits(nine)


def iswc(n: int) -> str:
    nine = f"{n:09d}"
    return f"T{nine}{iswc_check_digit(nine)}"


def audio(seed: int, n: int) -> bytes:
    """Output n's audio: a short WAV tone (stdlib `wave`) ending in four frames that spell the seed and n,
    so every output's audio (and so its content hash) differs; a demo track can be signed with C2PA and
    read back in the explorer."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(_tone(220 + (seed * 31 + n * 37) % 660) + struct.pack("<II", seed & 0xFFFFFFFF, n))
    return buffer.getvalue()


@functools.cache
def _tone(frequency: int, rate: int = 8000, frames: int = 800) -> bytes:
    samples = (int(6000 * math.sin(2 * math.pi * frequency * i / rate)) for i in range(frames))
    return struct.pack(f"<{frames}h", *samples)


def output_number(output_id: str) -> int:
    """The n an output id was drawn with (`lic-aurora:out-00042` is 42; the bench output is 0). The id's
    licensee namespace may be left out (`out-00042`)."""
    local = output_id.rpartition(":")[2]
    if local == BENCH_OUTPUT.rpartition(":")[2]:
        return 0
    digits = local.removeprefix("out-")
    if not (local.startswith("out-") and digits.isdigit()):
        raise ValueError(f"{output_id!r} is not a demo output id (<licensee>:out-NNNNN or {BENCH_OUTPUT})")
    return int(digits)


def content_hash(seed: int, n: int) -> str:
    return hashlib.sha256(audio(seed, n)).hexdigest()


def build(seed: int = 2026, size: Size = Size()) -> World:
    rng = random.Random(seed)  # noqa: S311 - a reproducible world, nothing secret
    world = World()
    _creators(rng, world, size)
    _works(rng, world, size)
    _consents(rng, world)
    _models(world)
    _runs(rng, world, size)
    _outputs(rng, world, size, seed)
    _usage(rng, world, size)
    return world


def _creators(rng: random.Random, world: World, size: Size) -> None:
    names = rng.sample([(f, last) for f in FIRST for last in LAST], size.creators)
    base = rng.randrange(10_000_000, 90_000_000)
    for n, (first, last) in enumerate(names):
        world.creators.append(
            {
                "id": f"cr-{n:04d}",
                "name": last,
                "firstName": first,
                "kind": "PERSON",
                "ipi": ipi(base + n * 7),
            }
        )
    for n, name in enumerate(PUBLISHERS):
        world.creators.append(
            {"id": f"pub-{n:02d}", "name": name, "kind": "PUBLISHER", "ipi": ipi(base - n - 1)}
        )


def _split(total: int, parts: int) -> list[int]:
    each, rest = divmod(total, parts)
    return [each + (1 if i < rest else 0) for i in range(parts)]


def _works(rng: random.Random, world: World, size: Size) -> None:
    persons = [c["id"] for c in world.creators if c["kind"] == "PERSON"]
    publishers = [c["id"] for c in world.creators if c["kind"] == "PUBLISHER"]
    numbers = rng.sample(range(100_000_000, 999_999_999), size.works)
    for n, number in enumerate(numbers):
        title = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"
        if rng.random() < 0.3:
            title += f" {rng.choice(('II', 'Reprise', 'Part 2', 'at Dawn', 'Again', 'Live'))}"
        writers = rng.sample(persons, rng.choice((1, 2, 2, 3)))
        roles = ["COMPOSER_LYRICIST"] if len(writers) == 1 else ["COMPOSER", "LYRICIST", "COMPOSER"]
        publisher = rng.choice(publishers) if rng.random() < 0.7 else None
        perf, mech = (5000, 2500) if publisher else (10_000, 10_000)
        shares = [
            {"creatorId": w, "role": roles[i], "performingBp": p, "mechanicalBp": m, "synchronisationBp": m}
            for i, (w, p, m) in enumerate(
                zip(writers, _split(perf, len(writers)), _split(mech, len(writers)), strict=True)
            )
        ]
        if publisher:
            shares.append(
                {"creatorId": publisher, "role": "PUBLISHER", "performingBp": 10_000 - perf,
                 "mechanicalBp": 10_000 - mech, "synchronisationBp": 10_000 - mech}
            )  # fmt: skip
        world.works.append(
            {"id": f"w-{n:05d}", "iswc": iswc(number), "title": title, "language": rng.choice(LANGUAGES),
             "shares": shares}
        )  # fmt: skip


def _consents(rng: random.Random, world: World) -> None:
    """Most creators opt their whole catalogue in; some decline single works; a few revoke later."""
    for creator in world.creators:
        roll = rng.random()
        if roll < 0.08 and creator["kind"] == "PERSON":
            continue  # never answered: their works are not licensable
        consent_id = f"k-{creator['id']}"
        scopes = SCOPES if roll > 0.2 else ["TRAINING", "OUTPUT_USE"]
        world.consents.append(
            {"id": consent_id, "creatorId": creator["id"], "catalogue": True, "scopes": scopes,
             "validFrom": "2025-01-01T00:00:00+00:00", "evidence": "demo: signed opt-in form"}
        )  # fmt: skip
        if rng.random() < 0.04:
            world.revoked.append(consent_id)
    for work in rng.sample(world.works, max(3, len(world.works) // 100)):
        holder = work["shares"][0]["creatorId"]
        world.declines.append(
            {"id": f"d-{work['id']}", "workId": work["id"], "creatorId": holder, "scopes": SCOPES,
             "evidence": "demo: opt-out letter"}
        )  # fmt: skip


def _models(world: World) -> None:
    for licensee_id, _, name in LICENSEES:
        base = {"id": f"{licensee_id}:{name}-1", "licenseeId": licensee_id, "name": name, "version": "1"}
        tune = {"id": f"{licensee_id}:{name}-1-ft", "licenseeId": licensee_id, "name": name,
                "version": "1-ft", "baseModelId": base["id"]}  # fmt: skip
        world.models += [base, tune]
        for model in (base, tune):
            world.grants.append(
                {"id": f"grant-{name}-{model['version']}", "licenseeId": licensee_id,
                 "licenceVersionId": "cal-v1" if licensee_id != "lic-cadence" else "research-v1",
                 "modelName": name, "modelVersion": model["version"],
                 "validFrom": "2025-01-01T00:00:00+00:00", "validTo": "2028-01-01T00:00:00+00:00"}
            )  # fmt: skip


def _runs(rng: random.Random, world: World, size: Size) -> None:
    """One run per model version; Cadence's fine-tune runs under no grant on declined works."""
    declined = {d["workId"] for d in world.declines}
    consenting = {c["creatorId"] for c in world.consents if "TRAINING" in c["scopes"]}
    licensable = [
        w["id"] for w in world.works
        if w["id"] not in declined and all(s["creatorId"] in consenting for s in w["shares"])
    ]  # fmt: skip
    unlicensed = [w["id"] for w in world.works if w["id"] not in set(licensable)]
    for n, model in enumerate(world.models):
        used = rng.sample(licensable, min(size.manifest, len(licensable)))
        rogue = model["id"] == "lic-cadence:cadence-gen-1-ft"
        if rogue:  # no grant, and works whose holders never consented or declined
            used = sorted(set(used) | set(unlicensed[:12]))
        world.runs.append(
            {"id": f"{model['licenseeId']}:run-{model['name']}-{model['version']}",
             "licenseeId": model["licenseeId"], "modelId": model["id"],
             "grantId": None if rogue else f"grant-{model['name']}-{model['version']}",
             "startedAt": f"2025-{3 + n:02d}-01T00:00:00+00:00",
             "finishedAt": f"2025-{3 + n:02d}-09T00:00:00+00:00",
             "items": [{"workId": w, "weight": str(rng.randint(1, 5))} for w in used]}
        )  # fmt: skip


def _vendor_of(licensee_id: str) -> str:
    return "vendor-sureel" if licensee_id == "lic-aurora" else "vendor-provlabs"


def _outputs(rng: random.Random, world: World, size: Size, seed: int) -> None:
    works = {w["id"]: w for w in world.works}
    trained = {r["modelId"]: [i["workId"] for i in r["items"]] for r in world.runs}
    for m in world.models:  # a fine-tune also learned from its base's data
        if m.get("baseModelId"):
            trained[m["id"]] = trained[m["id"]] + trained[m["baseModelId"]]
    world.reports = {v[0]: [] for v in VENDORS}
    for n in range(size.outputs):
        model = world.models[n % len(world.models)]
        out_id = BENCH_OUTPUT if n == 0 else f"{model['licenseeId']}:out-{n:05d}"
        day = 1 + n % 28
        month = PERIODS[n % 2]
        output = {"id": out_id, "licenseeId": model["licenseeId"], "modelId": model["id"],
                  "contentHash": content_hash(seed, n), "generatedAt": f"{month}-{day:02d}T12:00:00+00:00",
                  "title": f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} (generated)",
                  "durationSeconds": str(rng.randint(60, 240))}  # fmt: skip
        world.outputs.append(output)
        count = 100 if n == 0 else rng.randint(3, 8)
        chosen = rng.sample(trained[model["id"]], min(count, len(set(trained[model["id"]]))))
        chosen = list(dict.fromkeys(chosen))
        vendor = _vendor_of(model["licenseeId"])
        world.reports[vendor].append(_report(rng, vendor, output, [works[w] for w in chosen], n))


def _report(
    rng: random.Random, vendor: str, output: dict[str, Any], works: list[dict[str, Any]], n: int
) -> Any:
    weights = [rng.random() ** 2 + 0.02 for _ in works]
    budget = rng.randint(55, 95) if len(works) < 20 else 99
    pcts = [round(budget * w / sum(weights), 2) for w in weights]
    at = output["generatedAt"].replace("T12:", "T18:")
    if vendor == "vendor-sureel":
        return {
            "analysis_id": f"sa_{n:06d}", "status": "completed", "completed_at": at,
            "model": {"name": "sureel-attribution", "version": "3.2.1"},
            "output": {"reference": output["id"], "sha256": output["contentHash"]},
            "attributions": [
                {"asset": {"id": f"sr_{w['id']}", "type": "composition", "title": w["title"],
                           "iswc": w["iswc"]},
                 "influence_pct": f"{p:.2f}", "confidence": f"{rng.uniform(0.55, 0.99):.2f}"}
                for w, p in zip(works, pcts, strict=True)
            ],
        }  # fmt: skip
    return {
        "output_id": output["id"], "vendor_report_id": f"pl-{n:06d}", "method": "stem-similarity",
        "method_version": "1.4", "computed_at": at,
        "influences": [
            {"reference": {"iswc": w["iswc"], "title": w["title"]}, "right_type": "COMPOSITION",
             "score": f"{p / 100:.4f}", "confidence": f"{rng.uniform(0.4, 0.99):.2f}"}
            for w, p in zip(works, pcts, strict=True)
        ],
    }  # fmt: skip


def _usage(rng: random.Random, world: World, size: Size) -> None:
    for period in PERIODS:
        for model in world.models:
            world.usage.append(
                {"stream": "SERVICE_USE", "period": period, "subjectId": model["id"],
                 "amount": f"{rng.randint(8_000, 60_000)}.00", "currency": "EUR",
                 "licenseeId": model["licenseeId"]}
            )  # fmt: skip
        paid = [o for o in world.outputs if o["generatedAt"].startswith(period)][: size.paid_outputs]
        for output in paid:
            world.usage.append(
                {"stream": "OUTPUT_USE", "period": period, "subjectId": output["id"],
                 "amount": f"{rng.randint(20, 4_000)}.{rng.randint(0, 99):02d}", "currency": "EUR",
                 "licenseeId": output["licenseeId"]}
            )  # fmt: skip
    first = next(u for u in world.usage if u["stream"] == "OUTPUT_USE" and u["period"] == PERIODS[0])
    world.correction = dict(first, amount=f"{int(float(first['amount']) * 1.5)}.00", correction=True)
