"""Small programs whose generated derivative code docs/generated-code.md walks through."""

import math


def integrate(a, b, x0, dt=0.01, n=1000):
    """Euler steps of dx/dt = sin(a*x) * b."""
    x = x0
    for i in range(n):
        x = x + dt * math.sin(a * x) * b
    return x


def clipped_growth(x, rate):
    """A branch inside a while loop with an early exit."""
    total = 0.0
    while x < 10.0:
        if x > 5.0:
            x = x + rate
        else:
            x = x * (1.0 + rate)
        total = total + math.log(x)
    return total
