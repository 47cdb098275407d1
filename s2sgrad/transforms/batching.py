"""Vector mode: the forward transform with a leading batch axis on every tangent.

`batched_forward(fn, wrt, kinds, n)` runs this transform. Each tangent of a value of shape
`s` has shape `(n, *s)` (a Python float's tangent has shape `(n,)`), so one sweep pushes n
tangent directions through the program at once; seeded with the n unit vectors, it yields
n columns of the Jacobian. The transform keeps that shape exact after every statement, so
a rule can rely on it.

How a statement's tangent is found (see `rules/registry.py`, `rules/batched_rules.py`):

- a primitive with `batched_jvps` or `batched_linear` uses those rules, lowered in place
  like any rule; helpers that compute axes, shapes and einsum subscripts run at compile
  time when their arguments are constants, so the code shows literals;
- an elementwise primitive marked `batch_safe` uses its plain formula once each tangent is
  given the result's rank: `dx[:, None]` turns `(n, 3)` into `(n, 1, 3)`, so it broadcasts
  against a `(2, 3)` operand where the plain tangent would not;
- a linear primitive marked `batch_safe` (tuples, copies, loop stacks) is applied as is;
- `x[index]` takes `dx[:, index]`, when the index is known well enough to be sure NumPy
  places the batch axis first, and otherwise a helper that checks at run time; updates
  (`x[index] = v`) go through helpers that copy, so no tangent is changed in place;
- anything else raises `NotBatchable`, and the caller falls back to one sweep per column.
"""

from __future__ import annotations

import operator
from typing import Any, Callable

import numpy as np

from ..analysis import kinds as K
from ..analysis.activity import check_index
from ..analysis.kinds import Aval, ValueKind
from .. import runtime
from ..errors import S2SGradError
from ..ir.core import Assign, Atom, Const, Function, NameSupply, Var
from ..ir.printer import prim_name
from ..rules import batched as B
from ..rules.registry import Rule, lookup
from .forward import (ForwardSweep, JvpLowerer, Tan, forward_with, missing_jvp, rule_keywords,
                      zero_tree)
from .rule_lowering import RuleLowerer
from .reverse_items import check_keywords

_SEQUENCES = (runtime.make_tuple, runtime.make_list, runtime.make_dict)


class NotBatchable(Exception):
    """A primitive on the differentiated path has no vector-mode rule."""

    def __init__(self, what: str, loc: Any = None):
        where = f" at {loc.filename}:{loc.lineno}" if loc is not None else ""
        super().__init__(f"{what}{where}")


class _BatchLowerer(RuleLowerer):
    """Lowers batched rules: runs `rules.batched` helpers on constants at compile time, and
    turns a call of `unbatchable` into `NotBatchable`."""

    def apply(self, prim: Callable[..., Any], args: list[Atom], node: Any,
              kwargs: dict[str, Atom] | None = None) -> Atom:
        if prim is B.unbatchable:
            raise NotBatchable(str(args[-1].value if isinstance(args[-1], Const) else prim))
        consts = [*args, *(kwargs or {}).values()]
        if prim in B.STATIC and all(isinstance(a, Const) for a in consts):
            try:
                return Const(prim(*[a.value for a in args],
                                  **{k: v.value for k, v in (kwargs or {}).items()}))
            except (S2SGradError, NotImplementedError, ValueError, TypeError) as exc:
                raise NotBatchable(f"{prim_name(prim)}: {exc}") from None
        return super().apply(prim, args, node, kwargs)


class _BatchJvpLowerer(_BatchLowerer, JvpLowerer):
    """An elementwise VJP formula read as a batched JVP."""


def batched_forward(fn: Function, wrt: list[int], param_kinds: list[Aval], n: int
                    ) -> Function:
    """The JVP program for tangents with a leading axis of length `n` (vector mode); a
    primitive with no vector-mode rule raises `NotBatchable`."""
    kinds = dict(fn.avals) or K.infer(fn, param_kinds)
    return forward_with(BatchedForward(NameSupply.for_function(fn), kinds, n), fn, wrt)


