"""Kinds inference (analysis/kinds.py) runs primitives on stand-in values, but not the
functions of `time`: compiling must not read the clock or sleep."""

import time

import s2sgrad


def _sleeps(x):
    s = time.sleep(0.2)
    return x * 2.0


def _reads_the_clock(x):
    return x * (time.time() - 1.7e9)


def test_compiling_does_not_sleep():
    start = time.perf_counter()
    assert s2sgrad.grad(_sleeps)(1.0) == 2.0
    assert time.perf_counter() - start < 0.35  # one call sleeps once, as the function does


def test_the_clock_is_read_when_the_derivative_runs():
    before = time.time() - 1.7e9
    got = s2sgrad.grad(_reads_the_clock)(1.0)
    assert before <= got <= time.time() - 1.7e9
