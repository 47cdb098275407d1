"""api.md: grad and value_and_grad."""
import math
import s2sgrad

@s2sgrad.grad
def dsquare(x):
    return x * x

dsquare(3.0)
def loss(w, b, x):
    pred = math.tanh(w * x + b)
    return (pred - 0.5) ** 2, pred

# has_aux: f returns (output, aux); the gradient comes back with aux
s2sgrad.grad(loss, argnums=(0, 1), has_aux=True)(0.3, 0.1, 2.0)
s2sgrad.value_and_grad(loss, argnums=1, has_aux=True)(0.3, 0.1, 2.0)
