"""Abstract values: what the compiler knows about each value before the code runs.

Compiled code is specialized on its arguments' abstract values: a Python scalar (with its
type), a NumPy array (with its shape and dtype), or anything else. `infer` propagates them
through the program by *abstract evaluation*: each primitive is run once on small stand-in
values of the right shape and dtype, and the result's shape and dtype are recorded. Values
whose shape can depend on data (boolean masks, `nonzero`, an integer computed from data)
become "any", so nothing is assumed that a later call could break.

Knowing shapes lets the optimizer drop `unbroadcast` where shapes already agree, sum over
exactly the broadcast axes where they do not, pick the scalar form of a rule (`math.log`
rather than `np.log`), and keep integer and boolean values out of activity analysis.
"""

from __future__ import annotations

import operator
import random
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import runtime
from ..ir.core import UNDEF, Assign, Atom, Block, Const, For, Function, If, Tag, Var, While


class ValueKind(Tag):
    """What an abstract value is: a Python or NumPy scalar, an array, anything else, or (for
    a loop-carried name Python has not assigned yet) nothing yet."""

    SCALAR = "scalar"
    ARRAY = "array"
    ANY = "any"
    UNSET = "unset"


@dataclass(frozen=True)
class Aval:
    kind: ValueKind
    shape: tuple[int, ...] | None = None
    dtype: str | None = None  # numpy dtype name ("float64", "int64", "bool", ...)
    value: Any = None  # an int or tuple known at compile time (shapes, lengths)

    @property
    def is_float(self) -> bool:
        return self.dtype is not None and np.dtype(self.dtype).kind in "fc"

    @property
    def is_integral(self) -> bool:
        return self.dtype is not None and np.dtype(self.dtype).kind in "biu"


ANY = Aval(ValueKind.ANY)
_UNSET = Aval(ValueKind.UNSET)  # a loop-carried name Python has not assigned yet (joins as bottom)
SCALAR = ValueKind.SCALAR
ARRAY = ValueKind.ARRAY
Avals = dict[Var, Aval]
_PY_SCALARS = (int, float, bool)
_DATA_DEPENDENT = {np.nonzero, np.flatnonzero, np.argwhere, np.unique, np.extract,
                   np.compress, runtime.method("nonzero")}
_SHAPE_QUERIES = {np.size, np.shape, np.ndim, len, runtime.attr("size"), runtime.attr("shape"),
                  runtime.attr("ndim")}
_OPAQUE = {runtime.stack_new, runtime.stack_push, runtime.stack_pop, runtime.make_tuple,
           runtime.make_list, runtime.make_dict, runtime.seq_onehot}


def aval_of(value: Any, static: bool = False) -> Aval:
    """The abstract value of a concrete one (`static`: remember small ints and tuples)."""
    if isinstance(value, _PY_SCALARS):
        known = value if static and isinstance(value, int) else None
        return Aval(SCALAR, (), np.dtype(type(value)).name, known)
    if isinstance(value, np.ndarray):
        return Aval(ValueKind.ARRAY, value.shape, _dtype_name(value.dtype))
    if isinstance(value, np.generic):
        return Aval(SCALAR, (), _dtype_name(value.dtype))
    if static and isinstance(value, str):  # einsum subscripts
        return Aval(ValueKind.ANY, value=value)
    if static and isinstance(value, tuple) and all(
            isinstance(v, int) or isinstance(v, (tuple, list)) and
            all(isinstance(w, int) for w in v) for v in value):  # shapes, axes, pairs of axes
        return Aval(ValueKind.ANY, value=tuple(tuple(v) if isinstance(v, list) else v for v in value))
    return ANY


_DTYPE_NAMES: dict[np.dtype, str] = {}


def _dtype_name(dtype: np.dtype) -> str:
    """`dtype.name`, which NumPy computes in Python on every read (about 1 us): once each."""
    name = _DTYPE_NAMES.get(dtype)
    if name is None:
        name = _DTYPE_NAMES[dtype] = dtype.name
    return name


def kind_of_value(value: Any) -> Aval:
    return aval_of(value)


FLOAT = Aval(SCALAR, (), "float64")


def kind(atom: Atom, avals: Avals) -> Aval:
    if isinstance(atom, Const):
        return Aval(SCALAR, (), "float64") if atom.value is UNDEF else aval_of(atom.value, True)
    return avals.get(atom, ANY)


def is_scalar(atom: Atom, avals: Avals) -> bool:
    return kind(atom, avals).kind == SCALAR


def infer(fn: Function, params: list[Aval]) -> Avals:
    avals: Avals = dict(zip(fn.params, params))
    _block(fn.body, avals)
    return avals


