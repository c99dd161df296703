"""When an attribution influence is flagged, and with which code.

An influence edge on a work that was not licensable is kept and flagged (docs/architecture.md), as evidence,
never dropped. The question asked is the output-use one: was the work licensable for OUTPUT_USE when
the output was generated? Output-use money is what influence edges decide, and a decline, a missing or
revoked consent, or a withdrawal all show up under that scope. Whether the *training* was licensed is a
different flag, raised on the training run by the provenance checks, not here.

The codes are the provenance flag codes (docs/graph-model.md, ComplianceFlag.code), so one list of
flags reads the same whoever raised them.
"""

from __future__ import annotations

from dataclasses import dataclass

from registry.rights import ReasonCode, Scope, Verdict

FLAG_SCOPE = Scope.OUTPUT_USE

WORK_DECLINED = "WORK_DECLINED"
WORK_WITHDRAWN = "WORK_WITHDRAWN"
WORK_NOT_LICENSABLE = "WORK_NOT_LICENSABLE"


@dataclass(frozen=True, slots=True)
class InfluenceFlag:
    code: str
    message: str
    reasons: tuple[str, ...]


def influence_flag(work_id: str, verdict: Verdict) -> InfluenceFlag | None:
    """The flag an influence on `work_id` earns under `verdict`, or None when the work was licensable.

    The most serious reason names the flag: a decline (monitored on purpose) before a withdrawal
    before a missing consent; every reason stays listed."""
    if verdict.licensable:
        return None
    codes = verdict.codes()
    if ReasonCode.WORK_DECLINED in codes:
        code = WORK_DECLINED
    elif ReasonCode.WORK_WITHDRAWN in codes:
        code = WORK_WITHDRAWN
    else:
        code = WORK_NOT_LICENSABLE
    why = " ".join(reason.message for reason in verdict.reasons)
    message = f"An attribution report found influence from work {work_id}, not licensable then: {why}"
    return InfluenceFlag(code, message, tuple(str(c) for c in codes))
