"""Reading an uploaded manifest as a stream of items: chunk by chunk, never the whole file in memory."""

from __future__ import annotations

import codecs
from collections.abc import AsyncIterator

from starlette.datastructures import UploadFile

from registry.errors import InvalidInput
from registry.provenance import ManifestFormat, ManifestItem, ManifestParser

CHUNK_BYTES = 1 << 20


def format_of(filename: str | None, given: ManifestFormat | None) -> ManifestFormat:
    if given is not None:
        return given
    return ManifestFormat.CSV if (filename or "").lower().endswith(".csv") else ManifestFormat.JSON_LINES


async def upload_items(upload: UploadFile, fmt: ManifestFormat) -> AsyncIterator[ManifestItem]:
    """The items of a UTF-8 manifest file (a byte-order mark is allowed), as they are read."""
    parser = ManifestParser(fmt)
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    rest = ""
    while True:
        chunk = await upload.read(CHUNK_BYTES)
        text = rest + _decode(decoder, chunk, final=not chunk)
        lines = text.split("\n")
        rest = lines.pop() if chunk else ""
        for item in parser.feed(line.rstrip("\r") for line in lines):
            yield item
        if not chunk:
            return


def _decode(decoder: codecs.IncrementalDecoder, chunk: bytes, *, final: bool) -> str:
    try:
        return decoder.decode(chunk, final=final)
    except UnicodeDecodeError as exc:
        raise InvalidInput("The manifest is not UTF-8 text; save it as UTF-8 and upload it again.") from exc
