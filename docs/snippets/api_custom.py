"""api.md: custom_vjp, custom_jvp, defvjp, defjvp, defnondiff, stop_gradient."""
import math
import scipy.special
import s2sgrad

@s2sgrad.custom_vjp
def softplus(x):
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))

softplus.defvjp(lambda g, ans, x: g / (1.0 + math.exp(-x)))
def loss(w):
    return softplus(3.0 * w)

s2sgrad.grad(loss)(0.2)
print(s2sgrad.source(s2sgrad.grad(loss)))
@s2sgrad.custom_jvp
def cube(x):
    return x * x * x

cube.defjvp(lambda t, ans, x: 3.0 * x * x * t)
s2sgrad.jvp(cube, (2.0,), (1.0,))
# a library function with no rule: register its derivative once
s2sgrad.defvjp(scipy.special.gammaln, lambda g, ans, x: g * scipy.special.digamma(x))
s2sgrad.defjvp(scipy.special.gammaln, lambda t, ans, x: t * scipy.special.digamma(x))
def log_beta(a, b):
    return scipy.special.gammaln(a) + scipy.special.gammaln(b) - scipy.special.gammaln(a + b)

s2sgrad.grad(log_beta, argnums=(0, 1))(2.0, 3.0)
# no derivative flows through these
s2sgrad.defnondiff(scipy.special.round)
def snapped(x):
    return x * scipy.special.round(x)

s2sgrad.grad(snapped)(2.4)
def f(x):
    return x * s2sgrad.stop_gradient(x)

s2sgrad.grad(f)(3.0)
