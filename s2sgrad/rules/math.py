"""Rules for the `math` module. Each rule is one line: d(ans)/dx times the adjoint `g`."""

from __future__ import annotations

import math

from .registry import defelementwise, defnondiff, defvjp

_SQRT_PI = math.sqrt(math.pi)

defvjp(math.sin, lambda g, ans, x: g * math.cos(x))
defvjp(math.cos, lambda g, ans, x: -g * math.sin(x))
defvjp(math.tan, lambda g, ans, x: g * (1.0 + ans * ans))
defvjp(math.asin, lambda g, ans, x: g / math.sqrt(1.0 - x * x))
defvjp(math.acos, lambda g, ans, x: -g / math.sqrt(1.0 - x * x))
defvjp(math.atan, lambda g, ans, x: g / (1.0 + x * x))
defvjp(math.atan2, lambda g, ans, y, x: g * x / (x * x + y * y),
       lambda g, ans, y, x: -g * y / (x * x + y * y))
defvjp(math.sinh, lambda g, ans, x: g * math.cosh(x))
defvjp(math.cosh, lambda g, ans, x: g * math.sinh(x))
defvjp(math.tanh, lambda g, ans, x: g * (1.0 - ans * ans))
defvjp(math.asinh, lambda g, ans, x: g / math.sqrt(x * x + 1.0))
defvjp(math.acosh, lambda g, ans, x: g / math.sqrt(x * x - 1.0))
defvjp(math.atanh, lambda g, ans, x: g / (1.0 - x * x))
defvjp(math.exp, lambda g, ans, x: g * ans)
defvjp(math.expm1, lambda g, ans, x: g * (ans + 1.0))
defvjp(math.log1p, lambda g, ans, x: g / (1.0 + x))
defvjp(math.log2, lambda g, ans, x: g / (x * math.log(2.0)))
defvjp(math.log10, lambda g, ans, x: g / (x * math.log(10.0)))
defvjp(math.sqrt, lambda g, ans, x: g * 0.5 / ans)
defvjp(math.fabs, lambda g, ans, x: g if x >= 0 else -g)
defvjp(math.erf, lambda g, ans, x: g * 2.0 / _SQRT_PI * math.exp(-x * x))
defvjp(math.erfc, lambda g, ans, x: -g * 2.0 / _SQRT_PI * math.exp(-x * x))
defvjp(math.hypot, lambda g, ans, x, y: g * x / ans,
       lambda g, ans, x, y: g * y / ans)
defvjp(math.pow, lambda g, ans, x, y: g * y * math.pow(x, y - 1.0),
       lambda g, ans, x, y: g * ans * math.log(x) if x > 0 else 0.0)
defvjp(math.degrees, lambda g, ans, x: g * (180.0 / math.pi))
defvjp(math.radians, lambda g, ans, x: g * (math.pi / 180.0))


def _log_x(g, ans, x, base=None):
    return g / x if base is None else g / (x * math.log(base))


def _log_base(g, ans, x, base):
    return -g * ans / (base * math.log(base))


defvjp(math.log, _log_x, _log_base)

defelementwise(math.sin, math.cos, math.tan, math.asin, math.acos, math.atan, math.atan2,
               math.sinh, math.cosh, math.tanh, math.asinh, math.acosh, math.atanh, math.exp,
               math.expm1, math.log1p, math.log2, math.log10, math.sqrt, math.fabs, math.erf,
               math.erfc, math.hypot, math.pow, math.degrees, math.radians, math.log)

defnondiff(math.factorial, math.gcd, math.isclose, math.comb, math.perm)
