"""Synthetic CWR 2.1 files for the import-rate benchmark.

    python -m benchmarks.gen_cwr 100000 /tmp/works.V21

Every work is valid: one to four writers, each with an original publisher chain (SPU + SPT), SWT
and PWR records, sometimes a non-controlled writer (OWR) instead, ownership adding up to exactly
100 % per right, ISWCs and IPI name numbers with correct check digits, an ISRC per recording.
Writers and publishers are drawn from fixed pools so that works share parties, as in a real
catalogue. Records are written at their full 2.1 length, independently of the parser's tables,
so that the parser is checked against the specification's layout rather than against itself.
Output is deterministic for a given seed and streams in constant memory.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from registry.cwr.records import RECORD_LENGTHS
from registry.identifiers import (
    format_ipi_base_number,
    ipi_base_check_digit,
    ipi_name_check_digits,
    iswc_check_digit,
)

__all__ = ["generate_cwr", "main", "write_cwr"]


_FIRST_NAMES = ("ANNA", "BEN", "CLARA", "DAVID", "EMMA", "FELIX", "GRACE", "HUGO", "IRIS", "JONAS", "KAI")
_LAST_NAMES = ("AHMED", "BERG", "COSTA", "DUBOIS", "EVANS", "FISCHER", "GARCIA", "HALL", "IVANOV", "JANSEN")
_WORDS = ("NIGHT", "RIVER", "GOLDEN", "ECHO", "SILENT", "SUMMER", "NEON", "HEART", "STATIC", "DRIFT", "ORBIT")
_SOCIETIES = ("052", "021", "010", "035", "058")  # PRS, BMI, ASCAP, GEMA, SACEM
_WORLD = "2136"
_SUBMITTER_IPI_BASE = 199  # the sender's own nine-digit IPI base for the HDR


@dataclass(frozen=True, slots=True)
class _Writer:
    ip_number: str
    last_name: str
    first_name: str
    ipi_name_number: str
    ipi_base_number: str
    society: str


@dataclass(frozen=True, slots=True)
class _Publisher:
    ip_number: str
    name: str
    ipi_name_number: str
    society: str


@dataclass(frozen=True, slots=True)
class _Holder:
    """One writer's part of a work, in basis points."""

    writer: _Writer
    publisher: _Publisher | None  # None: a non-controlled writer (OWR) keeping all its shares
    writer_pr: int
    publisher_pr: int
    mechanical: int  # held by the publisher, or by the OWR itself


# --- field formatting ([2.1] p.7: A left-justified blank-filled, N right-justified zero-filled) ---


def _a(value: str, size: int) -> str:
    return value.upper()[:size].ljust(size)


def _n(value: int, size: int) -> str:
    text = str(value)
    if len(text) > size:
        raise ValueError(f"{value} does not fit {size} digits")
    return text.zfill(size)


def _record(record_type: str, transaction_seq: int, record_seq: int, *fields: str) -> str:
    line = record_type + _n(transaction_seq, 8) + _n(record_seq, 8) + "".join(fields)
    return _checked(line)


def _checked(line: str) -> str:
    expected = RECORD_LENGTHS[line[:3]][0]
    if len(line) != expected:
        raise AssertionError(f"{line[:3]} record is {len(line)} characters; CWR 2.1 says {expected}")
    return line


# --- identifiers, with check digits from registry.identifiers ---------------------------------


def _ipi_name_number(number: int) -> str:
    nine = _n(number, 9)
    return nine + ipi_name_check_digits(nine)


def _ipi_base_number(number: int) -> str:
    nine = _n(number, 9)
    return format_ipi_base_number(nine + str(ipi_base_check_digit(nine)))


def _iswc(number: int) -> str:
    nine = _n(number, 9)
    return f"T{nine}{iswc_check_digit(nine)}"


