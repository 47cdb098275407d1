"""Transpiled modules agree with s2sgrad on random programs (see `tests/transpile/fuzz.py`):
a small sample by default, 1,000 programs with `pytest --fuzz`."""

from ..test_fuzz import fuzzing
from . import fuzz

DEFAULT_PROGRAMS = 40
FUZZ_PROGRAMS = 1000


def test_transpiled_random_programs_agree_with_s2sgrad(pytestconfig):
    n = FUZZ_PROGRAMS if fuzzing(pytestconfig) else DEFAULT_PROGRAMS
    outcome = fuzz.run(range(n))
    print("\n" + fuzz.table(outcome))
    assert not outcome.failures, "\n".join(outcome.failures[:10])
    agreed = sum(v for k, v in outcome.counts.items() if k.endswith("agrees"))
    assert agreed >= n // 2  # most programs are transpiled and run, not refused
