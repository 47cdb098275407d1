"""The worked example of seed 001: f(x1, x2, x3) = x1*(x2 - x3) + x3*log(1 - x1).

    s2sgrad show examples/seed.py:f --argnums 0,1,2
"""

import math


def f(x1, x2, x3):
    return x1 * (x2 - x3) + x3 * math.log(1 - x1)


def pair(x1, x2, x3):
    """The seed's f: R^3 -> R^2, whose Jacobian takes 3 forward or 2 reverse sweeps."""
    y1 = x1 * (x2 - x3)
    y2 = x3 * math.log(1 - x1)
    return y1, y2


if __name__ == "__main__":
    import s2sgrad

    df = s2sgrad.grad(f, argnums=(0, 1, 2))
    print(s2sgrad.source(df))
    print("gradient at (0.3, 1.2, 2.1):", df(0.3, 1.2, 2.1))
