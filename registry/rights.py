"""The licensability rule: the one place that decides whether a work may be used, and why not.

Pure: callers gather the facts (the graph layer in one query per page of works) and this module
judges them. A verdict lists *every* reason a work is not licensable, so a licensee, a creator or
an auditor sees the whole picture at once instead of fixing one reason to discover the next.

The rule (docs/architecture.md): a work is licensable for a scope at time t when every share holder has an
opt-in consent covering that scope in force at t, no share holder's decline is in force at t, and
the work is not withdrawn. Under a grant, the grant must also be valid, not suspended and not
revoked at t, and its scopes and its licence version must allow the scope and the intended use.

Everything is judged *at t*: a consent revoked at r is in force for t < r, a grant suspended at s
was usable before s. That is what makes revocation never retroactive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from registry.errors import InvalidInput

__all__ = [
    "ConsentFacts",
    "Decision",
    "GrantFacts",
    "GrantStatus",
    "HolderFacts",
    "Reason",
    "ReasonCode",
    "Scope",
    "Use",
    "Verdict",
    "WorkFacts",
    "WorkState",
    "check",
    "consent_in_force",
    "grant_reasons",
    "require_aware",
    "work_reasons",
]


class Scope(StrEnum):
    """What a consent or a grant covers: the three points at which rights holders are paid."""

    TRAINING = "TRAINING"
    SERVICE_USE = "SERVICE_USE"
    OUTPUT_USE = "OUTPUT_USE"


class Decision(StrEnum):
    OPT_IN = "OPT_IN"
    DECLINE = "DECLINE"  # declined but monitored: never licensable, any use found is flagged


class WorkState(StrEnum):
    ACTIVE = "ACTIVE"
    WITHDRAWN = "WITHDRAWN"


class GrantStatus(StrEnum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    REVOKED = "REVOKED"


class Use(StrEnum):
    """Uses of generated music a licence version may exclude (the first licence excludes the first three)."""

    ADVERTISING = "ADVERTISING"
    TV = "TV"
    FILM = "FILM"
    VIDEO_GAME = "VIDEO_GAME"
    STREAMING = "STREAMING"
    RADIO = "RADIO"
    ONLINE_VIDEO = "ONLINE_VIDEO"
    LIVE = "LIVE"


class ReasonCode(StrEnum):
    NO_SHARES = "NO_SHARES"
    NO_CONSENT = "NO_CONSENT"
    CONSENT_REVOKED = "CONSENT_REVOKED"
    WORK_DECLINED = "WORK_DECLINED"
    WORK_WITHDRAWN = "WORK_WITHDRAWN"
    NO_GRANT = "NO_GRANT"
    GRANT_NOT_YET_VALID = "GRANT_NOT_YET_VALID"
    GRANT_EXPIRED = "GRANT_EXPIRED"
    GRANT_SUSPENDED = "GRANT_SUSPENDED"
    GRANT_REVOKED = "GRANT_REVOKED"
    SCOPE_NOT_IN_GRANT = "SCOPE_NOT_IN_GRANT"
    SCOPE_NOT_IN_LICENCE = "SCOPE_NOT_IN_LICENCE"
    USE_EXCLUDED = "USE_EXCLUDED"


# What each code means, where only the code was kept (a compliance flag stores its reasons' codes).
REASON_SUMMARIES: dict[ReasonCode, str] = {
    ReasonCode.NO_SHARES: "The work has no registered share holders.",
    ReasonCode.NO_CONSENT: "A share holder has not consented to the scope.",
    ReasonCode.CONSENT_REVOKED: "A share holder revoked the consent.",
    ReasonCode.WORK_DECLINED: "A share holder declined the work.",
    ReasonCode.WORK_WITHDRAWN: "The work was withdrawn from the registry.",
    ReasonCode.NO_GRANT: "No grant covered the use.",
    ReasonCode.GRANT_NOT_YET_VALID: "The grant was not yet valid.",
    ReasonCode.GRANT_EXPIRED: "The grant had expired.",
    ReasonCode.GRANT_SUSPENDED: "The grant was suspended.",
    ReasonCode.GRANT_REVOKED: "The grant was revoked.",
    ReasonCode.SCOPE_NOT_IN_GRANT: "The grant does not cover the scope.",
    ReasonCode.SCOPE_NOT_IN_LICENCE: "The licence does not cover the scope.",
    ReasonCode.USE_EXCLUDED: "The licence excludes the use.",
}


@dataclass(frozen=True, slots=True)
class Reason:
    code: ReasonCode
    message: str
    holder_id: str | None = None
    grant_id: str | None = None

    @classmethod
    def of_code(cls, code: str) -> Reason:
        """A reason known only by its stored code, with the code's general message."""
        known = ReasonCode(code)
        return cls(known, REASON_SUMMARIES[known])


