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

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

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
