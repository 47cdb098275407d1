"""api.md: source and show."""
import math
import s2sgrad

def f(x, y):
    return math.exp(x) * y

s2sgrad.show(f, stage="ssa")
s2sgrad.show(f, stage="reverse", argnums=(0, 1))
print(s2sgrad.source(s2sgrad.value_and_grad(f, argnums=(0, 1))))