class BatchedForward(ForwardSweep):
    """The forward transform's walk over the program (`forward.ForwardSweep`), with batched
    tangents: its zeros, tangent kinds and statement rules are the batched ones."""

    def __init__(self, names: NameSupply, kinds: K.Avals, batch: int):
        super().__init__(names, kinds)
        self.n = batch
        self.tuples: dict[Var, list[Atom]] = {}  # index tuples built at run time
        self.seqs: set[Var] = set()  # values known to be tuples, lists or dicts

    # -- shapes ---------------------------------------------------------------------------
    def tangent_kind(self, primal: Atom) -> Aval:
        aval = K.kind(primal, self.kinds)
        if aval.kind == K.SCALAR or (aval.kind == ValueKind.ARRAY and aval.shape is not None):
            dtype = aval.dtype if aval.is_float else "float64"
            return Aval(ValueKind.ARRAY, (self.n, *(aval.shape or ())), dtype)
        return K.ANY

    def const_zero(self, c: Const) -> Atom:
        if isinstance(c.value, (int, float, np.ndarray, np.generic)):
            return self.zeros((self.n, *np.shape(c.value)), "z")
        if isinstance(c.value, (tuple, list, dict)):
            return Const(zero_tree(c.value, (self.n,)))
        return Const(0.0)

    def zeros(self, shape: tuple[int, ...], hint: str) -> Var:
        out = self.emit(np.zeros, [Const(shape)], hint, None)
        self.kinds[out] = Aval(ValueKind.ARRAY, shape, "float64")
        return out

    def zero(self, like: Atom) -> Atom:
        if like in self.stacks:
            return super().zero(like)
        want = self.tangent_kind(like)
        if want.kind == ValueKind.ARRAY:
            return self.zeros(want.shape, "z" + _name(like))  # type: ignore[arg-type]
        return self.emit(B.zeros_batched, [like, Const(self.n)], "z" + _name(like), None)

    def rank(self, atom: Atom) -> int | None:
        """The number of axes of a primal value (not counting the batch axis), if known."""
        aval = K.kind(atom, self.kinds)
        if aval.kind == K.SCALAR:
            return 0
        if aval.kind == ValueKind.ARRAY and aval.shape is not None:
            return len(aval.shape)
        return None

    def expand(self, t: Atom, arg: Atom, out: Var) -> Atom:
        """The tangent `t` of `arg` given the rank of `out` after the batch axis, so that it
        broadcasts in an elementwise formula: `dx[:, None]`, or a helper when the compiler
        does not know the ranks."""
        rank, out_rank = self.rank(arg), self.rank(out)
        if rank is None or out_rank is None:
            return self.emit(B.expand_batched, [t, out], _name(t) + "_b", None)
        if rank >= out_rank:
            return t
        index = Const((slice(None),) + (None,) * (out_rank - rank))
        return self.emit(operator.getitem, [t, index], _name(t) + "_b", None)

    def exact(self, t: Atom, out: Var, loc: Any, elementwise: bool) -> Atom:
        """`t` broadcast to the exact shape of `out`'s tangent: an elementwise formula may
        give a tangent that only broadcasts to it (`-dx` for `c - x` with c larger)."""
        want = self.tangent_kind(out)
        if want.kind != ValueKind.ARRAY:
            if not elementwise or K.kind(out, self.kinds).kind != ValueKind.ANY:
                return t
            return self.emit(B.broadcast_batched, [t, out, Const(self.n)], "d" + out.name,
                             loc)
        if K.kind(t, self.kinds).shape == want.shape:
            return t
        full = self.emit(np.broadcast_to, [t, Const(want.shape)], "d" + out.name, loc)
        self.kinds[full] = want
        return full

    # -- statements -----------------------------------------------------------------------
    def assign(self, s: Assign, tan: Tan) -> None:
        if s.prim in _SEQUENCES:
            self.seqs.update(s.outs)
        if s.prim is runtime.make_tuple:
            self.tuples[s.out] = list(s.args)
        active = [i for i, a in enumerate(s.args) if isinstance(a, Var) and a in tan]
        if not active and not rule_keywords(s, tan):
            return
        check_index(s, tan)
        rule = lookup(s.prim)
        if rule is None:
            raise missing_jvp(s)
        if rule.nondiff:
            return
        check_keywords(s, tan)
        if s.prim is operator.getitem:
            if s.args[0] in self.seqs or s.args[0] in self.dicts:
                return self.linear(s, rule, tan)  # an item of a tuple or dict: its tangent
            total: Atom | None = self.index(s, tan[s.args[0]])  # type: ignore[index]
        elif rule.batched_linear is not None:
            total = self.linear_rule(s, rule, tan)
        elif rule.batch_safe and rule.linear is not None:
            return self.linear(s, rule, tan)
        elif rule.batched_jvps or (rule.batch_safe and rule.elementwise):
            total = self.contributions(s, rule, active, tan)
        else:
            raise NotBatchable(f"no vector-mode rule for {prim_name(s.prim)}", s.loc)
        if total is not None:
            total = self.exact(total, s.out, s.loc, rule.elementwise)
            tan[s.out] = self.rename(total, "d" + s.out.name)

    def contributions(self, s: Assign, rule: Rule, active: list[int], tan: Tan
                      ) -> Atom | None:
        """The sum of the batched JVPs of the active arguments."""
        total: Atom | None = None
        for i in active:
            t = tan[s.args[i]]  # type: ignore[index]
            if rule.elementwise and not rule.batched_jvps:
                c = self.contribution(s, rule, i, self.expand(t, s.args[i], s.out))
            elif i < len(rule.batched_jvps):
                fn = rule.batched_jvps[i]
                c = None if fn is None else self.lower_rule(fn, [t, s.out, *s.args], s,
                                                            _BatchLowerer)
            else:
                raise NotBatchable(f"no vector-mode rule for argument {i} of "
                                   f"{prim_name(s.prim)}", s.loc)
            if c is not None:
                total = self.add(total, c, "d" + s.out.name, s.loc)
        return total

    def apply_rule(self, rule: Callable[..., Any], t: Atom, s: Assign, kind: type) -> Atom:
        batched = _BatchJvpLowerer if kind is JvpLowerer else _BatchLowerer
        return self.lower_rule(rule, [t, s.out, *s.args], s, batched)

    def linear_rule(self, s: Assign, rule: Rule, tan: Tan) -> Atom:
        """A linear primitive's batched form, applied to the tangents of its arguments."""
        args = list(s.args)
        for i in rule.linear_args(len(s.args)):
            a = s.args[i]
            args[i] = tan.get(a) or self.zero(a) if isinstance(a, Var) else self.const_zero(a)
        return self.lower_rule(rule.batched_linear, [s.out, *args], s,  # type: ignore[arg-type]
                               _BatchLowerer)

    # -- indexing -------------------------------------------------------------------------
    def index(self, s: Assign, t: Atom) -> Atom:
        """The tangent of `x[index]`: `dx[:, index]` when NumPy is sure to keep the batch
        axis first, else `take_batched(dx, index)`, which decides at run time."""
        x, index = s.args[0], s.args[1]
        items = self.index_items(index) if K.kind(x, self.kinds).kind == ValueKind.ARRAY else None
        if items is None or B.separated([self.item_kind(a) for a in items]):
            return self.emit(B.take_batched, [t, index], "d" + s.out.name, s.loc)
        if all(isinstance(a, Const) for a in items):
            batched: Atom = Const((slice(None), *[a.value for a in items]))  # type: ignore
        else:
            batched = self.emit(runtime.make_tuple, [Const(slice(None)), *items], "i", s.loc)
        out = self.emit(operator.getitem, [t, batched], "d" + s.out.name, s.loc)
        if self.tangent_kind(s.out).kind == ValueKind.ARRAY:  # known, though the index may not be
            self.kinds[out] = self.tangent_kind(s.out)
        return out

    def index_items(self, index: Atom) -> list[Atom] | None:
        if isinstance(index, Const):
            value = index.value
            return [Const(v) for v in value] if isinstance(value, tuple) else [index]
        if index in self.tuples:
            return self.tuples[index]  # type: ignore[index]
        return [index]

    def item_kind(self, item: Atom) -> str:
        """"int", "slice", "none", "dots" or "array" for one item of an index; "unknown"
        when the compiler cannot tell (the helper then decides at run time)."""
        if isinstance(item, Const):
            return B.item_kind(item.value)
        aval = K.kind(item, self.kinds)
        if aval.kind == K.SCALAR and aval.is_integral and aval.dtype != "bool":
            return "int"
        if aval.kind == ValueKind.ARRAY and aval.dtype is not None and \
                np.dtype(aval.dtype).kind in "biu":
            return "array"
        return "unknown"


def _name(a: Atom) -> str:
    return a.name if isinstance(a, Var) else "c"
