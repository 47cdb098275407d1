"""Property-based fuzzing: random scalar programs (tests/fuzz_programs.py) against oracles.

Each generated program is written to a real file, imported, and checked at a point where it
is smooth (no branch, abs, min or max near its switching point, no huge value), so that:

1. `grad(f, argnums=<every float parameter>)` equals central finite differences;
2. the reference interpreter on the lowered IR equals Python;
3. forward and reverse mode agree: <u, J v> from `jvp` equals <pullback(u), v> from `vjp`
   (and `jvp` equals a directional finite difference, and both return f's value).

The default run checks 200 programs, derandomized so CI sees the same ones every time.
`pytest --fuzz` (or S2SGRAD_FUZZ=1) checks 10,000 fresh ones. A failure is shrunk by
Hypothesis to a small program; `python -m tests.fuzz_programs N` runs N seeded programs
without stopping at the first failure.
"""

import os
import time

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from . import fuzz_programs as fp

DEFAULT_PROGRAMS = 200
FUZZ_PROGRAMS = 10_000


class HypothesisChooser:
    """The generator's random decisions, drawn from Hypothesis so that failures shrink."""

    _ints: dict = {}
    _reals: dict = {}

    def __init__(self, draw):
        self.draw = draw

    def integer(self, lo: int, hi: int) -> int:
        key = (lo, hi)
        if key not in self._ints:
            self._ints[key] = st.integers(lo, hi)
        return self.draw(self._ints[key])

    def real(self, lo: float, hi: float) -> float:
        key = (lo, hi)
        if key not in self._reals:
            self._reals[key] = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
        return self.draw(self._reals[key])


@st.composite
def cases(draw):
    case = fp.draw_case(HypothesisChooser(draw))
    assume(case is not None)  # no smooth point found: a fresh program instead
    return case


def fuzzing(config) -> bool:
    return bool(config.getoption("fuzz")) or os.environ.get("S2SGRAD_FUZZ") == "1"


def test_random_programs(pytestconfig):
    fuzz = fuzzing(pytestconfig)
    checked = [0]

    @settings(max_examples=FUZZ_PROGRAMS if fuzz else DEFAULT_PROGRAMS, deadline=None,
              derandomize=not fuzz, database=None, print_blob=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                     HealthCheck.data_too_large,
                                     HealthCheck.large_base_example])
    @given(cases())
    def check(case):
        checked[0] += 1
        fp.check(case)

    start = time.perf_counter()
    check()
    print(f"\n{checked[0]} random programs checked in {time.perf_counter() - start:.1f} s")
