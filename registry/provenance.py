"""Licensee declarations (models, training runs with their manifests, generated outputs) and run compliance.

Pure: the inputs a licensee sends, validated at the boundary, the manifest line formats, and the judgement
of a training run from the facts the graph layer gathers. The licensability rule itself is
registry.rights; this module only says how a run is judged with it:

- the grant is judged once, at the moment the run started (`grant_reasons`), and must be the licensee's
  grant for the model version the run produced (docs/architecture.md: a grant covers one model version);
- every work is judged at that same moment (`work_reasons`): training on a work begins when the run
  starts, and revocation is never retroactive, so a consent revoked after the start does not taint it;
- a recording is licensable when it embodies at least one work and every work it embodies is;
- a reference the registry cannot resolve is flagged: the society cannot vouch for content it does not know.

A run is compliant when none of this yields a flag.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    StringConstraints,
    ValidationError,
    model_validator,
)

from registry.errors import InvalidInput
from registry.identifiers import parse_isrc, parse_iswc
from registry.moments import within_window
from registry.record_ids import RecordId, namespace_problem, namespaced
from registry.rights import (
    GrantFacts,
    Reason,
    ReasonCode,
    Scope,
    WorkFacts,
    grant_reasons,
    require_aware,
    work_reasons,
)

__all__ = [
    "MAX_LIST_MANIFEST",
    "ComplianceStatus",
    "FlagCode",
    "FlagDraft",
    "ItemKind",
    "ManifestDigest",
    "ManifestFormat",
    "ManifestItem",
    "ManifestParser",
    "ModelInput",
    "OutputInput",
    "ResolvedItem",
    "RunInput",
    "SubjectKind",
    "TrainingVerdict",
    "canonical_weight",
    "flag_id",
    "item_flags",
    "licensable_at_training",
    "lineage_flag",
    "model_id_for",
    "parse_manifest",
    "run_flags",
]

# Above this a manifest goes in as an uploaded file; a GraphQL list of 100,000 objects is a 10 MB query.
MAX_LIST_MANIFEST = 10_000
MAX_WEIGHT_DIGITS = 30

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_WEIGHT = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,12})?", re.ASCII)

Id = RecordId
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


def _aware(moment: datetime) -> datetime:
    require_aware(moment)
    return within_window(moment)


Moment = Annotated[datetime, AfterValidator(_aware)]


class SubjectKind(StrEnum):
    TRAINING_RUN = "TRAINING_RUN"
    OUTPUT = "OUTPUT"
    ATTRIBUTION = "ATTRIBUTION"


class FlagCode(StrEnum):
    """Why a run or an output is not compliant. Item flags name the work or recording they concern."""

    NO_GRANT = "NO_GRANT"  # the run names no grant
    GRANT_NOT_VALID = "GRANT_NOT_VALID"  # not valid, suspended, revoked or without TRAINING at the start
    GRANT_FOR_OTHER_MODEL = "GRANT_FOR_OTHER_MODEL"  # a grant covers one model version
    WORK_NOT_LICENSABLE = "WORK_NOT_LICENSABLE"  # no consent, consent revoked, no share holder
    WORK_DECLINED = "WORK_DECLINED"  # declined but monitored: any training on it is flagged
    WORK_WITHDRAWN = "WORK_WITHDRAWN"
    RECORDING_WITHOUT_WORK = "RECORDING_WITHOUT_WORK"  # no registered composition, so no consent
    UNKNOWN_CONTENT = "UNKNOWN_CONTENT"  # a manifest reference the registry cannot resolve
    NON_COMPLIANT_LINEAGE = "NON_COMPLIANT_LINEAGE"  # an output of a model with a non-compliant run


RUN_LEVEL_CODES = frozenset({FlagCode.NO_GRANT, FlagCode.GRANT_NOT_VALID, FlagCode.GRANT_FOR_OTHER_MODEL})


class ComplianceStatus(StrEnum):
    COMPLIANT = "COMPLIANT"
    NON_COMPLIANT = "NON_COMPLIANT"
    UNDECLARED = "UNDECLARED"  # a model whose lineage has no declared (complete) training run


class ItemKind(StrEnum):
    WORK = "WORK"
    RECORDING = "RECORDING"


class ManifestFormat(StrEnum):
    JSON_LINES = "JSON_LINES"
    CSV = "CSV"


class _Input(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def model_id_for(licensee_id: str, name: str, version: str) -> str:
    """The contract's default model id when the client gives none: in the licensee's namespace."""
    return namespaced(licensee_id, f"{name}:{version}")


def _require_namespace(kind: str, licensee_id: str, record_id: str) -> None:
    """A declared id lies in its licensee's namespace (registry.record_ids): refused before any read."""
    problem = namespace_problem(kind, licensee_id, record_id)
    if problem is not None:
        raise InvalidInput(problem[0].upper() + problem[1:] + ".")


