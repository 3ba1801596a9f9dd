"""French phone numbers."""

import pytest

from catalog.phone import display_phone, normalize_phone


@pytest.mark.parametrize(
    "text",
    [
        "01 23 45 67 89",
        "01.23.45.67.89",
        "0123456789",
        "+33 1 23 45 67 89",
        "+33 (0)1 23 45 67 89",
        "+33123456789",
        "0033 1 23 45 67 89",
        "01-23-45-67-89",
        "01/23/45/67/89",
        " 01 23 45 67 89 ",
        "01\u00a023\u00a045\u00a067\u00a089",
    ],
)
def test_guide_style_landline_is_normalised_to_e164(text):
    assert normalize_phone(text) == "+33123456789"


def test_mobile_with_dashes_is_normalised():
    assert normalize_phone("06-12-34-56-78") == "+33612345678"


@pytest.mark.parametrize("text", ["06 12 34 56 78", "07 52 34 56 78"])
def test_mobile_is_accepted_when_a_mobile_is_required(text):
    assert normalize_phone(text, mobile=True) == "+33" + text.replace(" ", "")[1:]


@pytest.mark.parametrize("text", ["01 23 45 67 89", "09 12 34 56 78", "08 00 12 34 56"])
def test_non_mobile_is_refused_when_a_mobile_is_required(text):
    with pytest.raises(ValueError) as caught:
        normalize_phone(text, mobile=True)
    assert str(caught.value) == f"Ce numéro de téléphone n'est pas un numéro de mobile : {text}"


@pytest.mark.parametrize("mobile", [False, None])
def test_any_valid_number_is_accepted_when_a_mobile_is_not_required(mobile):
    assert normalize_phone("01 23 45 67 89", mobile=mobile) == "+33123456789"
    assert normalize_phone("06 12 34 56 78", mobile=mobile) == "+33612345678"
    assert normalize_phone("09 12 34 56 78", mobile=mobile) == "+33912345678"


@pytest.mark.parametrize(
    "text",
    [
        "pas de téléphone",
        "01 23 45 67 8a",       # phonenumbers would read the letter as a digit
        "01 23 45 67 89 ext 12",
        "0123",                  # too short
        "01 23 45 67 8",         # one digit missing
        "01 23 45 67 89 12",     # too long
        "1234567890123456789012",
        "00 00 00 00 00",
        "07 12 34 56 78",        # 07 1x is not an allocated mobile range
        "+",
    ],
)
def test_invalid_numbers_are_refused_with_a_french_message(text):
    with pytest.raises(ValueError) as caught:
        normalize_phone(text)
    assert str(caught.value) == f"Ce numéro de téléphone n'est pas valide : {text}"


@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty_number_is_refused(text):
    with pytest.raises(ValueError, match="Aucun numéro de téléphone saisi"):
        normalize_phone(text)


def test_landline_is_displayed_in_national_format():
    assert display_phone("+33123456789") == "01 23 45 67 89"


def test_mobile_is_displayed_in_national_format():
    assert display_phone("+33612345678") == "06 12 34 56 78"


@pytest.mark.parametrize("text", ["01.23.45.67.89", "+33 (0)1 23 45 67 89", "0123456789"])
def test_normalise_then_display_gives_the_guide_layout(text):
    assert display_phone(normalize_phone(text)) == "01 23 45 67 89"


def test_foreign_number_keeps_its_country_code_on_display():
    # A Belgian mobile (+32 470 ...), valid in the numbering plan.
    assert display_phone("+32470123456") == "+32 470 12 34 56"


def test_display_refuses_garbage():
    with pytest.raises(ValueError):
        display_phone("n'importe quoi")


def test_display_fast_path_agrees_with_phonenumbers_on_french_numbers():
    import random

    import phonenumbers

    rng = random.Random(5)
    for _ in range(2000):
        e164 = "+33" + str(rng.choice([1, 2, 3, 4, 5, 6, 7, 8, 9])) + "".join(str(rng.randint(0, 9)) for _ in range(8))
        expected = phonenumbers.format_number(phonenumbers.parse(e164, "FR"), phonenumbers.PhoneNumberFormat.NATIONAL)
        assert display_phone(e164) == expected, e164
