"""CWR (CISAC Common Works Registration) 2.1 / 2.2 parser: lines in, validated works out. No I/O.

    reader = CwrReader(lines)            # or parse_cwr(lines) when the header is not needed
    for item in reader:                  # one item per transaction, streamed
        if isinstance(item, CwrWork): ...
        else: ...                        # CwrRejection: the transaction was refused whole
    reader.header, reader.warnings       # CwrHeader; file-level warnings

Shares are integers in basis points (hundredths of a percent), exactly as CWR's `999v99` fields
carry them. See `registry.cwr.transaction` for what rejects a transaction and what only warns.
"""

from registry.cwr.models import (
    CwrAcknowledgement,
    CwrFile,
    CwrHeader,
    CwrMessage,
    CwrParty,
    CwrRecording,
    CwrRejection,
    CwrShares,
    CwrTerritory,
    CwrWork,
)
from registry.cwr.parser import CwrReader, StrictVerdict, parse_cwr, parse_cwr_text, strict_reader

__all__ = [
    "CwrAcknowledgement",
    "CwrFile",
    "CwrHeader",
    "CwrMessage",
    "CwrParty",
    "CwrReader",
    "CwrRecording",
    "CwrRejection",
    "CwrShares",
    "CwrTerritory",
    "CwrWork",
    "StrictVerdict",
    "parse_cwr",
    "parse_cwr_text",
    "strict_reader",
]
