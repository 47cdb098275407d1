"""The 30-second example of README.md and docs/index.md."""
import math
import s2sgrad

def loss(w, x=1.5, y=0.2):
    return (math.tanh(w * x) - y) ** 2

dloss = s2sgrad.grad(loss)
dloss(0.3)
# the derivative is plain Python that you can read, step through and ship
print(s2sgrad.source(dloss))
# an independent check: central finite differences
s2sgrad.numerical_grad(loss, 0.3)
# the value too, and the derivatives with respect to w and x
s2sgrad.value_and_grad(loss, argnums=(0, 1))(0.3)