def _isrc(number: int) -> str:
    # QZ is a US agency prefix outside ISO 3166, accepted without a warning.
    registrant = "".join(chr(ord("A") + (number // 100_000 // 26**i) % 26) for i in range(3))
    return f"QZ{registrant}25{number % 100_000:05d}"


# --- parties -----------------------------------------------------------------------------------


def _writer_pool(rng: random.Random, size: int) -> list[_Writer]:
    return [
        _Writer(
            ip_number=f"W{index:08d}",
            last_name=rng.choice(_LAST_NAMES),
            first_name=rng.choice(_FIRST_NAMES),
            ipi_name_number=_ipi_name_number(100_000 + index),
            ipi_base_number=_ipi_base_number(500_000 + index),
            society=rng.choice(_SOCIETIES),
        )
        for index in range(1, size + 1)
    ]


def _publisher_pool(rng: random.Random, size: int) -> list[_Publisher]:
    return [
        _Publisher(
            ip_number=f"P{index:08d}",
            name=f"{rng.choice(_WORDS)} {rng.choice(_WORDS)} MUSIC {index}",
            ipi_name_number=_ipi_name_number(900_000 + index),
            society=rng.choice(_SOCIETIES),
        )
        for index in range(1, size + 1)
    ]


def _split(total: int, parts: int) -> list[int]:
    """`total` in `parts` integers that add up exactly (the first ones take the remainder)."""
    base, remainder = divmod(total, parts)
    return [base + (1 if index < remainder else 0) for index in range(parts)]


def _holders(
    rng: random.Random, writers: Sequence[_Writer], publishers: Sequence[_Publisher]
) -> list[_Holder]:
    count = rng.randint(1, 4)
    chosen = rng.sample(writers, count)
    # A fifth of multi-writer works have a non-controlled co-writer without a publisher.
    other_writer = count > 1 and rng.random() < 0.2
    halves = _split(5000, count)  # each writer's part of the performing right, halved
    mechanical = _split(10_000, count)
    holders = []
    for index, writer in enumerate(chosen):
        if other_writer and index == count - 1:
            holders.append(_Holder(writer, None, 2 * halves[index], 0, mechanical[index]))
        else:
            publisher = rng.choice(publishers)
            holders.append(_Holder(writer, publisher, halves[index], halves[index], mechanical[index]))
    return holders


# --- records -----------------------------------------------------------------------------------


def _header(sender_name: str, created: date) -> list[str]:
    day = created.strftime("%Y%m%d")
    hdr = "HDR" + "PB" + _n(_SUBMITTER_IPI_BASE, 9) + _a(sender_name, 45) + "01.10" + day + "120000" + day
    return [_checked(hdr + _a("", 15)), _checked("GRH" + "NWR" + "00001" + "02.10" + _n(0, 10) + "  ")]


def _nwr(seq: int, index: int, title: str, rng: random.Random) -> str:
    iswc = _iswc(10_000_000 + index) if rng.random() < 0.9 else ""
    duration = rng.randint(90, 420)
    return _record(
        "NWR", seq, 0,
        _a(title, 60), "EN", _a(f"BENCH{index:09d}", 14), _a(iswc, 11), "00000000", _a("", 12),
        "POP", f"00{duration // 60:02d}{duration % 60:02d}", "Y", _a("", 3), _a("", 3), "ORI",
        _a("", 3), _a("", 3), _a("", 3), _a("", 30), _a("", 10), _a("", 2), "N", "000", "00000000",
        " ", _a("", 25), _a("", 25), "N",
    )  # fmt: skip


def _spu(seq: int, rec: int, chain: int, holder: _Holder) -> str:
    publisher = holder.publisher
    assert publisher is not None
    return _record(
        "SPU", seq, rec,
        _n(chain, 2), _a(publisher.ip_number, 9), _a(publisher.name, 45), " ", "E ", _a("", 9),
        publisher.ipi_name_number, _a("", 14),
        publisher.society, _n(holder.publisher_pr, 5), publisher.society, _n(holder.mechanical, 5),
        publisher.society, _n(holder.mechanical, 5),
        " ", "N", " ", _a("", 13), _a("", 14), _a("", 14), _a("", 2), " ",
    )  # fmt: skip


def _spt(seq: int, rec: int, holder: _Holder) -> str:
    publisher = holder.publisher
    assert publisher is not None
    shares = _n(holder.publisher_pr, 5) + _n(holder.mechanical, 5) + _n(holder.mechanical, 5)
    return _record("SPT", seq, rec, _a(publisher.ip_number, 9), _a("", 6), shares, "I", _WORLD, "N", "001")


def _writer_record(seq: int, rec: int, holder: _Holder) -> str:
    writer = holder.writer
    controlled = holder.publisher is not None
    own_mechanical = 0 if controlled else holder.mechanical
    return _record(
        "SWR" if controlled else "OWR", seq, rec,
        _a(writer.ip_number, 9), _a(writer.last_name, 45), _a(writer.first_name, 30), " ", "CA",
        _a("", 9), writer.ipi_name_number,
        writer.society, _n(holder.writer_pr, 5), writer.society, _n(own_mechanical, 5),
        writer.society, _n(own_mechanical, 5),
        "N", "N", "N", " ", writer.ipi_base_number, _n(0, 12), " ",
    )  # fmt: skip


def _swt(seq: int, rec: int, holder: _Holder) -> str:
    shares = _n(holder.writer_pr, 5) + _n(0, 5) + _n(0, 5)
    return _record("SWT", seq, rec, _a(holder.writer.ip_number, 9), shares, "I", _WORLD, "N", "001")


def _pwr(seq: int, rec: int, holder: _Holder) -> str:
    publisher = holder.publisher
    assert publisher is not None
    agreements = _a("", 14) + _a("", 14)
    return _record(
        "PWR",
        seq,
        rec,
        _a(publisher.ip_number, 9),
        _a(publisher.name, 45),
        agreements,
        _a(holder.writer.ip_number, 9),
    )


def _rec(seq: int, rec: int, index: int, duration: str) -> str:
    return _record(
        "REC", seq, rec,
        "20250101", _a("", 60), duration, _a("", 5), _a("BENCH ALBUM", 60), _a("BENCH RECORDS", 60),
        _a(f"BR{index:08d}", 18), _n(0, 13), _isrc(index), "A", "D", "DW ",
    )  # fmt: skip


def _work_records(seq: int, index: int, holders: Sequence[_Holder], rng: random.Random) -> list[str]:
    title = f"{rng.choice(_WORDS)} {rng.choice(_WORDS)} {index}"
    nwr = _nwr(seq, index, title, rng)
    records = [nwr]
    add = records.append  # each record's sequence # is the number of records before it
    chain = 0
    for holder in holders:
        if holder.publisher is not None:
            chain += 1
            add(_spu(seq, len(records), chain, holder))
            add(_spt(seq, len(records), holder))
    for holder in holders:
        add(_writer_record(seq, len(records), holder))
        if holder.publisher is not None:
            add(_swt(seq, len(records), holder))
            add(_pwr(seq, len(records), holder))
    if rng.random() < 0.3:
        add(_record("ALT", seq, len(records), _a(f"{title} (REMIX)", 60), "AT", "  "))
    if rng.random() < 0.5:
        artist = holders[0].writer
        names = _a(artist.last_name, 45) + _a(artist.first_name, 30)
        add(_record("PER", seq, len(records), names, _n(0, 11), _a("", 13)))
    add(_rec(seq, len(records), index, nwr[129:135]))
    return records


def generate_cwr(
    works: int,
    *,
    seed: int = 0,
    sender_name: str = "OPUSTRACE BENCHMARK PUBLISHING",
    created: date = date(2025, 1, 1),
) -> Iterator[str]:
    """The lines (without line endings) of a valid CWR 2.1 file with `works` NWR transactions."""
    if works < 0:
        raise ValueError("the number of works cannot be negative")
    rng = random.Random(seed)
    writers = _writer_pool(rng, max(10, works // 3))
    publishers = _publisher_pool(rng, max(5, works // 20))
    header = _header(sender_name, created)
    yield from header
    group_records = 1  # the GRH
    for index in range(works):
        records = _work_records(index, index + 1, _holders(rng, writers, publishers), rng)
        group_records += len(records)
        yield from records
    group_records += 1  # the GRT
    yield _checked("GRT" + "00001" + _n(works, 8) + _n(group_records, 8))
    yield _checked("TRL" + "00001" + _n(works, 8) + _n(group_records + 2, 8))


def write_cwr(works: int, out: Path, *, seed: int = 0) -> int:
    """Write the file with CRLF line ends (as societies send them); returns the number of lines."""
    count = 0
    with out.open("w", encoding="ascii", newline="\r\n") as stream:
        for line in generate_cwr(works, seed=seed):
            stream.write(line + "\n")
            count += 1
    return count


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2 or not args[0].isdigit():
        print("usage: python -m benchmarks.gen_cwr N OUT", file=sys.stderr)
        return 2
    lines = write_cwr(int(args[0]), Path(args[1]))
    print(f"wrote {args[0]} works ({lines} records) to {args[1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
