"""Fuzzing of random NumPy programs (tests/fuzz_numpy.py) against the oracles of
tests/fuzz_numpy_oracles.py: the value, the gradient against central differences, jvp
against vjp, hvp against differences of the gradient, no argument changed, gradients with
the arguments' structure and shapes.

A program passes, or is refused with an S2SGradError (a clear refusal); the test fails when
one is WRONG or raises any other exception. The default run checks the seeded programs
0 .. DEFAULT_PROGRAMS - 1 (the driver's programs, `python -m tests.fuzz_numpy N`) except the
seeds of KNOWN_FAILING; `pytest --fuzz` (or S2SGRAD_FUZZ=1) checks 10,000 fresh programs
drawn by Hypothesis, which shrinks a failure. Both leave out the problems
`fuzz_numpy_oracles.known` names, whose fix is on another branch.
"""

import time

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from . import fuzz_numpy_oracles as oracles
from .fuzz_programs import RandomChooser
from .test_fuzz import FUZZ_PROGRAMS, HypothesisChooser, fuzzing

DEFAULT_PROGRAMS = 800

# Seeds of the default run that fail by a bug whose fix is on another branch: the adjoint of
# a slice write (`v[1:] = w`, `v[:, 1] += w`, ...) is read through a view of the target's
# adjoint after that slice of it is zeroed, when a stack, concatenate or mask is in the
# function. Put them back when it is merged.
KNOWN_FAILING: dict[int, str] = {
    65: "v1[1:] -= np.where(...); v2 = np.stack([v1, y, y])[[2, 0, 0]]",
    191: "v1[1:, :2] *= np.sum(x[x > -1.0])",
    279: "v1 = np.concatenate([...]); v2 = np.array(v1); v2[::2] = np.prod(...)",
    280: "v1[1:] = np.stack([0.1, v1[-1]])",
    339: "v1[1:3] -= p1; v2 = np.maximum(np.max(x, axis=1), np.stack([-1.0, z[1]]))",
    439: "v3[:, 1] += np.sum(x[x > 1.5])",
    484: "v1[1:] += np.stack([v1[2], np.sum(x), np.sum(x)])",
    551: "v1[0] += ...; v3 = np.stack([np.cos(np.sum(v1)), ...])",
    561: "v1[1:] += np.stack([np.sum(x, axis=0), 1.5, np.sum(v1)])",
    631: "v1[0] += np.max(v1, axis=0); np.vstack([...]) elsewhere",
    667: "v2[:, 1] = np.stack([np.sum(v1), np.sum(v2), 3.0])",
    706: "v3[::2] = np.stack([s, s])",
    712: "v2[1:] = z + s; a boolean mask elsewhere",
}


@st.composite
def cases(draw):
    case = oracles.draw_case(HypothesisChooser(draw))
    assume(case is not None)  # no smooth point found: a fresh program instead
    return case


def _check(case: oracles.Case, counts: dict) -> None:
    outcome = oracles.check(case)
    if outcome.unknown:
        raise AssertionError(oracles.describe(case, outcome))
    kind = "known" if outcome.failed else outcome.kind  # failed by known problems only
    counts[kind] = counts.get(kind, 0) + 1


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
            if case is not None and seed not in KNOWN_FAILING:
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