class ModelInput(_Input):
    """A model version a licensee operates; `base_model_id` is the model it was fine-tuned from.

    A licensee may fine-tune only from its own declared models: a third-party base (an open-weights
    model) is declared by the licensee first, with the training runs it knows of, so the lineage that
    royalties and auditors follow never leaves the licensee's own declarations.
    """

    id: Id | None = None
    licensee_id: Id
    name: Name
    version: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    base_model_id: Id | None = None

    @property
    def model_id(self) -> str:
        return self.id or model_id_for(self.licensee_id, self.name, self.version)

    @model_validator(mode="after")
    def _valid_ids(self) -> ModelInput:
        _require_namespace("Model", self.licensee_id, self.model_id)
        if self.base_model_id is not None and self.base_model_id == self.model_id:
            raise ValueError("a model cannot be fine-tuned from itself")
        return self


class RunInput(_Input):
    """A training run's header; its manifest streams in separately (ManifestItem)."""

    id: Id
    licensee_id: Id
    model_id: Id
    grant_id: Id | None = None
    started_at: Moment
    finished_at: Moment

    @model_validator(mode="after")
    def _valid(self) -> RunInput:
        _require_namespace("Training run", self.licensee_id, self.id)
        if self.finished_at <= self.started_at:
            raise ValueError("finishedAt must be after startedAt")
        return self

    def header(self) -> dict[str, Any]:
        """What a retry must repeat exactly (the manifest is compared by its digest)."""
        return {
            "model_id": self.model_id,
            "grant_id": self.grant_id,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
        }


def _sha256(value: str) -> str:
    text = value.strip().lower()
    if _SHA256_HEX.fullmatch(text) is None:
        raise ValueError("contentHash must be the SHA-256 of the audio: 64 hexadecimal characters")
    return text


class OutputInput(_Input):
    """A generated track, keyed by its licensee and the SHA-256 of its audio: each licensee's declaration of
    one audio is that licensee's own output, so a declaration never meets another licensee's record; two
    licensees declaring one audio is an audio dispute the society sees (docs/access.md, "Outputs are keyed
    by licensee and audio")."""

    id: Id | None = None
    licensee_id: Id
    model_id: Id
    content_hash: Annotated[str, AfterValidator(_sha256)]
    generated_at: Moment
    title: Text | None = None
    duration_seconds: Annotated[Decimal, AfterValidator(lambda d: _duration(d))] | None = None

    @property
    def output_id(self) -> str:
        """The id asked for, else the default `<licensee>:<content hash>`."""
        return self.id or namespaced(self.licensee_id, self.content_hash)

    @model_validator(mode="after")
    def _own_id(self) -> OutputInput:
        if self.id is not None:
            _require_namespace("Output", self.licensee_id, self.id)
        return self


