"""Derivatives pickle by reference (the transform, the function's module and name, the
options): unpickling elsewhere compiles again; a function without a findable name is an
error when its derivative is pickled."""

import concurrent.futures as cf
import functools
import multiprocessing
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

import s2sgrad
from tests import pickled_funcs as P


def _derivatives() -> dict:
    return {
        "grad": (s2sgrad.grad(P.loss, argnums=(0, 1)), (np.ones(2), 2.0)),
        "value_and_grad": (s2sgrad.value_and_grad(P.loss), (np.ones(2),)),
        "jacfwd": (s2sgrad.jacfwd(P.cube, argnums=(0, 1)), (0.5, 2.0)),
        "jacrev": (s2sgrad.jacrev(P.cube), (0.5, 2.0)),
        "jacobian": (s2sgrad.jacobian(P.cube), (0.5, 2.0)),
        "hessian": (s2sgrad.hessian(P.loss), (np.ones(2),)),
        "grad of grad": (s2sgrad.grad(s2sgrad.grad(P.cube)), (0.5, 2.0)),
        "decorated": (P.decorated, (2.0,)),
        "grad of decorated": (s2sgrad.grad(P.decorated), (2.0,)),
        "bound": (s2sgrad.grad(functools.partial(P.loss, np.ones(2)), argnums=0), (3.0,)),
    }


def test_every_derivative_pickles_and_gives_the_same_values_in_a_new_process() -> None:
    made = _derivatives()
    for name, (fn, _) in made.items():
        again = pickle.loads(pickle.dumps(fn))
        assert again is fn or type(again) is type(fn), name
        assert len(pickle.dumps(fn)) < 400, name  # a reference, not the compiled code
    want = {k: repr(fn(*args)) for k, (fn, args) in made.items()}
    code = ("import pickle, sys; made = pickle.loads(sys.stdin.buffer.read()); "
            "print(repr({k: repr(fn(*a)) for k, (fn, a) in made.items()}))")
    out = subprocess.run([sys.executable, "-c", code], input=pickle.dumps(made),
                         capture_output=True, check=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert out.stdout.decode().strip() == repr(want)


def test_a_spawn_process_pool_computes_a_gradient() -> None:
    g, x = s2sgrad.grad(P.spread), np.arange(3.0)
    with cf.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as ex:
        got = list(ex.map(g, [x, 2 * x]))
    assert [list(v) for v in got] == [list(x), list(2 * x)]


def _local_derivatives() -> list:
    def local(x):
        return x * x

    return [s2sgrad.grad(lambda x: x * x), s2sgrad.grad(local),
            s2sgrad.hessian(lambda x: x * x)]


def test_a_derivative_of_a_function_without_a_name_cannot_be_pickled() -> None:
    for fn in _local_derivatives():  # functions: pickle's own error names the function
        with pytest.raises((pickle.PicklingError, s2sgrad.S2SGradError),
                           match="lambda|local"):
            pickle.dumps(fn)
    for fn in (s2sgrad.grad(s2sgrad.grad(lambda x: x * x * x)),
               s2sgrad.grad(functools.partial(lambda w, x: w * x, 2.0))):
        with pytest.raises(s2sgrad.S2SGradError, match="cannot pickle.*lambda") as info:
            pickle.dumps(fn)
        assert "test_pickling.py" in str(info.value) and "module level" in str(info.value)
