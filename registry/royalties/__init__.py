"""Royalty distribution: who is paid how much, and why, for training, service use and output use.

Pure functions over inputs the graph aggregation supplies; no I/O. See `rules` for the stream
rules and `registry.money.allocate` for the rounding.
"""

from registry.royalties.model import (
    Basis,
    CarriedLine,
    Collector,
    Distribution,
    InfluenceInput,
    LicenceTerms,
    Line,
    PathStep,
    Payee,
    ReportInput,
    Stream,
    SuspenseLine,
    SuspenseReason,
    TrainingBase,
    TrainingSplit,
    WorkInput,
    WorkStatus,
    WorkUsage,
    evolve,
    party_of_creator,
    party_of_reason,
    suspense_reason,
)
from registry.royalties.rules import distribute_output_use, distribute_service_use, distribute_training

__all__ = [
    "Basis",
    "CarriedLine",
    "Collector",
    "Distribution",
    "InfluenceInput",
    "LicenceTerms",
    "Line",
    "PathStep",
    "Payee",
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
    "evolve",
    "party_of_creator",
    "party_of_reason",
    "suspense_reason",
]