def _duration(value: Decimal) -> Decimal:
    if not value.is_finite() or value <= 0 or value > 86_400:
        raise ValueError("durationSeconds must be a positive number of seconds, at most a day")
    return value


def canonical_weight(text: str) -> str:
    """An exact non-negative decimal weight as a canonical string ("0.50" -> "0.5"); floats never."""
    stripped = text.strip()
    if _WEIGHT.fullmatch(stripped) is None:
        raise ValueError(f'weight {text!r} must be a plain decimal string such as "0.25"')
    try:
        value = Decimal(stripped)
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only valid decimals
        raise ValueError(f"weight {text!r} is not a number") from exc
    if value == 0:
        raise ValueError("weight must be greater than 0: leave an unused item out of the manifest")
    return format(value.normalize(), "f")


def _isrc(value: str) -> str:
    # Warnings (an unassigned country prefix) do not stop a declaration: the reference is what was used.
    canonical, _warnings = parse_isrc(value)
    return canonical


class ManifestItem(_Input):
    """One line of a manifest: a work (by id or ISWC) or a recording (by ISRC), with its weight."""

    work_id: Id | None = None
    iswc: Annotated[str, AfterValidator(parse_iswc)] | None = None
    isrc: Annotated[str, AfterValidator(_isrc)] | None = None
    weight: Annotated[str, AfterValidator(canonical_weight)] = "1"

    @model_validator(mode="after")
    def _one_reference(self) -> ManifestItem:
        given = [v for v in (self.work_id, self.iswc, self.isrc) if v]
        if len(given) != 1:
            raise ValueError("name exactly one of workId, iswc or isrc")
        return self

    @property
    def kind(self) -> ItemKind:
        return ItemKind.RECORDING if self.isrc else ItemKind.WORK

    @property
    def reference(self) -> str:
        """A stable text for the item, used to de-duplicate and in the manifest digest."""
        if self.isrc:
            return f"isrc:{self.isrc}"
        if self.iswc:
            return f"iswc:{self.iswc}"
        return f"work:{self.work_id}"

    def row(self) -> dict[str, str | None]:
        return {
            "ref": self.reference,
            "work_id": self.work_id,
            "iswc": self.iswc,
            "isrc": self.isrc,
            "weight": self.weight,
        }


