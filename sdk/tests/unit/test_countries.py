from __future__ import annotations

import pytest
from shopkit.countries import COUNTRY_CODES, check_country
from shopkit.errors import InvalidInputError

pytestmark = pytest.mark.unit


def test_assigned_codes_pass_and_unassigned_ones_are_422_naming_the_field() -> None:
    assert check_country("shipping_address.country", "DE") == "DE"
    for bad in ("ZZ", "XX", "EU", "de", "D"):
        with pytest.raises(InvalidInputError) as refused:
            check_country("shipping_address.country", bad)
        assert refused.value.status_code == 422
        assert refused.value.invalid_params is not None
        assert refused.value.invalid_params[0].name == "shipping_address.country"
    assert len(COUNTRY_CODES) == 249
