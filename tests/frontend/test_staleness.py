"""What `parse` and `record_attribute` record while lowering (`recording_globals`), seen
from the API: rebinding anything the compiled code read makes the next call recompile."""

import numpy as np
import pytest

import s2sgrad


def _closure():
    k = 1.0

    def f(x):
        return k * x * x

    def set_k(v):
        nonlocal k
        k = v

    return f, set_k


def test_a_rebound_closure_cell_recompiles():
    f, set_k = _closure()
    g = s2sgrad.grad(f)
    assert g(1.0) == 2.0
    set_k(3.0)
    assert g(1.0) == 6.0
    assert g(np.array(1.0)) == 6.0  # another specialization: compiled after the change


def test_rebound_defaults_are_used_from_the_next_call():
    def h(x, a=1.0, *, b=0.0):
        return a * x * x + b * x

    g = s2sgrad.grad(h)
    assert g(2.0) == 4.0
    h.__defaults__ = (3.0,)
    assert g(2.0) == 12.0
    assert g(2.0, 1.0) == 4.0  # passed explicitly, it still counts
    h.__kwdefaults__ = {"b": 1.0}
    assert g(2.0) == 13.0
    assert g(2.0, b=0.0) == 12.0


def test_a_callees_defaults_are_baked_in_and_checked():
    def inner(x, a=1.0):
        return a * x

    def outer(x):
        return inner(x) * x

    g = s2sgrad.grad(outer)
    assert g(2.0) == 4.0
    inner.__defaults__ = (2.0,)
    assert g(2.0) == 8.0


def test_a_replaced_code_object_recompiles():
    def u(x):
        return x * x

    def v(x):
        return x * x * x

    def w(y):
        return y

    g = s2sgrad.grad(u)
    assert g(2.0) == 4.0
    u.__code__ = v.__code__  # what IPython's %autoreload does
    assert g(2.0) == 12.0
    u.__code__ = w.__code__
    with pytest.raises(s2sgrad.S2SGradError, match="parameters of 'u' changed"):
        g(2.0)


class _Cls:
    w = 3.0

    def loss(self, x):
        return self.w * x * x


class _Prop:
    def __init__(self):
        self.w = 3.0

    @property
    def scale(self):
        return self.w

    def loss(self, x):
        return self.scale * x * x


class _Slots:
    __slots__ = ("w",)

    def __init__(self):
        self.w = 3.0

    def loss(self, x):
        return self.w * x * x


class _Static:
    @staticmethod
    def k(x):
        return 3.0 * x

    def loss(self, x):
        return self.k(x) * x


def test_attributes_read_through_self_are_checked():
    b, p, s, st = _Cls(), _Prop(), _Slots(), _Static()
    gs = [s2sgrad.grad(o.loss) for o in (b, p, s, st)]
    assert [g(1.0) for g in gs] == [6.0] * 4
    _Cls.w, p.w, s.w = 5.0, 5.0, 5.0
    _Static.k = staticmethod(lambda x: 5.0 * x)
    assert [g(1.0) for g in gs] == [10.0] * 4
    b.w = 7.0  # an instance attribute now shadows the class's
    assert gs[0](1.0) == 14.0


def test_a_method_rebound_on_the_class_recompiles():
    class B:
        def loss(self, x):
            return x * x

    b = B()

    def f(x):
        return b.loss(x)

    g = s2sgrad.grad(f)
    assert g(1.0) == 2.0
    B.loss = lambda self, x: 7.0 * x
    assert g(1.0) == 7.0
    b.loss = lambda x: 9.0 * x  # shadowed on the instance
    assert g(1.0) == 9.0