def join(a: Aval, b: Aval) -> Aval:
    if a == b or b == _UNSET:
        return a
    if a == _UNSET:
        return b
    if a.kind == b.kind == SCALAR and a.dtype == b.dtype:
        return Aval(SCALAR, (), a.dtype)
    return ANY


def evaluate(prim: Any, args: list[Atom], kwargs: dict[str, Atom], avals: Avals) -> Aval:
    """The abstract value of `prim(*args, **kwargs)`."""
    ins = [kind(a, avals) for a in args]
    if prim in _OPAQUE or prim in _DATA_DEPENDENT or (prim is np.where and len(args) == 1):
        return ANY
    if prim in (operator.getitem, runtime.written) and \
            any(i.kind == ValueKind.ARRAY and i.dtype == "bool" for i in ins):
        return ANY  # a boolean mask: the result's length depends on the data
    if prim is np.arange and any(i.kind == SCALAR and i.value is None for i in ins):
        return ANY  # a range of floats known at run time: its length depends on them
    if prim in runtime.UPDATES and ins[0].kind == ValueKind.ARRAY:
        return Aval(ValueKind.ARRAY, ins[0].shape, ins[0].dtype)
    if all(i.kind == SCALAR for i in ins) and not kwargs and _scalar_prim(prim):
        return _scalar_result(prim, ins)
    first = _try(prim, args, kwargs, avals, 1)
    if first is not ANY and any(_unknown_int(i) for i in [*ins, *map(
            lambda a: kind(a, avals), kwargs.values())]):
        if _try(prim, args, kwargs, avals, 2) != first:
            return ANY  # an integer computed at run time decides the shape
    return first


def _unknown_int(a: Aval) -> bool:
    return a.kind == SCALAR and a.is_integral and a.value is None


def _try(prim: Any, args: list[Atom], kwargs: dict[str, Atom], avals: Avals,
         int_stand_in: int) -> Aval:
    ins = [kind(a, avals) for a in args]
    ran = run_on_stand_ins(prim, args, kwargs, avals, int_stand_in)
    if ran is None:
        return ANY
    out = ran[1]
    static = all(i.value is not None for i in ins) or prim in _SHAPE_QUERIES
    return aval_of(out, static=static and isinstance(out, (int, tuple, str)))


def run_on_stand_ins(prim: Any, args: list[Atom], kwargs: dict[str, Atom], avals: Avals,
                     int_stand_in: int = 1) -> tuple[list[Any], Any] | None:
    """`(inputs, prim(*inputs, **kw))` on new stand-in values of the arguments' abstract
    values (arrays of their shapes and dtypes), or None when that cannot be run, or must not
    be: a function of the `time` module reads the clock or sleeps, which compiling must not
    do."""
    if getattr(prim, "__module__", None) == "time":
        return None
    try:
        values = [_stand_in(a, kind(a, avals), int_stand_in) for a in args]
        kwvalues = {k: _stand_in(v, kind(v, avals), int_stand_in) for k, v in kwargs.items()}
        with np.errstate(all="ignore"):
            return values, _keeping_random_state(prim, values, kwvalues)
    except Exception:
        return None


def _keeping_random_state(prim: Any, values: list[Any], kwvalues: dict[str, Any]) -> Any:
    """`prim(*values, **kwvalues)`; a random draw (`np.random.normal`, a Generator's or
    `random`'s methods) leaves its generator's state as it was, so compiling a function
    does not change the numbers the user's program draws."""
    owner = getattr(prim, "__self__", None)
    if isinstance(owner, np.random.Generator):
        owner = owner.bit_generator
    if not isinstance(owner, (np.random.RandomState, np.random.BitGenerator, random.Random)):
        return prim(*values, **kwvalues)
    is_numpy = not isinstance(owner, random.Random)
    state = owner.get_state() if isinstance(owner, np.random.RandomState) else \
        owner.state if is_numpy else owner.getstate()
    try:
        return prim(*values, **kwvalues)
    finally:
        if isinstance(owner, np.random.RandomState):
            owner.set_state(state)
        elif is_numpy:
            owner.state = state
        else:
            owner.setstate(state)


def _scalar_prim(prim: Any) -> bool:
    return getattr(prim, "__module__", None) in ("math", "_operator", "operator") or prim in (
        abs, min, max, pow, float, int, round, bool, runtime.unbroadcast,
        runtime.logical_and, runtime.logical_or, runtime.zeros_like)