@dataclass(frozen=True, slots=True)
class ConsentFacts:
    """One consent a share holder gave that covers the work (directly or as a catalogue consent)."""

    id: str
    decision: Decision
    scopes: frozenset[Scope]
    valid_from: datetime
    revoked_at: datetime | None = None
    catalogue: bool = False

    def __post_init__(self) -> None:
        require_aware(self.valid_from, f"valid_from of consent {self.id}")
        if self.revoked_at is not None:
            require_aware(self.revoked_at, f"revoked_at of consent {self.id}")


@dataclass(frozen=True, slots=True)
class HolderFacts:
    """A creator holding a share in the work; `share_bp` is its total over roles and rights.

    A holder whose shares are all zero owns nothing in the work (CWR lists such parties, e.g. an
    original publisher whose rights are all collected by a sub-publisher), so its consent is not needed.
    """

    id: str
    share_bp: int
    consents: tuple[ConsentFacts, ...] = ()

    @property
    def owns(self) -> bool:
        return self.share_bp > 0


@dataclass(frozen=True, slots=True)
class WorkFacts:
    id: str
    state: WorkState = WorkState.ACTIVE
    holders: tuple[HolderFacts, ...] = ()
    # Claims on the work add up to more than 100 % of a right: its money waits in suspense (not a
    # licensability reason: who is paid is in doubt, not whether the use is licensed).
    disputed: bool = False


@dataclass(frozen=True, slots=True)
class GrantFacts:
    """A grant with the terms of its licence version and its status history.

    `suspensions` are (from, until) pairs; `until` is None while the suspension lasts.
    """

    id: str
    licensee_id: str
    valid_from: datetime
    valid_to: datetime
    scopes: frozenset[Scope]
    licence_scopes: frozenset[Scope]
    excluded_uses: frozenset[Use] = frozenset()
    suspensions: tuple[tuple[datetime, datetime | None], ...] = ()
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    licensable: bool
    reasons: list[Reason] = field(default_factory=list)
    # The grant that makes the work licensable, when a check was made under grants.
    grant_id: str | None = None

    def codes(self) -> list[ReasonCode]:
        return [reason.code for reason in self.reasons]


