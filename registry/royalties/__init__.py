"""Royalty distribution: who is paid how much, and why, for training, service use and output use.

Pure functions over inputs the graph aggregation supplies; no I/O. See `rules` for the stream
rules and `registry.money.allocate` for the rounding.
"""

from registry.royalties.model import (
    Basis,
    Distribution,
    InfluenceInput,
    LicenceTerms,
    Line,
    PathStep,
    ReportInput,
    Stream,
    SuspenseLine,
    SuspenseReason,
    TrainingBase,
    TrainingSplit,
    WorkInput,
    WorkStatus,
    WorkUsage,
    suspense_reason,
)
from registry.royalties.rules import distribute_output_use, distribute_service_use, distribute_training
from registry.royalties.statements import HolderTotal, merge, totals_by_holder, totals_by_reason

__all__ = [
    "Basis",
    "Distribution",
    "HolderTotal",
    "InfluenceInput",
    "LicenceTerms",
    "Line",
    "PathStep",
    "ReportInput",
    "Stream",
    "SuspenseLine",
    "SuspenseReason",
    "TrainingBase",
    "TrainingSplit",
    "WorkInput",
    "WorkStatus",
    "WorkUsage",
    "distribute_output_use",
    "distribute_service_use",
    "distribute_training",
    "merge",
    "suspense_reason",
    "totals_by_holder",
    "totals_by_reason",
]
