"""Tutorial, step 5: Jacobians, and how many sweeps each mode takes."""
import math
import s2sgrad
from s2sgrad.api import flat

def f(x1, x2, x3):
    y1 = x1 * (x2 - x3)
    y2 = x3 * math.log(1 - x1)
    return y1, y2

# one jvp or pullback call per sweep (fused=False), counted by flat.sweeps
flat.sweeps.clear()
s2sgrad.jacfwd(f, argnums=(0, 1, 2), fused=False)(0.3, 1.2, 2.1)
dict(flat.sweeps)
flat.sweeps.clear()
s2sgrad.jacrev(f, argnums=(0, 1, 2), fused=False)(0.3, 1.2, 2.1)
dict(flat.sweeps)
# by default, float Jacobians are one generated program holding every sweep
jac = s2sgrad.jacrev(f, argnums=(0, 1, 2))
print(s2sgrad.source(jac))
# mode="auto" picks forward mode when there are fewer inputs than outputs
s2sgrad.jacobian(f, argnums=(0, 1, 2), mode="auto")(0.3, 1.2, 2.1)
