"""The unified social credit code (统一社会信用代码) of GB 32100-2015.

Eighteen characters from a 31-character alphabet (digits and capitals without
I, O, S, V, Z). Positions 3-8 are the administrative division code; the last
character is a check digit over the first seventeen with fixed weights.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
VALUE_OF = {char: value for value, char in enumerate(ALPHABET)}


def check_character(first_seventeen: str) -> str:
    total = sum(VALUE_OF[char] * weight for char, weight in zip(first_seventeen, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """Raise ValidationError unless ``value`` is a well-formed code with the right check digit."""
    code = value.strip().upper()
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(count)d."),
            code="credit_code_length",
            params={"count": len(code)},
        )
    if any(char not in VALUE_OF for char in code):
        raise ValidationError(
            _("A unified social credit code uses only digits and capital letters other than I, O, S, V and Z."),
            code="credit_code_characters",
        )
    if not code[2:8].isdigit():
        raise ValidationError(
            _(
                "Characters 3 to 8 of a unified social credit code are the administrative division code "
                "and must be digits."
            ),
            code="credit_code_division",
        )
    if check_character(code[:17]) != code[17]:
        raise ValidationError(
            _("The check digit of this unified social credit code is wrong; please check the code for typing errors."),
            code="credit_code_check_digit",
        )
