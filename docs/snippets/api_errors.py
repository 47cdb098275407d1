"""api.md: the errors s2sgrad raises."""
import math
import scipy.special
import s2sgrad

def f(x, n):
    return x ** n

# raises InputTypeError: differentiating with respect to an int
s2sgrad.grad(f)(2, 3)
def pair(x):
    return x, 2 * x

# raises NonScalarOutputError: grad needs a scalar output
s2sgrad.grad(pair)(1.0)
def logged(x):
    with open("log.txt") as log:
        return x

# raises UnsupportedSyntaxError, when grad is applied
s2sgrad.grad(logged)
def erfcx(x):
    return scipy.special.erfcx(x)

# raises MissingRuleError: no derivative rule for scipy.special.erfcx
s2sgrad.grad(erfcx)(1.0)
# raises SourceUnavailableError: a function with no source file
s2sgrad.grad(eval("lambda x: x * x"))
