"""The persistent cache (s2sgrad/diskcache.py): a new process reuses generated code, and an
entry is never used once a function or a global it depends on has changed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

MODULE = '''
import math
import numpy as np

SCALE = {scale}


def helper(x):
    return {helper}


def loss(x, w):
    return np.sum(helper(x * w) * SCALE) + math.sin(w[0])


def with_closure(k):
    def f(x):
        return x * k
    return f
'''

RUN = '''
import json, sys, numpy as np, s2sgrad
from s2sgrad import pipeline
import model
g = s2sgrad.grad(model.loss, argnums={argnums})
out = g(np.array([0.5, -1.0, 2.0]), np.array([1.5, 0.25, -0.5]))
json.dump({{"grad": np.asarray(out).tolist(), "compiled": len(pipeline._PRIMALS)}},
          sys.stdout)
'''


def _write(tmp_path: Path, scale: float = 2.0, helper: str = "np.tanh(x) * x") -> None:
    (tmp_path / "model.py").write_text(MODULE.format(scale=scale, helper=helper))


def _run(tmp_path: Path, argnums: int = 1, **env: str) -> dict:
    environ = {**os.environ, "PYTHONPATH": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1",
               "S2SGRAD_CACHE_DIR": str(tmp_path / "cache"), **env}
    if "S2SGRAD_NO_CACHE" not in env:
        environ.pop("S2SGRAD_NO_CACHE", None)
    done = subprocess.run([sys.executable, "-c", RUN.format(argnums=argnums)],
                          capture_output=True, text=True, env=environ, cwd=tmp_path,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _entries(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache").glob("*.pickle"))


def test_a_new_process_reuses_the_generated_code(tmp_path):
    _write(tmp_path)
    cold = _run(tmp_path)
    assert cold["compiled"] == 1 and len(_entries(tmp_path)) == 1
    warm = _run(tmp_path)
    assert warm["compiled"] == 0  # nothing was lowered: the code came from the disk
    assert warm["grad"] == cold["grad"]


def test_changing_a_callee_or_a_constant_invalidates_the_entry(tmp_path):
    _write(tmp_path)
    first = _run(tmp_path)
    _write(tmp_path, helper="np.sin(x) * x")  # loss's own source is unchanged
    second = _run(tmp_path)
    assert second["compiled"] == 1 and second["grad"] != first["grad"]
    _write(tmp_path, scale=3.0, helper="np.sin(x) * x")
    third = _run(tmp_path)
    assert third["compiled"] == 1
    cos = [0.0, 0.0, 0.0]
    cos[0] = __import__("math").cos(1.5)  # d sin(w[0]) / dw, which SCALE does not scale
    assert third["grad"] == pytest.approx([c + 1.5 * (g - c) for g, c in
                                           zip(second["grad"], cos)])
    assert _run(tmp_path)["compiled"] == 0  # and the new version is reused in turn


def test_options_and_argument_kinds_have_their_own_entries(tmp_path):
    _write(tmp_path)
    _run(tmp_path, argnums=1)
    _run(tmp_path, argnums=0)
    assert len(_entries(tmp_path)) == 2


def test_the_environment_variable_turns_it_off(tmp_path):
    _write(tmp_path)
    _run(tmp_path, S2SGRAD_NO_CACHE="1")
    assert not _entries(tmp_path)
    _run(tmp_path)
    assert _run(tmp_path, S2SGRAD_NO_CACHE="1")["compiled"] == 1


def test_a_damaged_entry_is_a_miss(tmp_path):
    _write(tmp_path)
    want = _run(tmp_path)["grad"]
    for entry in _entries(tmp_path):
        entry.write_bytes(entry.read_bytes()[:40])
    again = _run(tmp_path)
    assert again["compiled"] == 1 and again["grad"] == want


def test_closures_are_not_cached(tmp_path, monkeypatch):
    from s2sgrad.backend import diskcache

    _write(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    import model  # noqa: F401  (the module written above)

    assert diskcache.key(model.with_closure(2.0), "opts", (None, ())) is None
    assert diskcache.key(model.loss, "opts", (None, ())) is not None
    sys.modules.pop("model", None)


def test_the_function_source_reader_agrees_with_inspect():
    import inspect

    from s2sgrad.frontend.parse import function_lines

    from .cases import api_funcs, programs
    for module in (api_funcs, programs):
        for fn in vars(module).values():
            if inspect.isfunction(fn) and fn.__module__ == module.__name__:
                assert function_lines(fn) == inspect.getsourcelines(fn), fn.__name__


def test_black_style_signature_is_read_whole(tmp_path, monkeypatch):
    from s2sgrad.frontend.parse import function_lines
    import inspect

    (tmp_path / "styled.py").write_text(textwrap.dedent('''
        import math


        def f(
            x,
            y,
        ):
            z = x * y
        # a comment at column 0 inside the body
            return math.sin(
                z
            )
        '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    import styled

    assert function_lines(styled.f) == inspect.getsourcelines(styled.f)
    sys.modules.pop("styled", None)


def test_functions_in_a_namespace_are_stored_by_name():
    import pickle

    import numpy as np

    from s2sgrad.backend import diskcache

    special = pytest.importorskip("scipy.special")
    for fn in (np.add, np.linalg.inv, special.round, special.expit, np.sin):
        stored = pickle.loads(pickle.dumps(diskcache._portable(fn)))
        assert diskcache._restored(stored) is fn


# -- what a key fingerprints: values exactly, each lambda, classes by contents ------------

CHILD = '''
import json, sys
import s2sgrad
from s2sgrad import pipeline
import {module}
g = s2sgrad.grad({module}.{function})
out = g(2.0)
json.dump({{"grad": float(out), "compiled": len(pipeline._PRIMALS),
           "source": s2sgrad.source(g)}}, sys.stdout)
'''


def _child(tmp_path: Path, text: str, function: str = "loss") -> dict:
    """Write `text` as a module (under a new name each time, so no stale bytecode is
    read) and run grad(module.function)(2.0) in a new process sharing one cache."""
    n = len(list(tmp_path.glob("mod*.py")))
    (tmp_path / f"mod{n}.py").write_text(textwrap.dedent(text))
    import s2sgrad

    here = os.path.dirname(os.path.dirname(s2sgrad.__file__))  # this s2sgrad, not another
    environ = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), here]),
               "PYTHONDONTWRITEBYTECODE": "1", "S2SGRAD_CACHE_DIR": str(tmp_path / "cache")}
    environ.pop("S2SGRAD_NO_CACHE", None)
    code = CHILD.format(module=f"mod{n}", function=function)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=environ, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _same_place(tmp_path: Path, text: str) -> dict:
    """`_child` with the module always in the same file, as when a user edits it."""
    for old in tmp_path.glob("mod*.py"):
        old.unlink()
    return _child(tmp_path, text)


def test_two_lambdas_on_one_line_have_their_own_entries(tmp_path, monkeypatch):
    import s2sgrad

    monkeypatch.setenv("S2SGRAD_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("S2SGRAD_NO_CACHE", raising=False)
    sq, cube = (lambda x: x * x), (lambda x: x * x * x)
    assert s2sgrad.grad(sq)(2.0) == 4.0
    assert s2sgrad.grad(cube)(2.0) == 12.0  # not the entry of the lambda before it
    assert len(list(tmp_path.glob("*.pickle"))) == 2


BIG_DEFAULT = '''
    import numpy as np
    W = np.zeros(2000)
    W[1000] = {mid}
    def helper(x, w=W):
        return np.sum(w * x)
    def loss(x):
        return helper(x)
'''


def test_a_callees_default_array_is_fingerprinted_by_its_bytes(tmp_path):
    assert _same_place(tmp_path, BIG_DEFAULT.format(mid=1.0))["grad"] == 1.0
    # repr() of a 2000-element array elides its middle: the key must not
    assert _same_place(tmp_path, BIG_DEFAULT.format(mid=5.0))["grad"] == 5.0


SMALL_GLOBAL = '''
    import numpy as np
    C = np.array([{c}])
    def loss(x, k=({k},)):
        return np.sum(C * x) * k[0]
'''


def test_values_are_not_rounded(tmp_path):
    # repr() prints 8 digits of an array and rounds; floats differ in their last bit here
    first = _same_place(tmp_path, SMALL_GLOBAL.format(c="0.1234567891", k="1.0"))
    second = _same_place(tmp_path, SMALL_GLOBAL.format(c="0.1234567892", k="1.0"))
    assert second["compiled"] == 1 and second["grad"] != first["grad"]
    third = _same_place(tmp_path, SMALL_GLOBAL.format(c="0.1234567892",
                                                      k="1.0000000000000002"))
    assert third["compiled"] == 1 and third["grad"] == second["grad"] * 1.0000000000000002


CLASS = '''
    class Ops:
        k = {k}
        @staticmethod
        def act(x):
            return {body}
    def loss(x):
        return Ops.act(x) * Ops.k
'''


def test_a_class_is_fingerprinted_by_its_contents_not_its_name(tmp_path):
    assert _same_place(tmp_path, CLASS.format(k=1.0, body="x * x"))["grad"] == 4.0
    assert _same_place(tmp_path, CLASS.format(k=1.0, body="x * x * x"))["grad"] == 12.0
    assert _same_place(tmp_path, CLASS.format(k=3.0, body="x * x * x"))["grad"] == 36.0
    again = _same_place(tmp_path, CLASS.format(k=3.0, body="x * x * x"))
    assert again["compiled"] == 0 and again["grad"] == 36.0  # and still cached


SHIFTED = '''
    {above}
    def loss(x):
        return x * x
'''


def test_lines_added_above_an_unchanged_function_give_the_new_line(tmp_path):
    first = _same_place(tmp_path, SHIFTED.format(above=""))
    second = _same_place(tmp_path, SHIFTED.format(above="\n\n\n"))
    assert second["compiled"] == 1  # the entry names the old line
    assert ":3" in first["source"].splitlines()[0] and \
        ":6" in second["source"].splitlines()[0]


def test_value_fingerprints_are_exact():
    import numpy as np

    from s2sgrad.backend import diskcache

    def fp(value):
        return diskcache._fingerprint(value)

    assert fp(0.1) != fp(0.1 + 2 ** -56 * 4) and fp(0.0) != fp(-0.0)
    assert fp(1) != fp(1.0) != fp(True)
    big = np.zeros(5000)
    changed = big.copy()
    changed[2500] = 1e-300
    assert fp(big) != fp(changed)
    assert fp(big) != fp(big.astype(np.float32)) and fp(big) != fp(big.reshape(50, 100))
    assert fp((1.0, [2.0])) != fp((1.0, [2.0000000000000004]))
    with pytest.raises(diskcache.Uncacheable):
        fp(object())


def test_a_function_whose_module_is_none_is_keyed_too():
    """`exec` into a namespace without `__name__` (a notebook cell run by hand) leaves the
    function's `__module__` None; the key joined it as a string and raised TypeError."""
    import linecache

    import s2sgrad

    text = "def cell(x):\n    return 3.0 * x * x\n"
    name = "<cell-without-module>"
    linecache.cache[name] = (len(text), None, text.splitlines(True), name)
    namespace: dict = {}
    exec(compile(text, name, "exec"), namespace)
    assert namespace["cell"].__module__ is None
    assert s2sgrad.grad(namespace["cell"])(1.5) == 9.0
