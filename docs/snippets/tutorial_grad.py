"""Tutorial, step 1: grad, argnums, value_and_grad."""
import math
import s2sgrad

def f(x1, x2, x3):
    return x1 * (x2 - x3) + x3 * math.log(1 - x1)

df = s2sgrad.grad(f)
df(0.3, 1.2, 2.1)
print(s2sgrad.source(df))
# all three partial derivatives, and the value with them
s2sgrad.grad(f, argnums=(0, 1, 2))(0.3, 1.2, 2.1)
s2sgrad.value_and_grad(f, argnums=(0, 1, 2))(0.3, 1.2, 2.1)