def require_aware(moment: datetime, what: str = "time") -> None:
    """Naive datetimes are refused: comparing one with stored UTC times would silently shift hours."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(f"The {what} needs a time zone, e.g. 2025-01-31T12:00:00Z.")


def consent_in_force(consent: ConsentFacts, at: datetime) -> bool:
    """In force from valid_from (inclusive) until revoked_at (exclusive): revocation looks forward only."""
    return consent.valid_from <= at and (consent.revoked_at is None or at < consent.revoked_at)


def work_reasons(work: WorkFacts, scope: Scope, at: datetime) -> list[Reason]:
    """Every reason, independent of any grant, that `work` is not licensable for `scope` at `at`."""
    require_aware(at, "moment of the check")
    reasons: list[Reason] = []
    if work.state is WorkState.WITHDRAWN:
        reasons.append(Reason(ReasonCode.WORK_WITHDRAWN, f"Work {work.id} is withdrawn."))
    owners = sorted((h for h in work.holders if h.owns), key=lambda h: h.id)
    if not owners:
        reasons.append(
            Reason(ReasonCode.NO_SHARES, f"Work {work.id} has no registered share holder to consent.")
        )
    for holder in owners:
        reasons += _holder_reasons(work.id, holder, scope, at)
    return reasons


def _holder_reasons(work_id: str, holder: HolderFacts, scope: Scope, at: datetime) -> list[Reason]:
    covering = [c for c in holder.consents if scope in c.scopes]
    reasons: list[Reason] = []
    declines = [c for c in covering if c.decision is Decision.DECLINE and consent_in_force(c, at)]
    if declines:
        ids = ", ".join(sorted(c.id for c in declines))
        message = f"Share holder {holder.id} declined work {work_id} for {scope} (consent {ids})."
        reasons.append(Reason(ReasonCode.WORK_DECLINED, message, holder.id))
    opt_ins = [c for c in covering if c.decision is Decision.OPT_IN]
    if any(consent_in_force(c, at) for c in opt_ins):
        return reasons
    revoked = sorted(
        (c for c in opt_ins if c.revoked_at is not None and c.valid_from <= at and c.revoked_at <= at),
        key=lambda c: (c.revoked_at, c.id),
    )
    if revoked:
        last = revoked[-1]
        message = (
            f"Share holder {holder.id} revoked consent {last.id} for {scope} on "
            f"{_iso(last.revoked_at)}; it no longer covers work {work_id}."
        )
        reasons.append(Reason(ReasonCode.CONSENT_REVOKED, message, holder.id))
    else:
        message = f"Share holder {holder.id} has no consent for {scope} in force for work {work_id} then."
        reasons.append(Reason(ReasonCode.NO_CONSENT, message, holder.id))
    return reasons


def grant_reasons(grant: GrantFacts, scope: Scope, at: datetime, use: Use | None = None) -> list[Reason]:
    """Every reason the grant does not allow `scope` (and `use`) at `at`, whatever the work."""
    require_aware(at, "moment of the check")
    reasons: list[Reason] = []

    def add(code: ReasonCode, message: str) -> None:
        reasons.append(Reason(code, message, grant_id=grant.id))

    if at < grant.valid_from:
        add(ReasonCode.GRANT_NOT_YET_VALID, f"Grant {grant.id} is valid from {_iso(grant.valid_from)}.")
    if at >= grant.valid_to:
        add(ReasonCode.GRANT_EXPIRED, f"Grant {grant.id} expired on {_iso(grant.valid_to)}.")
    if grant.revoked_at is not None and grant.revoked_at <= at:
        add(ReasonCode.GRANT_REVOKED, f"Grant {grant.id} was revoked on {_iso(grant.revoked_at)}.")
    suspended = next((s for s, until in grant.suspensions if s <= at and (until is None or at < until)), None)
    if suspended is not None:
        add(ReasonCode.GRANT_SUSPENDED, f"Grant {grant.id} is suspended since {_iso(suspended)}.")
    if scope not in grant.licence_scopes:
        add(ReasonCode.SCOPE_NOT_IN_LICENCE, f"The licence of grant {grant.id} does not allow {scope}.")
    elif scope not in grant.scopes:
        add(ReasonCode.SCOPE_NOT_IN_GRANT, f"Grant {grant.id} does not cover {scope}.")
    if use is not None and use in grant.excluded_uses:
        add(ReasonCode.USE_EXCLUDED, f"The licence of grant {grant.id} excludes {use} use.")
    return reasons


def check(
    work: WorkFacts,
    scope: Scope,
    at: datetime,
    grants: Sequence[GrantFacts] | None = None,
    use: Use | None = None,
) -> Verdict:
    """The verdict for `work`; under `grants` (a licensee's grants, or one) when given.

    `grants=None` judges the work alone (is it in the licensable catalogue?); an empty sequence means
    the licensee holds no grant. Under several grants one clean grant suffices; if none is clean, the
    reasons of every grant are listed, each naming its grant.
    """
    reasons = work_reasons(work, scope, at)
    if grants is None:
        return Verdict(licensable=not reasons, reasons=reasons)
    if not grants:
        reasons.append(Reason(ReasonCode.NO_GRANT, "The licensee holds no grant."))
        return Verdict(licensable=False, reasons=reasons)
    by_grant = [(g.id, grant_reasons(g, scope, at, use)) for g in sorted(grants, key=lambda g: g.id)]
    clean = next((grant_id for grant_id, found in by_grant if not found), None)
    if clean is None:
        reasons += [reason for _, found in by_grant for reason in found]
    return Verdict(licensable=not reasons, reasons=reasons, grant_id=clean if not reasons else None)


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment is not None else "?"