class ManifestDigest:
    """SHA-256 over the manifest's canonical lines: a retry of a run must send the same manifest."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.count = 0

    def add(self, item: ManifestItem) -> None:
        self._hash.update(f"{item.reference}\t{item.weight}\n".encode())
        self.count += 1

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


_CSV_COLUMNS = {"work_id": "work_id", "workid": "work_id", "iswc": "iswc", "isrc": "isrc", "weight": "weight"}
_JSON_KEYS = {"workId": "work_id", "work_id": "work_id", "iswc": "iswc", "isrc": "isrc", "weight": "weight"}


class ManifestParser:
    """Items from a JSON-lines or CSV manifest, fed a few lines at a time as they stream in.

    JSON lines: `{"workId": "w1", "weight": "0.5"}`, `{"iswc": "T-034.524.680-1"}`, `{"isrc": "..."}`.
    CSV: a header naming some of work_id, iswc, isrc, weight; one item per line (no quoted line breaks).
    Blank lines are skipped; an error names its line. A reference listed twice is refused, since
    the weight it should carry would be a guess.
    """

    def __init__(self, fmt: ManifestFormat) -> None:
        self.fmt = fmt
        self.line = 0
        self._columns: list[str | None] | None = None
        self._seen: dict[str, int] = {}

    def feed(self, lines: Iterable[str]) -> Iterator[ManifestItem]:
        for line in lines:
            self.line += 1
            if not line.strip():
                continue
            item = self._csv(line) if self.fmt is ManifestFormat.CSV else self._json(line)
            if item is not None:
                yield self._once(item)

    def _once(self, item: ManifestItem) -> ManifestItem:
        first = self._seen.setdefault(item.reference, self.line)
        if first != self.line:
            raise InvalidInput(f"Manifest line {self.line} repeats {item.reference} of line {first}.")
        return item

    def _json(self, line: str) -> ManifestItem:
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"Manifest line {self.line} is not JSON: {exc.msg}.") from exc
        if not isinstance(raw, dict):
            raise InvalidInput(f"Manifest line {self.line} must be a JSON object.")
        unknown = sorted(set(raw) - set(_JSON_KEYS))
        if unknown:
            raise InvalidInput(
                f"Manifest line {self.line} has unknown keys {unknown}; use workId, iswc, isrc, weight."
            )
        # An integer weight is exact; a JSON fraction (0.1) arrives as a binary float, so it is refused.
        values = {_JSON_KEYS[k]: (str(v) if k == "weight" and type(v) is int else v) for k, v in raw.items()}
        return self._item(values)

    def _csv(self, line: str) -> ManifestItem | None:
        row = next(csv.reader([line]))
        if self._columns is None:
            self._columns = [_CSV_COLUMNS.get(h.strip().lower().replace(" ", "")) for h in row]
            if not any(self._columns) or None in self._columns:
                raise InvalidInput("The CSV manifest's header must name only work_id, iswc, isrc and weight.")
            return None
        values = {c: v.strip() for c, v in zip(self._columns, row, strict=False) if c and v.strip()}
        return self._item(values)

    def _item(self, values: Mapping[str, Any]) -> ManifestItem:
        try:
            return ManifestItem.model_validate(dict(values))
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            detail = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in errors)
            raise InvalidInput(f"Manifest line {self.line}: {detail}.") from exc
        except InvalidInput as exc:
            raise InvalidInput(f"Manifest line {self.line}: {exc.message}") from exc


def parse_manifest(lines: Iterable[str], fmt: ManifestFormat) -> Iterator[ManifestItem]:
    """Every item of a whole manifest, lazily (see ManifestParser)."""
    yield from ManifestParser(fmt).feed(lines)


# --- compliance ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FlagDraft:
    """A compliance flag before it is stored: the graph layer gives it its id and subject."""

    code: FlagCode
    message: str
    reasons: tuple[str, ...] = ()
    work_id: str | None = None
    recording_id: str | None = None
    reference: str | None = None


def flag_id(subject_id: str, code: FlagCode, target: str | None) -> str:
    """Deterministic, so re-evaluating a subject MERGEs onto the same flags instead of adding more."""
    return f"{subject_id}|{code.value}|{target or '-'}"


def run_flags(
    *,
    grant: GrantFacts | None,
    grant_model: tuple[str, str] | None,
    licensee_id: str,
    model: tuple[str, str],
    started_at: datetime,
) -> list[FlagDraft]:
    """The run-level flags: is there a grant, was it valid for TRAINING at the start, for this model."""
    require_aware(started_at, "start of the run")
    if grant is None:
        return [FlagDraft(FlagCode.NO_GRANT, "The run names no grant: it trained outside the licence.")]
    flags: list[FlagDraft] = []
    reasons = grant_reasons(grant, Scope.TRAINING, started_at)
    if grant.licensee_id != licensee_id:
        reasons.append(Reason(ReasonCode.NO_GRANT, f"Grant {grant.id} belongs to another licensee."))
    if reasons:
        message = " ".join(r.message for r in reasons)
        flags.append(FlagDraft(FlagCode.GRANT_NOT_VALID, message, tuple(r.code.value for r in reasons)))
    if grant_model is not None and grant_model != model:
        message = (
            f"Grant {grant.id} covers model {grant_model[0]} version {grant_model[1]}, "
            f"not {model[0]} version {model[1]}; a retrained model needs a new grant."
        )
        flags.append(FlagDraft(FlagCode.GRANT_FOR_OTHER_MODEL, message))
    return flags


@dataclass(frozen=True, slots=True)
class ResolvedItem:
    """A manifest item as the graph resolved it: the node it names and, for a recording, its works."""

    reference: str
    kind: ItemKind
    node_id: str | None  # None when the registry does not know the reference
    work_ids: tuple[str, ...] = ()


def item_flags(
    items: Sequence[ResolvedItem], facts: Mapping[str, WorkFacts], started_at: datetime
) -> list[FlagDraft]:
    """Flags for the items of one batch: every work judged by registry.rights at the run's start."""
    require_aware(started_at, "start of the run")
    judged: dict[str, list[Reason]] = {}

    def reasons_for(work_id: str) -> list[Reason]:
        if work_id not in judged:
            found = facts.get(work_id)
            judged[work_id] = work_reasons(found, Scope.TRAINING, started_at) if found else []
        return judged[work_id]

    flags: list[FlagDraft] = []
    for item in items:
        if item.node_id is None:
            message = f"The manifest names {item.reference}, which is not in the registry."
            flags.append(FlagDraft(FlagCode.UNKNOWN_CONTENT, message, reference=item.reference))
        elif item.kind is ItemKind.RECORDING and not item.work_ids:
            message = f"Recording {item.node_id} embodies no registered work, so no one consented to it."
            flags.append(FlagDraft(FlagCode.RECORDING_WITHOUT_WORK, message, recording_id=item.node_id))
        else:
            flags += _work_flags(item, reasons_for)
    return flags


