"""Every scalar derivative rule against central finite differences, at two points each."""

import math
import operator

import pytest

import s2sgrad
from s2sgrad.rules.registry import registered

from .scalar_prims import CASES


def _central(f, args, i, h=1e-6):
    up, down = list(args), list(args)
    up[i] += h
    down[i] -= h
    return (f(*up) - f(*down)) / (2 * h)


@pytest.mark.parametrize("key", list(CASES), ids=lambda k: getattr(k, "__name__", str(k)))
def test_rule_matches_central_differences(key):
    fn, points = CASES[key]
    for args in points:
        argnums = tuple(range(len(args)))
        got = s2sgrad.grad(fn, argnums=argnums)(*args)
        for i, g in enumerate(got):
            assert g == pytest.approx(_central(fn, args, i), rel=1e-6, abs=1e-8), (args, i)


def test_every_differentiable_scalar_rule_is_tested():
    scalar_modules = ("math", "_operator", "builtins")
    untested = [prim for prim, rule in registered().items()
                if any(rule.vjps) and getattr(prim, "__module__", "") in scalar_modules
                and prim not in CASES and prim not in (operator.getitem, operator.matmul)
                and prim is not math.lgamma]  # a user rule: tests/cases/library_rule.py
    assert not untested, f"rules without a finite-difference test: {untested}"


def test_pow_with_negative_base_and_constant_exponent():
    assert s2sgrad.grad(CASES[operator.pow][0])(-1.5, 2.0) == pytest.approx(-3.0)


def test_log_has_two_rules():
    assert s2sgrad.grad(CASES["math.log/2"][0], argnums=1)(0.3, 2.5) == pytest.approx(
        -math.log(0.3) / (2.5 * math.log(2.5) ** 2))
