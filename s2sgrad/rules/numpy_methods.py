"""Rules for array methods (`x.sum(axis=0)`) and attributes (`x.T`): the primitives
`runtime.method(name)` and `runtime.attr(name)`. Most reuse the rule of the NumPy function
of the same name, so this module is imported after the other NumPy rule modules."""

from __future__ import annotations

import numpy as np

from .. import runtime
from .numpy_common import inverse_perm
from .registry import deflinear, defelementwise, defjvp, defmultilinear, defnondiff, defvjp, \
    lookup

# -- array methods and attributes ------------------------------------------------------------

_method, _attr = runtime.method, runtime.attr

for _name, _f in (("sum", np.sum), ("mean", np.mean), ("prod", np.prod), ("max", np.max),
                  ("min", np.min), ("var", np.var), ("std", np.std), ("cumsum", np.cumsum),
                  ("cumprod", np.cumprod), ("clip", np.clip), ("dot", np.dot),
                  ("squeeze", np.squeeze), ("swapaxes", np.swapaxes), ("trace", np.trace),
                  ("diagonal", np.diagonal), ("repeat", np.repeat),
                  ("take", np.take)):
    _rule = lookup(_f)
    defvjp(_method(_name), *_rule.vjps)
    if _rule.jvps:
        defjvp(_method(_name), *_rule.jvps)
    if _rule.linear is not None:
        deflinear(_method(_name), *_rule.linear)
    if _rule.multilinear:
        defmultilinear(_method(_name))
    if _rule.elementwise:
        defelementwise(_method(_name))

for _name in ("reshape", "ravel", "flatten", "item"):
    defvjp(_method(_name), lambda g, ans, x: np.reshape(g, np.shape(x)))
    deflinear(_method(_name))
for _name in ("copy", "astype"):
    defvjp(_method(_name), lambda g, ans, x: g)
    deflinear(_method(_name))


def _method_transpose(g, ans, x, a0=None, a1=None, a2=None, a3=None, a4=None, a5=None):
    """`x.transpose()`, `x.transpose(axes)` or `x.transpose(*axes)` (up to six axes)."""
    if a0 is None:
        return g.T
    if a1 is None:
        return np.transpose(g, inverse_perm(a0, np.ndim(x)))
    if a2 is None:
        return np.transpose(g, inverse_perm((a0, a1), np.ndim(x)))
    if a3 is None:
        return np.transpose(g, inverse_perm((a0, a1, a2), np.ndim(x)))
    if a4 is None:
        return np.transpose(g, inverse_perm((a0, a1, a2, a3), np.ndim(x)))
    if a5 is None:
        return np.transpose(g, inverse_perm((a0, a1, a2, a3, a4), np.ndim(x)))
    return np.transpose(g, inverse_perm((a0, a1, a2, a3, a4, a5), np.ndim(x)))


defvjp(_method("transpose"), _method_transpose)
deflinear(_method("transpose"))
defvjp(_attr("T"), lambda g, ans, x: g.T)
deflinear(_attr("T"))
defvjp(_attr("real"), lambda g, ans, x: g)
deflinear(_attr("real"))

defnondiff(_attr("shape"), _attr("ndim"), _attr("size"), _attr("dtype"), _method("argmax"),
           _method("argmin"), _method("argsort"), _method("nonzero"), _method("any"),
           _method("all"), _method("round"))  # not .tolist(): its items are differentiable
