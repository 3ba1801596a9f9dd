"""Luhn key and RPPS numbers."""

import pytest

from catalog.identifiers import luhn_check_digit, luhn_is_valid, make_rpps, validate_rpps

# Hand-computed RPPS: partial 1123456789, read from the right: 9 8 7 6 5 4 3 2 1 1.
# Once the key is appended, the digits in odd positions of this reading (9, 7, 5, 3, 1)
# are doubled: 18->9, 14->5, 10->1, 6, 2 -> 23; the others: 8+6+4+2+1 = 21.
# 23 + 21 = 44, so the key is (10 - 4) % 10 = 6.
KNOWN_RPPS = "11234567896"
# Partial 1000000000: only the leading 1 counts, it is not doubled -> sum 1 -> key 9.
ZERO_SERIAL_RPPS = "10000000009"


# --- Luhn -----------------------------------------------------------------------

def test_luhn_accepts_the_classic_example():
    # Wikipedia's example: 7992739871 + key 3.
    assert luhn_is_valid("79927398713") is True


def test_luhn_check_digit_of_the_classic_example():
    assert luhn_check_digit("7992739871") == "3"


def test_luhn_check_digit_of_the_hand_computed_rpps():
    assert luhn_check_digit("1123456789") == "6"
    assert luhn_check_digit("1000000000") == "9"


def test_luhn_check_digit_can_be_zero():
    # "0": sum 0 -> key 0. "18": 8 doubled = 16 -> 7, + 1 = 8 -> key 2. "5": 10 -> 1 -> key 9.
    assert luhn_check_digit("0") == "0"
    assert luhn_check_digit("18") == "2"
    assert luhn_check_digit("5") == "9"


@pytest.mark.parametrize("wrong_key", "012345789")
def test_luhn_refuses_every_other_key(wrong_key):
    assert luhn_is_valid("1123456789" + wrong_key) is False


def test_luhn_catches_a_swap_of_adjacent_digits():
    assert luhn_is_valid("12134567896") is False


@pytest.mark.parametrize("digits", ["", "12a4", " 79927398713", "７９", "²"])
def test_luhn_is_false_for_non_ascii_digits(digits):
    assert luhn_is_valid(digits) is False


@pytest.mark.parametrize("partial", ["", "12 3", "x"])
def test_luhn_check_digit_refuses_non_digits(partial):
    with pytest.raises(ValueError):
        luhn_check_digit(partial)


# --- RPPS -----------------------------------------------------------------------

def test_valid_rpps_is_returned_as_11_digits():
    assert validate_rpps(KNOWN_RPPS) == KNOWN_RPPS


def test_rpps_typed_with_spaces_is_normalised():
    assert validate_rpps(" 112 345 678 96 ") == KNOWN_RPPS


@pytest.mark.parametrize("value", ["1123456789", "112345678960", "", "1123456789a", "11234-567896", None])
def test_rpps_without_exactly_11_digits_is_refused(value):
    with pytest.raises(ValueError) as caught:
        validate_rpps(value)
    assert str(caught.value) == "Le numéro RPPS doit comporter 11 chiffres."


def test_rpps_with_a_wrong_key_is_refused():
    with pytest.raises(ValueError) as caught:
        validate_rpps("11234567895")
    assert str(caught.value) == "Le numéro RPPS n'est pas valide (clé de contrôle incorrecte)."


def test_make_rpps_builds_the_hand_computed_numbers():
    assert make_rpps(123456789) == KNOWN_RPPS
    assert make_rpps(0) == ZERO_SERIAL_RPPS


def test_make_rpps_pads_the_serial_to_nine_digits():
    number = make_rpps(42)
    assert number.startswith("1000000042")
    assert len(number) == 11


@pytest.mark.parametrize("serial", [0, 1, 42, 999_999_999, 123_456_789])
def test_made_rpps_numbers_pass_validation(serial):
    number = make_rpps(serial)
    assert number[0] == "1"
    assert validate_rpps(number) == number


def test_made_rpps_numbers_are_distinct():
    numbers = {make_rpps(serial) for serial in range(1000)}
    assert len(numbers) == 1000


@pytest.mark.parametrize("serial", [-1, 10**9, True, "12", 1.0])
def test_make_rpps_refuses_serials_that_do_not_fit(serial):
    with pytest.raises(ValueError):
        make_rpps(serial)