_INT_MATH = {"floor", "ceil", "trunc", "factorial", "gcd", "comb", "perm", "isqrt"}
_BOOL_PRIMS = {operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne,
               operator.not_, operator.is_, operator.is_not, operator.contains, bool}
_INT_KEEPING = {operator.add, operator.sub, operator.mul, operator.floordiv, operator.mod,
                operator.neg, operator.pos, abs, min, max, operator.and_, operator.or_,
                operator.xor, operator.invert, operator.lshift, operator.rshift}


def _scalar_result(prim: Any, ins: list[Aval]) -> Aval:
    """Python's own typing rules for scalar code, without running it."""
    if prim in _BOOL_PRIMS or getattr(prim, "__name__", "").startswith("is"):
        return Aval(SCALAR, (), "bool")
    if prim in (int, round) or getattr(prim, "__name__", "") in _INT_MATH and \
            getattr(prim, "__module__", "") == "math":
        return Aval(SCALAR, (), "int64")
    if prim in _INT_KEEPING and all(i.is_integral for i in ins):
        known = [i.value for i in ins]
        value = None
        if all(v is not None for v in known):
            try:
                value = prim(*known)
            except Exception:
                value = None
        return Aval(SCALAR, (), "int64", value if isinstance(value, int) else None)
    if prim in (runtime.logical_and, runtime.logical_or) and all(i.dtype == "bool" for i in ins):
        return Aval(SCALAR, (), "bool")
    return Aval(SCALAR, (), "float64")


class _Unknown(Exception):
    """A value no stand-in can represent: give up on it."""


_STAND_INS: dict[tuple, np.ndarray] = {}


def _stand_in(atom: Atom, aval: Aval, int_stand_in: int) -> Any:
    if isinstance(atom, Const):
        return atom.value
    if aval.value is not None:
        return aval.value
    if aval.kind == ValueKind.ARRAY:
        key = (aval.shape, aval.dtype)
        if key not in _STAND_INS:
            _STAND_INS[key] = _array(aval.shape, np.dtype(aval.dtype))
        return _STAND_INS[key].copy()
    if aval.kind == SCALAR and aval.dtype == "bool":
        return True
    if aval.kind == SCALAR and aval.is_integral:
        return int_stand_in
    if aval.kind == SCALAR and aval.dtype is not None:
        return 0.5
    raise _Unknown


def _array(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """Values that keep the usual functions defined: in (0, 1), diagonally dominant."""
    size = int(np.prod(shape))
    data = np.linspace(0.1, 0.9, size).reshape(shape) if size else np.zeros(shape)
    if len(shape) >= 2 and shape[-1] == shape[-2]:
        data = data + np.eye(shape[-1]) * shape[-1]
    return data.astype(dtype)


def _block(block: Block, avals: Avals) -> None:
    for s in block:
        if isinstance(s, Assign):
            out = evaluate(s.prim, s.args, s.kwargs, avals)
            if len(s.outs) == 1:
                avals[s.out] = out
            else:
                avals.update((o, ANY) for o in s.outs)
        elif isinstance(s, If):
            _block(s.then, avals)
            _block(s.orelse, avals)
            for o, a, b in zip(s.outs, s.then_results, s.else_results):
                avals[o] = _phi(kind(a, avals), kind(b, avals), a, b)
        else:
            _loop(s, avals)


def _phi(a: Aval, b: Aval, x: Atom, y: Atom) -> Aval:
    if isinstance(x, Const) and x.value is UNDEF:
        return b
    if isinstance(y, Const) and y.value is UNDEF:
        return a
    return join(a, b)


def _loop(s: For | While, avals: Avals) -> None:
    for c, i in zip(s.carried, s.inits):
        init = _UNSET if isinstance(i, Const) and i.value is UNDEF else kind(i, avals)
        if init == _UNSET:  # not assigned yet: the loop's first assignment decides
            avals[c] = _UNSET
            continue
        avals[c] = init
        avals[c] = Aval(avals[c].kind, avals[c].shape, avals[c].dtype)  # values vary
    if isinstance(s, For):
        avals[s.index] = Aval(SCALAR, (), "int64")
    for _ in range(len(s.carried) + 2):
        if isinstance(s, While):
            _block(s.cond_block, avals)
        _block(s.body, avals)
        changed = False
        for c, n in zip(s.carried, s.next):
            new = join(avals[c], kind(n, avals))
            changed |= new != avals[c]
            avals[c] = new
        if not changed:
            break
    for c in s.carried:
        if avals[c] == _UNSET:  # never assigned in the loop: nothing is known
            avals[c] = ANY
    avals.update((o, avals[c]) for o, c in zip(s.outs, s.carried))
