"""Identifier validators against the test vectors of shared/data/IDENTIFIERS.md, against identifiers
published elsewhere (each with its source), and against check digits computed here from the published
definitions: the property tests draw their codes from those, never from the code under test."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.errors import InvalidIdentifier, InvalidInput
from registry.identifiers import (
    ISO_3166_ALPHA2,
    ISRC_EXTRA_COUNTRY_CODES,
    check_ipi_base_number,
    format_ipi_base_number,
    format_isni,
    format_isrc,
    format_iswc,
    ipi_base_check_digit,
    ipi_name_check_digits,
    isni_check_character,
    iswc_check_digit,
    parse_ipi_name_number,
    parse_isni,
    parse_isrc,
    parse_iswc,
    parse_optional_iswc,
)

nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)
fifteen_digits = st.text(alphabet="0123456789", min_size=15, max_size=15)


# --- check digits from the published definitions, written apart from registry/identifiers.py ---------
# Each states the condition a valid code satisfies and searches for the one check value meeting it, so a
# mistake shared with the code's closed-form arithmetic is unlikely.


def only(candidates: list[int]) -> int:
    assert len(candidates) == 1, candidates
    return candidates[0]


def reference_iswc_check(nine: str) -> int:
    """ISO 15707: 1 (the T) + sum of i * d_i + C is a multiple of 10."""
    total = 1 + sum(i * int(d) for i, d in enumerate(nine, start=1))
    return only([c for c in range(10) if (total + c) % 10 == 0])


def reference_ipi_name_check(nine: str) -> str:
    """Weights 10..2 over the nine digits; the total plus the two check digits is a multiple of 101,
    except that a total of 1 (which would need 100) is written 00, as real society files do."""
    total = sum(w * int(d) for w, d in zip(range(10, 1, -1), nine, strict=True))
    if total % 101 == 1:
        return "00"
    return f"{only([c for c in range(100) if (total + c) % 101 == 0]):02d}"


def reference_ipi_base_check(nine: str) -> int:
    """As the ISWC, with the I counting 2."""
    total = 2 + sum(i * int(d) for i, d in enumerate(nine, start=1))
    return only([c for c in range(10) if (total + c) % 10 == 0])


def reference_isni_check(fifteen: str) -> str:
    """ISO/IEC 7064 MOD 11-2 (pure): sum of v_i * 2^(16-i) over all sixteen characters is 1 mod 11,
    the check character weighing 1 and X standing for 10."""
    total = sum(int(d) * 2 ** (16 - i) for i, d in enumerate(fifteen, start=1))
    check = only([c for c in range(11) if (total + c) % 11 == 1])
    return "X" if check == 10 else str(check)


def test_reference_check_digits_agree_with_the_worked_examples() -> None:
    assert reference_iswc_check("034524680") == 1  # the standard's worked example, T-034.524.680-1
    assert reference_ipi_name_check("000087150") == "00"  # IDENTIFIERS.md: the real writer 00008715000
    assert reference_isni_check("000000012146438") == "X"
    assert reference_ipi_base_check("001068130") == 6  # Pablo Picasso, I-001068130-6 (see below)


# --- ISWC ------------------------------------------------------------------------------------


@pytest.mark.parametrize("iswc", ["T0345246801", "T0000000010", "T1234567894", "T3005600277", "T0123456789"])
def test_valid_iswc_vectors_parse_to_themselves(iswc: str) -> None:
    assert parse_iswc(iswc) == iswc


@pytest.mark.parametrize(
    ("iswc", "given_digit", "expected_digit"),
    [
        ("T6473000158", "8", "9"),
        ("T0345246800", "0", "1"),
        ("T9999999999", "9", "4"),
        ("T0000000000", "0", "9"),
    ],
)
def test_iswc_with_wrong_check_digit_names_both_digits(
    iswc: str, given_digit: str, expected_digit: str
) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        parse_iswc(iswc)
    assert caught.value.message == f"ISWC {iswc} has check digit {given_digit}; expected {expected_digit}"
    assert caught.value.details["expected_check_digit"] == expected_digit


def test_planted_bad_iswc_in_sample_cwr_file_message_matches_brief() -> None:
    with pytest.raises(InvalidIdentifier, match=r"^ISWC T6473000158 has check digit 8; expected 9$"):
        parse_iswc("T6473000158")


def test_iswc_of_wrong_length_says_how_many_digits() -> None:
    with pytest.raises(InvalidIdentifier, match="has 9 digits; expected 10"):
        parse_iswc("T999999999")
    with pytest.raises(InvalidIdentifier, match="has 11 digits; expected 10"):
        parse_iswc("T03452468011")


@pytest.mark.parametrize(
    "written",
    [
        "T-034.524.680-1",
        "t-034.524.680-1",
        "T0345246801",
        "t0345246801",
        " T 034 524 680 1 ",
        "T-034524680-1",
    ],
)
def test_iswc_written_forms_give_the_canonical_one(written: str) -> None:
    assert parse_iswc(written) == "T0345246801"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("0345246801", "must start with T"),
        ("X-034.524.680-1", "must start with T"),
        ("T-034.524.68O-1", "contains 'O'"),
        ("T03452468/1", "contains '/'"),
        ("", "blank"),
        ("   ", "blank"),
    ],
)
def test_malformed_iswc_is_explained(value: str, fragment: str) -> None:
    with pytest.raises(InvalidIdentifier, match=fragment):
        parse_iswc(value)


def test_invalid_identifier_is_a_bad_user_input() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_iswc("T0000000000")
    assert caught.value.code == "BAD_USER_INPUT"


def test_format_iswc_gives_print_form() -> None:
    assert format_iswc("T0345246801") == "T-034.524.680-1"
    assert format_iswc("t 000 000 001 0") == "T-000.000.001-0"


def test_format_iswc_rejects_invalid() -> None:
    with pytest.raises(InvalidIdentifier, match="expected 9"):
        format_iswc("T6473000158")


@pytest.mark.parametrize("blank", [None, "", "           "])
def test_blank_optional_iswc_means_none(blank: str | None) -> None:
    assert parse_optional_iswc(blank) is None


def test_optional_iswc_still_validates_a_value() -> None:
    assert parse_optional_iswc("T-123.456.789-4") == "T1234567894"
    with pytest.raises(InvalidIdentifier):
        parse_optional_iswc("T6473000158")


def test_iswc_check_digit_of_worked_example() -> None:
    assert iswc_check_digit("034524680") == 1


def test_check_digit_helper_refuses_wrong_input() -> None:
    with pytest.raises(ValueError, match="exactly 9 digits"):
        iswc_check_digit("12345678")


@given(nine_digits)
def test_iswc_round_trip(digits: str) -> None:
    canonical = f"T{digits}{reference_iswc_check(digits)}"
    assert iswc_check_digit(digits) == reference_iswc_check(digits)
    assert parse_iswc(canonical) == canonical
    printed = format_iswc(canonical)
    assert printed == f"T-{digits[:3]}.{digits[3:6]}.{digits[6:]}-{canonical[-1]}"
    assert parse_iswc(printed) == canonical
    assert parse_iswc(printed.lower()) == canonical


@given(nine_digits, st.integers(min_value=1, max_value=9))
def test_iswc_with_any_other_check_digit_is_rejected(digits: str, offset: int) -> None:
    wrong = (reference_iswc_check(digits) + offset) % 10
    with pytest.raises(InvalidIdentifier, match="has check digit"):
        parse_iswc(f"T{digits}{wrong}")


# --- IPI name number ---------------------------------------------------------------------------


@pytest.mark.parametrize("ipi", ["00000000199", "00000000297", "09000000020", "00008715000"])
def test_valid_ipi_name_numbers(ipi: str) -> None:
    assert parse_ipi_name_number(ipi) == ipi


def test_ipi_edge_case_needs_final_mod_100() -> None:
    # t == 1 gives 101 - 1 = 100, encoded as "00"
    assert ipi_name_check_digits("000087150") == "00"
    assert parse_ipi_name_number("00008715000") == "00008715000"


@pytest.mark.parametrize(
    ("ipi", "expected"), [("00854632549", "21"), ("00856545879", "96"), ("00000000004", "00")]
)
def test_ipi_with_wrong_check_digits_names_the_right_ones(ipi: str, expected: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        parse_ipi_name_number(ipi)
    assert caught.value.message == f"IPI name number {ipi} has check digits {ipi[9:]}; expected {expected}"
    assert caught.value.details["expected_check_digits"] == expected


@pytest.mark.parametrize("absent", ["", "   ", "00000000000", "0", "00000000000   "])
def test_blank_or_zero_ipi_means_none(absent: str) -> None:
    assert parse_ipi_name_number(absent) is None


def test_ipi_from_a_blank_padded_cwr_field() -> None:
    assert parse_ipi_name_number(" 00000000199 ") == "00000000199"


def test_short_ipi_is_rejected_with_padding_hint() -> None:
    with pytest.raises(InvalidIdentifier, match="has 9 digits; expected 11; if leading zeros were lost"):
        parse_ipi_name_number("000000199")


def test_long_ipi_is_rejected_without_padding_hint() -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        parse_ipi_name_number("000000001990")
    assert "has 12 digits; expected 11" in caught.value.message
    assert "pad" not in caught.value.message


def test_ipi_with_letters_is_rejected() -> None:
    with pytest.raises(InvalidIdentifier, match="contains 'O'"):
        parse_ipi_name_number("0000000O199")


@given(nine_digits)
def test_ipi_name_round_trip(digits: str) -> None:
    ipi = digits + reference_ipi_name_check(digits)
    assert ipi_name_check_digits(digits) == reference_ipi_name_check(digits)
    if set(ipi) == {"0"}:
        assert parse_ipi_name_number(ipi) is None
    else:
        assert parse_ipi_name_number(ipi) == ipi
        assert parse_ipi_name_number(f" {ipi[:5]} {ipi[5:]} ") == ipi


# --- IPI base number ---------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["I-123456789-3", "i-123456789-3", "I1234567893", " I 123456789 3 "])
def test_ipi_base_number_forms(written: str) -> None:
    assert check_ipi_base_number(written) == ("I-123456789-3", [])


def test_ipi_base_number_failed_check_is_a_warning_not_an_error() -> None:
    canonical, warnings = check_ipi_base_number("I-123456789-4")
    assert canonical == "I-123456789-4"
    assert len(warnings) == 1
    assert "has check digit 4; expected 3" in warnings[0]


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "blank"),
        ("123456789-3", "must start with I"),
        ("I-12345678-3", "has 9 digits; expected 10"),
        ("I-12345678X-3", "contains 'X'"),
    ],
)
def test_malformed_ipi_base_number_is_rejected(value: str, fragment: str) -> None:
    with pytest.raises(InvalidIdentifier, match=fragment):
        check_ipi_base_number(value)


@given(nine_digits)
def test_ipi_base_round_trip(digits: str) -> None:
    assert ipi_base_check_digit(digits) == reference_ipi_base_check(digits)
    canonical = f"I-{digits}-{reference_ipi_base_check(digits)}"
    assert format_ipi_base_number(f"{digits}{reference_ipi_base_check(digits)}") == canonical
    assert check_ipi_base_number(canonical) == (canonical, [])
    assert check_ipi_base_number(canonical.replace("-", "").lower()) == (canonical, [])


# --- ISRC -------------------------------------------------------------------------------------


@pytest.mark.parametrize("isrc", ["BRBMG0300729", "USPR37300012", "GBEMI0300013", "USRMS8371421"])
def test_valid_isrc_vectors(isrc: str) -> None:
    assert parse_isrc(isrc) == (isrc, [])


@pytest.mark.parametrize(
    "written",
    ["GB-EMI-03-00013", "gb-emi-03-00013", "GBEMI0300013", "GB EMI 03 00013", "ISRC GB-EMI-03-00013"],
)
def test_isrc_written_forms(written: str) -> None:
    assert parse_isrc(written) == ("GBEMI0300013", [])


def test_isrc_that_itself_starts_with_isrc_letters_is_kept() -> None:
    # Iceland (IS), registrant RCA: the "ISRC" label must not be stripped from a bare code.
    assert parse_isrc("ISRCA0300013") == ("ISRCA0300013", [])


def test_isrc_of_eleven_characters_is_rejected() -> None:
    with pytest.raises(InvalidIdentifier, match="GBAAA080073 has 11 characters; expected 12"):
        parse_isrc("GBAAA080073")


def test_eu_prefix_is_a_warning() -> None:
    canonical, warnings = parse_isrc("EU-A01-09-00001")
    assert canonical == "EUA010900001"
    assert len(warnings) == 1
    assert "EU" in warnings[0]


@pytest.mark.parametrize("prefix", ["QM", "QZ", "QT", "ZZ"])
def test_isrc_agency_prefixes_do_not_warn(prefix: str) -> None:
    assert parse_isrc(f"{prefix}ABC2400001") == (f"{prefix}ABC2400001", [])


def test_country_tables() -> None:
    assert len(ISO_3166_ALPHA2) == 249
    assert {"GB", "US", "BR", "DE", "SS", "XK"} & ISO_3166_ALPHA2 == {"GB", "US", "BR", "DE", "SS"}
    assert "EU" not in ISO_3166_ALPHA2 | ISRC_EXTRA_COUNTRY_CODES
    assert all(len(code) == 2 and code.isalpha() and code.isupper() for code in ISO_3166_ALPHA2)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("G1EMI0300013", "country code 'G1'; expected two letters"),
        ("GBE-I0300013", "has 11 characters"),
        ("GBE_I0300013", "registrant code 'E_I'"),
        ("GBEMIA300013", "year 'A3'; expected two digits"),
        ("GBEMI030001X", "designation code '0001X'; expected five digits"),
        ("", "blank"),
    ],
)
def test_malformed_isrc_is_explained(value: str, fragment: str) -> None:
    with pytest.raises(InvalidIdentifier, match=fragment):
        parse_isrc(value)


def test_format_isrc() -> None:
    assert format_isrc("gbemi0300013") == "GB-EMI-03-00013"


@given(
    st.sampled_from(sorted(ISO_3166_ALPHA2)),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=3, max_size=3),
    st.integers(min_value=0, max_value=99),
    st.integers(min_value=0, max_value=99_999),
)
def test_isrc_round_trip(country: str, registrant: str, year: int, designation: int) -> None:
    compact = f"{country}{registrant}{year:02d}{designation:05d}"
    assert parse_isrc(compact) == (compact, [])
    printed = format_isrc(compact)
    assert printed.count("-") == 3
    assert parse_isrc(printed.lower()) == (compact, [])


# --- ISNI -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("0000 0001 2103 2683", "0000000121032683"),
        ("000000012146438X", "000000012146438X"),
        ("0000 0001 2146 438x", "000000012146438X"),
        # ORCID iDs are ISNI-range identifiers with the same check; these are ORCID's documented examples.
        ("0000-0002-1825-0097", "0000000218250097"),
        ("0000-0002-1694-233X", "000000021694233X"),
    ],
)
def test_valid_isni(written: str, canonical: str) -> None:
    assert parse_isni(written) == canonical


def test_isni_with_wrong_check_character() -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        parse_isni("0000000121032684")
    assert caught.value.message == "ISNI 0000000121032684 has check character 4; expected 3"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("000000012103268", "has 15 characters; expected 16"),
        ("0000000X21032683", "contains 'X'"),
        ("000000012103268Y", "contains 'Y'"),
        ("", "blank"),
    ],
)
def test_malformed_isni_is_explained(value: str, fragment: str) -> None:
    with pytest.raises(InvalidIdentifier, match=fragment):
        parse_isni(value)


def test_isni_check_character_x() -> None:
    assert isni_check_character("000000012146438") == "X"


def test_format_isni() -> None:
    assert format_isni("0000000121032683") == "0000 0001 2103 2683"


@given(fifteen_digits)
def test_isni_round_trip(digits: str) -> None:
    canonical = digits + reference_isni_check(digits)
    assert isni_check_character(digits) == reference_isni_check(digits)
    assert parse_isni(canonical) == canonical
    assert parse_isni(format_isni(canonical)) == canonical


# --- identifiers published elsewhere -----------------------------------------------------------------
# Real identifiers quoted by public sources, none of them taken from this project's files.

PUBLISHED_ISWCS = {
    "T-010.171.314-7": "T0101713147",  # "Ernie" (Benny Hill), Wikipedia, "Interested Parties Information"
    "T-010.140.236-1": "T0101402361",  # "Yesterday", as searched for in a public MusicBrainz client's tests
    "T-034524680-1": "T0345246801",  # the worked example as xbib standardnumber's tests write it
}
PUBLISHED_IPI_NAME_NUMBERS = (
    "00045620792",  # Prince (as Nelson Prince Rogers), Wikipedia, "Interested Parties Information"
    "00052210040",  # Prince
    "00334284961",  # Prince (as Nelson Prince R)
    "00014107338",  # Benny Hill, ibid.
)
PUBLISHED_ISRCS = {
    "USWWW0129205": "USWWW0129205",  # "Betcha Wouldn't Hurt Me", Quincy Jones (a public fixture list)
    "GBBBM8900001": "GBBBM8900001",  # "Paradise", Sade (ibid.)
    "USAT21502120": "USAT21502120",  # "In The Air Tonight", Phil Collins (ibid.)
    "GBAYE6800011": "GBAYE6800011",  # from a public validator's test vectors
    "US-S1Z-99-00001": "USS1Z9900001",  # Songtrust's glossary example
    "US-SKG-19-12345": "USSKG1912345",  # python-stdnum's documentation example
    "DK-XX9-07-00401": "DKXX90700401",  # a Danish label's published allocation example
}
PUBLISHED_ISNIS = {
    "0000 0001 2281 955X": "000000012281955X",  # python-stdnum's documentation example
    "0000 0001 2103 2683": "0000000121032683",  # Stephen Hawking, CASRAI's worked example
}


@pytest.mark.parametrize(("written", "canonical"), PUBLISHED_ISWCS.items())
def test_published_iswcs(written: str, canonical: str) -> None:
    assert parse_iswc(written) == canonical
    assert iswc_check_digit(canonical[1:10]) == int(canonical[-1])


def test_published_iswc_with_a_wrong_check_digit() -> None:
    # T-123456789-3 is quoted as an example in public code; its check digit should be 4.
    with pytest.raises(InvalidIdentifier) as caught:
        parse_iswc("T-123456789-3")
    assert caught.value.details["expected_check_digit"] == "4"


@pytest.mark.parametrize("ipi", PUBLISHED_IPI_NAME_NUMBERS)
def test_published_ipi_name_numbers(ipi: str) -> None:
    assert parse_ipi_name_number(ipi) == ipi
    assert ipi_name_check_digits(ipi[:9]) == ipi[9:]


def test_published_ipi_base_number_passes_its_check() -> None:
    # Pablo Picasso, Wikipedia, "Interested Parties Information": a real base number, not a synthetic one.
    assert check_ipi_base_number("I-001068130-6") == ("I-001068130-6", [])


@pytest.mark.parametrize(("written", "canonical"), PUBLISHED_ISRCS.items())
def test_published_isrcs(written: str, canonical: str) -> None:
    assert parse_isrc(written) == (canonical, [])


@pytest.mark.parametrize("value", ["USAT2990060", "USARC15705223"])  # a public validator's invalid ones
def test_published_malformed_isrcs(value: str) -> None:
    with pytest.raises(InvalidIdentifier, match=f"has {len(value)} characters; expected 12"):
        parse_isrc(value)


@pytest.mark.parametrize(("written", "canonical"), PUBLISHED_ISNIS.items())
def test_published_isnis(written: str, canonical: str) -> None:
    assert parse_isni(written) == canonical


def test_published_isni_with_a_wrong_check_character() -> None:
    # python-stdnum's documentation example of a bad checksum.
    with pytest.raises(InvalidIdentifier, match="has check character X; expected"):
        parse_isni("0000 0001 1111 955X")
