"""Process logging: JSON lines (or text) on stderr, every record stamped with the current request id."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from opustrace.request_log import current_request_id
from opustrace.settings import Settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s request_id=%(request_id)s"
JSON_FIELDS = ["asctime", "levelname", "name", "message", "request_id", "process"]


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record: records logged inside a request carry that request's id."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        record.__dict__.pop("color_message", None)  # uvicorn's terminal colours: noise in JSON
        return True


def configure_logging(settings: Settings) -> None:
    """Replace the root logger's handlers; uvicorn's loggers propagate to it (serve passes no log config)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    if settings.log_format == "json":
        handler.setFormatter(
            JsonFormatter(JSON_FIELDS, rename_fields={"asctime": "time", "levelname": "level"})
        )
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
