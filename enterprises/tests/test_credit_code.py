"""The unified social credit code (GB 32100-2015): the check itself and registering through the API."""

import pytest
from django.core.exceptions import ValidationError

from enterprises.credit_code import check_character, validate_credit_code
from enterprises.models import Enterprise

# Published codes of real enterprises, each with its correct check character.
REAL_CODES = ["91350100M000100Y43", "91110000600037341L", "91440300708461136T", "911100001000044477"]
VALID_NEW_CODE = "91350100M000100Y43"  # not one of the two enterprises of the district fixture


def refusal_code(value: str) -> str:
    with pytest.raises(ValidationError) as refused:
        validate_credit_code(value)
    return refused.value.code


@pytest.mark.parametrize("code", REAL_CODES)
def test_it_accepts_real_codes(code):
    validate_credit_code(code)
    assert check_character(code[:17]) == code[17]


def test_it_accepts_lowercase_and_surrounding_spaces():
    validate_credit_code("  91440300708461136t ")


@pytest.mark.parametrize("code", REAL_CODES)
def test_it_refuses_every_other_check_character(code):
    wrong = "0" if code[17] != "0" else "1"
    assert refusal_code(code[:17] + wrong) == "credit_code_check_digit"


def test_it_catches_two_swapped_neighbours():
    # 91110000600037341L with "41" typed as "14": the weights make the check digit differ.
    assert refusal_code("91110000600037314L") == "credit_code_check_digit"


@pytest.mark.parametrize("code", ["91350100M000100Y4", "91350100M000100Y433", "", "9"])
def test_it_refuses_a_wrong_length(code):
    assert refusal_code(code) == "credit_code_length"


def test_it_says_how_long_the_code_was():
    with pytest.raises(ValidationError) as refused:
        validate_credit_code("91350100M000100Y4")
    assert "17" in refused.value.messages[0]


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_it_refuses_the_letters_the_standard_leaves_out(letter):
    code = "91350100" + letter + "000100Y43"
    assert len(code) == 18
    assert refusal_code(code) == "credit_code_characters"


def test_it_refuses_punctuation():
    assert refusal_code("91350100M-00100Y43") == "credit_code_characters"


def test_it_refuses_a_division_code_with_a_letter_even_with_a_matching_check_digit():
    first_seventeen = "9135A100M000100Y4"
    code = first_seventeen + check_character(first_seventeen)
    assert refusal_code(code) == "credit_code_division"


def test_it_gives_each_kind_of_mistake_its_own_code():
    codes = {
        refusal_code("91350100M000100Y4"),
        refusal_code("91350100I000100Y43"),
        refusal_code("9135A100M000100Y4Y"),
        refusal_code("91350100M000100Y44"),
    }
    assert codes == {
        "credit_code_length",
        "credit_code_characters",
        "credit_code_division",
        "credit_code_check_digit",
    }


# Through the API


def register(client, *, language="zh-hans", **overrides):
    data = {"name": "闽发铝业股份有限公司", "credit_code": VALID_NEW_CODE, "industry": "有色金属", **overrides}
    return client.post("/api/v1/enterprises/", data, format="json", HTTP_ACCEPT_LANGUAGE=language)


def test_it_refuses_a_wrong_check_digit_under_the_credit_code_field(district):
    before = Enterprise.objects.count()

    response = register(
        district.client(district.dora),
        credit_code="91350100M000100Y44",
        township=district.township.pk,
        language="en",
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == ["credit_code"]
    assert "check digit" in body["fields"]["credit_code"][0]
    assert Enterprise.objects.count() == before


@pytest.mark.parametrize(
    "code",
    ["91350100M000100Y4", "91350100O000100Y43", "9135A100M000100Y4Y"],
    ids=["length", "letter", "division"],
)
def test_it_refuses_malformed_codes_and_creates_nothing(district, code):
    before = Enterprise.objects.count()

    response = register(district.client(district.dora), credit_code=code, township=district.township.pk)

    assert response.status_code == 400
    assert response.json()["fields"]["credit_code"]
    assert Enterprise.objects.count() == before


def test_it_registers_an_enterprise_with_a_valid_code(district):
    response = register(district.client(district.dora), township=district.township.pk)

    assert response.status_code == 201
    body = response.json()
    assert body["credit_code"] == VALID_NEW_CODE
    assert body["township"] == district.township.name
    assert Enterprise.objects.get(pk=body["id"]).name == "闽发铝业股份有限公司"


def test_it_lets_a_supervisor_register_too(district):
    response = register(district.client(district.sam), township=district.township.pk)

    assert response.status_code == 201


def test_it_stores_a_lowercase_code_in_capitals(district):
    response = register(
        district.client(district.dora), credit_code=VALID_NEW_CODE.lower(), township=district.township.pk
    )

    assert response.status_code == 201
    assert response.json()["credit_code"] == VALID_NEW_CODE
    assert Enterprise.objects.filter(credit_code=VALID_NEW_CODE).count() == 1


@pytest.mark.parametrize("code", ["91110000600037341L", "91110000600037341l"], ids=["same", "lowercase"])
def test_it_refuses_a_code_that_is_already_registered(district, code):
    before = Enterprise.objects.count()

    response = register(district.client(district.dora), credit_code=code, township=district.township.pk)

    assert response.status_code == 400
    assert response.json()["fields"]["credit_code"]
    assert Enterprise.objects.count() == before


def test_it_refuses_a_bureau_as_the_township(district):
    response = register(district.client(district.dora), township=district.industry.pk)

    assert response.status_code == 400
    assert "township" in response.json()["fields"]
    assert not Enterprise.objects.filter(credit_code=VALID_NEW_CODE).exists()


@pytest.mark.parametrize("name", ["alice", "carol", "hank"])
def test_it_forbids_others_to_register_enterprises(district, name):
    response = register(district.client(getattr(district, name)), township=district.township.pk)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert response.json()["message"]
    assert not Enterprise.objects.filter(credit_code=VALID_NEW_CODE).exists()
