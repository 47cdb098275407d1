"""Fuzzing of random NumPy programs (tests/fuzz_numpy.py) against the oracles of
tests/fuzz_numpy_oracles.py: the value, the gradient against central differences, jvp
against vjp, hvp against differences of the gradient, no argument changed, gradients with
the arguments' structure and shapes.

A program passes, or is refused with an S2SGradError (a clear refusal); the test fails when
one is WRONG or raises any other exception. The default run checks the seeded programs
0 .. DEFAULT_PROGRAMS - 1 (the driver's programs, `python -m tests.fuzz_numpy N`);
`pytest --fuzz` (or S2SGRAD_FUZZ=1) checks 10,000 fresh programs drawn by Hypothesis,
which shrinks a failure.
"""

import time

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import s2sgrad

from . import fuzz_numpy_oracles as oracles
from .fuzz_programs import RandomChooser
from .test_fuzz import FUZZ_PROGRAMS, HypothesisChooser, fuzzing

DEFAULT_PROGRAMS = 800


@st.composite
def cases(draw):
    case = oracles.draw_case(HypothesisChooser(draw))
    assume(case is not None)  # no smooth point found: a fresh program instead
    return case


def _check(case: oracles.Case, counts: dict) -> None:
    outcome = oracles.check(case)
    if outcome.failed:
        raise AssertionError(oracles.describe(case, outcome))
    counts[outcome.kind] = counts.get(outcome.kind, 0) + 1


def _report(counts: dict, start: float) -> None:
    total = sum(counts.values())
    print(f"\n{total} random NumPy programs checked in {time.perf_counter() - start:.1f} s: "
          f"{counts}")
    assert counts.get("refused", 0) <= 0.2 * total, "fewer than 80% differentiated"


def test_random_numpy_programs(pytestconfig):
    counts: dict = {}
    start = time.perf_counter()
    if not fuzzing(pytestconfig):
        for seed in range(DEFAULT_PROGRAMS):
            case = oracles.draw_case(RandomChooser(seed))
            if case is not None:
                _check(case, counts)
        return _report(counts, start)

    @settings(max_examples=FUZZ_PROGRAMS, deadline=None, database=None, print_blob=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                     HealthCheck.data_too_large,
                                     HealthCheck.large_base_example])
    @given(cases())
    def check(case):
        _check(case, counts)

    check()
    _report(counts, start)


def _sin_of_x8(x):
    return np.mean(np.sin(x ** 8) ** 2)


def test_the_hvp_oracle_takes_exact_values_at_high_curvature_and_catches_small_errors():
    """At x = 1.875, sin(x ** 8) turns so fast that plain differences of the gradient are off
    by 0.3%: the oracle must still accept the exact hvp, and reject one off by 0.1%."""
    x, v = np.array([0.5, 1.875]), np.array([0.0, 1.0])
    case = oracles.Case(None, (x,), (v,), 1.0, True)
    gf = s2sgrad.grad(_sin_of_x8)
    t = 1.875
    exact = (16.0 / 2.0) / 2.0 * (7 * t ** 6 * np.sin(2 * t ** 8) +
                                  16 * t ** 14 * np.cos(2 * t ** 8))
    hv = s2sgrad.hvp(_sin_of_x8, (x,), (v,))
    assert hv[1] == pytest.approx(exact, rel=1e-9)
    assert oracles.hvp_problems(case, gf, hv) == []
    assert oracles.hvp_problems(case, gf, hv * 1.001)[0][0] == "wrong:hvp"