def _work_flags(item: ResolvedItem, reasons_for: Callable[[str], list[Reason]]) -> list[FlagDraft]:
    recording = item.node_id if item.kind is ItemKind.RECORDING else None
    flags = []
    for work_id in item.work_ids:
        reasons: list[Reason] = reasons_for(work_id)
        if not reasons:
            continue
        codes = tuple(dict.fromkeys(r.code.value for r in reasons))
        via = f" (through recording {recording})" if recording else ""
        message = f"Work {work_id}{via} was not licensable for training: " + " ".join(
            r.message for r in reasons
        )
        flags.append(FlagDraft(_work_code(codes), message, codes, work_id=work_id, recording_id=recording))
    return flags


def _work_code(codes: tuple[str, ...]) -> FlagCode:
    if ReasonCode.WORK_DECLINED.value in codes:
        return FlagCode.WORK_DECLINED
    if ReasonCode.WORK_WITHDRAWN.value in codes:
        return FlagCode.WORK_WITHDRAWN
    return FlagCode.WORK_NOT_LICENSABLE


def lineage_flag(run_id: str, model_id: str) -> FlagDraft:
    message = (
        f"Generated by a model whose training lineage includes non-compliant run {run_id} (model {model_id})."
    )
    return FlagDraft(FlagCode.NON_COMPLIANT_LINEAGE, message, reference=run_id)


@dataclass(frozen=True, slots=True)
class TrainingVerdict:
    """Was a work licensable for training when the model was trained? None when no training is declared."""

    licensable: bool | None
    reasons: tuple[Reason, ...] = ()


def licensable_at_training(
    work_ids: Sequence[str], facts: Mapping[str, WorkFacts], run_starts: Sequence[datetime]
) -> TrainingVerdict:
    """Judged with registry.rights at the start of every run of the model's lineage: licensable only if
    every work (a recording stands for the works it embodies) was licensable at each of them."""
    if not run_starts:
        return TrainingVerdict(None)
    if not work_ids:
        return TrainingVerdict(False, (Reason(ReasonCode.NO_SHARES, "No registered work stands behind it."),))
    reasons: dict[str, Reason] = {}
    for moment in sorted(set(run_starts)):
        for work_id in work_ids:
            found = facts.get(work_id)
            for reason in work_reasons(found, Scope.TRAINING, moment) if found else []:
                reasons.setdefault(reason.message, reason)
    return TrainingVerdict(not reasons, tuple(reasons.values()))
