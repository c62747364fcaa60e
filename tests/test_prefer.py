"""The Prefer parser: Prism's rules taken literally, RFC 7240's syntax, the extended keys."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver.prefer import Delay, Fault, PreferenceError, applied, parse, split_header

# --- Prism's documented behaviour, literally ---------------------------------------------------


def test_prism_keys_from_the_header() -> None:
    found = parse("code=404, example=notFound, dynamic=true")
    assert found is not None
    assert (found.source, found.code, found.example, found.dynamic) == ("header", 404, "notFound", True)


def test_prism_keys_from_the_query_when_there_is_no_header() -> None:
    found = parse(None, {"__code": "201", "__example": "kickoff", "__dynamic": "false"})
    assert found is not None
    assert (found.source, found.code, found.example, found.dynamic) == ("query", 201, "kickoff", False)


@pytest.mark.parametrize(
    "header",
    ["code=500", "respond-async", "return=minimal", "wait=10"],
    ids=["prism-key", "unknown-bare", "unknown-valued", "unknown-wait"],
)
def test_a_header_hides_the_query_entirely(header: str) -> None:
    found = parse(header, {"__code": "404", "__dynamic": "maybe"})
    assert found is None or (found.source == "header" and found.code != 404)


def test_an_empty_header_counts_as_absent() -> None:  # Prism tests the header for truthiness
    found = parse("", {"__code": "404"})
    assert found is not None and found.code == 404


@pytest.mark.parametrize(
    "value", ["4040", "0404", "40", "abc", "2O0", "", "+20", "200.0", "٢٠٠"], ids=lambda v: repr(v)
)
def test_code_must_be_exactly_three_digits(value: str) -> None:
    with pytest.raises(PreferenceError) as caught:
        parse(f"code={value}")
    assert caught.value.name == "code"
    with pytest.raises(PreferenceError):
        parse(None, {"__code": value})


@pytest.mark.parametrize("value", ["TRUE", "True", "1", "yes", "", "false "], ids=repr)
def test_dynamic_must_be_exactly_true_or_false(value: str) -> None:
    with pytest.raises(PreferenceError):
        parse(None, {"__dynamic": value})


def test_a_bare_prism_key_has_no_value_and_is_refused() -> None:
    for header in ("code", "dynamic", "example"):
        with pytest.raises(PreferenceError):
            parse(header)


def test_unknown_preferences_are_ignored() -> None:  # RFC 7240 section 2
    assert parse("respond-async, wait=100, handling=lenient") is None
    found = parse("respond-async, code=200, foo=bar")
    assert found is not None and found.code == 200 and set(found.raw) == {"code"}


# --- RFC 7240 syntax ----------------------------------------------------------------------------


def test_names_are_case_insensitive_and_whitespace_is_optional() -> None:
    found = parse("  CODE = 418 ,Dynamic=false")
    assert found is not None and (found.code, found.dynamic) == (418, False)


def test_quoted_values_and_the_first_of_a_repeated_preference() -> None:
    found = parse('example="two words, one \\"name\\"", code=200, code=500')
    assert found is not None
    assert found.example == 'two words, one "name"'
    assert found.code == 200


def test_parameters_after_a_semicolon_are_read_too() -> None:
    found = parse("fail=503; rate=0.25")
    assert found is not None and (found.fail, found.rate) == (503, 0.25)


def test_commas_inside_parentheses_do_not_split() -> None:
    assert split_header("delay=lognormal(median=80,p99=400), fault=dribble(5,10)") == {
        "delay": "lognormal(median=80,p99=400)",
        "fault": "dribble(5,10)",
    }


# --- extended keys ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "delay"),
    [
        ("250", Delay("fixed", 250, 250)),
        ("0", Delay("fixed", 0, 0)),
        ("100-400", Delay("uniform", 100, 400)),
        ("100 - 400", Delay("uniform", 100, 400)),
        ("lognormal(median=80,p99=400)", Delay("lognormal", 80, 400)),
        ('"lognormal(median=80, p99=400)"', Delay("lognormal", 80, 400)),
    ],
    ids=["fixed", "zero", "uniform", "uniform-spaced", "lognormal", "lognormal-quoted"],
)
def test_delay_forms(text: str, delay: Delay) -> None:
    found = parse(f"delay={text}")
    assert found is not None and found.delay == delay


@pytest.mark.parametrize(
    "text",
    ["-5", "abc", "400-100", "60001", "1-60001", "lognormal(median=0,p99=5)", "lognormal(p99=4)", ""],
    ids=repr,
)
def test_bad_delays(text: str) -> None:
    with pytest.raises(PreferenceError) as caught:
        parse(f"delay={text}")
    assert caught.value.name == "delay"


def test_delay_draws_stay_in_their_range_and_repeat_per_seed() -> None:
    uniform = Delay("uniform", 100, 400)
    draws = [uniform.draw(random.Random(seed)) for seed in range(200)]
    assert all(100 <= d <= 400 for d in draws)
    assert draws == [uniform.draw(random.Random(seed)) for seed in range(200)]


def test_lognormal_delay_has_the_median_and_p99_asked_for() -> None:
    delay = Delay("lognormal", 80, 400)
    rng = random.Random(1)
    draws = sorted(delay.draw(rng) for _ in range(20000))
    assert 76 < draws[10000] < 84
    assert 360 < draws[19800] < 440


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("empty", Fault("empty")),
        ("RESET", Fault("reset")),
        ("garbage", Fault("garbage")),
        ("truncate", Fault("truncate")),
        ("dribble(5,100)", Fault("dribble", 5, 100)),
    ],
    ids=["empty", "reset-upper", "garbage", "truncate", "dribble"],
)
def test_fault_forms(text: str, fault: Fault) -> None:
    found = parse(f"fault={text}")
    assert found is not None and found.fault == fault


@pytest.mark.parametrize(
    "text", ["explode", "dribble", "dribble(0,10)", "dribble(1001,1)", "dribble(100,1000)", "dribble(a,b)"], ids=repr
)
def test_bad_faults(text: str) -> None:
    with pytest.raises(PreferenceError):
        parse(f"fault={text}")


def test_fail_rate_seed_undocumented() -> None:
    found = parse("fail=503, rate=0.1, seed=42, undocumented")
    assert found is not None
    assert (found.fail, found.rate, found.seed, found.undocumented) == (503, 0.1, 42, True)


@pytest.mark.parametrize(
    "header",
    ["fail=200", "fail=99", "fail=5033", "fail=503, rate=1.5", "fail=503, rate=-0.1", "fail=503, rate=x",
     "rate=0.5", "seed=-1", "seed=abc", "seed=9223372036854775808", "undocumented=yes"],
    ids=repr,
)
def test_bad_extended_values(header: str) -> None:
    with pytest.raises(PreferenceError):
        parse(header)


def test_extended_keys_are_not_read_from_the_query() -> None:
    assert parse(None, {"__delay": "100", "__fail": "503"}) is None


def test_preference_applied_echoes_what_was_used() -> None:
    found = parse('code=200, example="a b", seed=3')
    assert found is not None
    assert applied(found, ["code", "example", "seed"]) == 'code=200, example="a b", seed=3'
    assert applied(found, ["code"], {"code": "201"}) == "code=201"


@given(st.integers(0, 2**63 - 1), st.sampled_from(["200", "404", "503"]))
def test_round_trip_of_seed_and_code(seed: int, code: str) -> None:
    found = parse(f"seed={seed}, code={code}")
    assert found is not None and (found.seed, found.code) == (seed, int(code))
