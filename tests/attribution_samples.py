"""Sample attribution payloads shared by the model, adapter and pull-client tests.

The identifiers are valid (check digits included) so a failure points at the code under test.
"""

from __future__ import annotations

import copy
from typing import Any

ISWC_A = "T-034.524.680-1"
ISWC_B = "T-123.456.789-4"
ISWC_C = "T-987.654.321-4"
ISRC_A = "GB-AYE-67-00001"
ISRC_B = "US-S1Z-99-00001"
OUTPUT_HASH = "9c15110819e901b6e905ba4146317fcd409764371bf693de32a12388d30569f7"


def canonical_report(**overrides: Any) -> dict[str, Any]:
    """Plain data for a valid canonical report: two composition and one master influence."""
    data: dict[str, Any] = {
        "output_id": "out_01",
        "vendor_id": "vendor_x",
        "vendor_report_id": "rep_1",
        "method": "influence-embedding",
        "method_version": "2.1.0",
        "computed_at": "2025-06-01T09:30:00Z",
        "influences": [
            {
                "reference": {"iswc": ISWC_A, "title": "First Song", "creators": ["Ada Writer"]},
                "right_type": "COMPOSITION",
                "score": "0.5",
                "confidence": "0.9",
                "segments": [{"output_start": "0", "output_end": "12.5"}],
            },
            {
                "reference": {"title": "Second Song", "creators": ["Bo Composer", "Cy Lyricist"]},
                "right_type": "COMPOSITION",
                "score": "0.25",
            },
            {
                "reference": {"isrc": ISRC_A},
                "right_type": "MASTER",
                "score": "0.4",
                "segments": [
                    {"output_start": "30", "output_end": "42", "source_start": "61", "source_end": "73"}
                ],
            },
        ],
    }
    data.update(overrides)
    return data


SUREEL_RESULT: dict[str, Any] = {
    "analysis_id": "sa_01HZX4K2",
    "status": "completed",
    "completed_at": "2025-06-01T11:30:00+02:00",
    "model": {"name": "sureel-attribution", "version": "3.2.1"},
    "output": {"reference": "out_01", "sha256": OUTPUT_HASH},
    "attributions": [
        {
            "asset": {
                "id": "sr_ast_001",
                "type": "composition",
                "title": "First Song",
                "creators": ["Ada Writer"],
                "iswc": ISWC_A,
            },
            "influence_pct": "31.5",
            "confidence": "0.92",
            "segments": [{"start": 0, "end": "12.5", "source_start": 40, "source_end": "52.5"}],
        },
        {
            "asset": {"id": "sr_ast_002", "type": "composition", "title": "Third Song", "creators": ["Di"]},
            "influence_pct": "8.25",
        },
        {
            "asset": {"id": "sr_ast_003", "type": "recording", "title": "First Song", "isrc": ISRC_A},
            "influence_pct": "22",
        },
    ],
}

MUSICAL_AI_RESULT: dict[str, Any] = {
    "attribution_id": "mai_att_7781",
    "created_at": "2025-06-01T09:30:00Z",
    "engine": {"name": "musical-ai-attribution", "version": "2025.05"},
    "output": {"output_id": "out_01", "content_sha256": OUTPUT_HASH},
    "composition": {
        "shares": [
            {
                "source": {
                    "id": "mai_src_11",
                    "iswc": ISWC_A,
                    "title": "First Song",
                    "writers": ["Ada Writer"],
                },
                "share": "60.00",
                "confidence": "0.88",
                "segments": [{"output_start": 0, "output_end": 20, "source_start": 10, "source_end": 30}],
            },
            {
                "source": {"id": "mai_src_12", "iswc": ISWC_B, "title": "Other Song", "writers": ["Bo"]},
                "share": "33.33",
            },
        ],
        "unattributed": "6.67",
    },
    "master": {
        "shares": [
            {
                "source": {"id": "mai_rec_5", "isrc": ISRC_B, "title": "Other Song", "artists": ["Bo Band"]},
                "share": "100",
            }
        ]
    },
}


def sureel(**overrides: Any) -> dict[str, Any]:
    data = copy.deepcopy(SUREEL_RESULT)
    data.update(overrides)
    return data


def musical_ai(**overrides: Any) -> dict[str, Any]:
    data = copy.deepcopy(MUSICAL_AI_RESULT)
    data.update(overrides)
    return data
