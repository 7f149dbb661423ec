"""The cell parsers take whatever a cell holds, typed or crafted: a value in range comes out, or a
ValidationError with a message; never another exception (hypothesis generates the inputs)."""

import datetime
import decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core import excel
from filings.services import ROSTER_TEMPLATE_COLUMNS
from passes.services import roster

pytestmark = pytest.mark.django_db  # the roster's ID check looks nothing up, but its columns read settings

# What openpyxl hands over for a cell, and text shaped like what people and attackers type.
_TEXT = st.one_of(
    st.text(),
    st.text(alphabet="0123456789０１２３４５６７８９-/.:年月日 eE+infaNX℃°C", max_size=40),
    st.from_regex(r"-?[0-9]{1,30}(\.[0-9]{0,5})?([eE][+-]?[0-9]{1,4})?", fullmatch=True),
    st.sampled_from(
        [
            "inf",
            "-inf",
            "nan",
            "NaN",
            "1e400",
            "1e100",
            "99999999999999999999-1-1",
            "2020-02-30",
            "2020-02-20 25:61",
            "2020-02-20 inf:inf",
            "#VALUE!",
            "1_000",
            "٣",
        ]
    ),
)
CELLS = st.one_of(
    _TEXT,
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(min_value=datetime.datetime(1, 1, 1), max_value=datetime.datetime(9999, 12, 31)),
    st.dates(),
    st.times(),
    st.decimals(allow_nan=True, allow_infinity=True),
)
_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _value_or_validation_error(parse, value):
    try:
        return parse(value)
    except ValidationError as error:
        messages = error.messages
    assert messages and all(message for message in messages)
    return None


@_SETTINGS
@given(CELLS)
@example("１２３")
@example(float("inf"))
@example(1e400)
@example("2147483648")
def test_a_count_is_a_whole_number_in_the_database_range(value):
    count = _value_or_validation_error(excel.parse_count, value)
    assert count is None or (isinstance(count, int) and 0 <= count <= excel.COUNT_MAX)


def test_counts_typed_in_full_width_or_as_floats_are_read():
    assert [excel.parse_count(v) for v in ("１２３", 12.0, "7", " 3 ")] == [123, 12, 7, 3]


@_SETTINGS
@given(CELLS)
@example("99999999999999999999-1-1")
@example("2020年2月20日")
def test_a_date_is_a_date_within_the_supported_years(value):
    day = _value_or_validation_error(excel.parse_date, value)
    assert day is None or (type(day) is datetime.date and excel.DATE_MIN <= day <= excel.DATE_MAX)


@_SETTINGS
@given(CELLS)
@example("2020-02-20 inf:inf")
@example("2020-02-20 08:30:15")
def test_a_time_is_an_aware_moment_to_the_minute(value):
    moment = _value_or_validation_error(excel.parse_datetime, value)
    assert moment is None or (moment.tzinfo is not None and moment.second == 0 and moment.microsecond == 0)


@_SETTINGS
@given(CELLS)
@example("1e100")
@example(1e100)
@example("36.8℃")
def test_a_temperature_is_a_finite_tenth(value):
    temperature = _value_or_validation_error(roster._parse_temperature, value)
    assert temperature is None or (
        isinstance(temperature, decimal.Decimal)
        and temperature.is_finite()
        and temperature == temperature.quantize(decimal.Decimal("0.1"))
    )


@_SETTINGS
@given(CELLS)
@example(320583199001011234)
@example("３２０５８３１９９００１０１１２３４")
def test_an_id_number_is_eighteen_ascii_characters(value):
    for parse in (roster._parse_id_number, ROSTER_TEMPLATE_COLUMNS[1].parse):
        number = _value_or_validation_error(parse, value)
        assert number is None or (len(number) == 18 and number.isascii() and number[:17].isdigit())


@_SETTINGS
@given(CELLS)
@example(13912345678.0)
@example("１３９１２３４５６７８")
@example("13٩12345678")
def test_a_mobile_is_eleven_ascii_digits(value):
    mobile = _value_or_validation_error(excel.parse_mobile, value)
    assert mobile is None or (len(mobile) == 11 and mobile.isascii() and mobile.isdigit())


@_SETTINGS
@given(CELLS)
def test_flags_and_digits_never_fail_otherwise(value):
    assert _value_or_validation_error(excel.parse_flag, value) in (True, False, None)
    assert isinstance(excel.parse_digits(value), str)
