"""A corpus of scalar Python programs, each with a point away from kinks and branch edges.

`CASES` lists (function, arguments, argnums). Every category the compiler lowers has several
members: assignment, every operator, comparisons, and/or/not, conditional expressions,
if/elif/else, for over range and over tuples and lists, while, break, continue, early and
multiple returns, tuple packing and unpacking, and calls to math and to the builtins.
"""
# flake8: noqa: E731
import math
import math as m
from math import exp, sin

SCALE = 0.5
CASES = []


def case(*args, argnums=None):
    def register(fn):
        floats = tuple(i for i, a in enumerate(args) if isinstance(a, float))
        CASES.append((fn, args, floats if argnums is None else argnums))
        return fn
    return register


# -- assignment and operators ---------------------------------------------------------------
@case(0.7, -1.3)
def add_sub(x, y): return x + y - 2.0 * x


@case(0.7, -1.3)
def mul_div(x, y): return x * y / (1.0 + x * x)


@case(1.3, 0.7)
def power_var(x, y): return x ** y


@case(1.3)
def power_const(x): return x ** 3 - x ** -1 + x ** 0.5


@case(5.3, 1.7)
def floor_mod(x, y): return x % y + (x // y) * y


@case(0.4)
def unary(x): return -x + (+x) * -(-x)


@case(0.9)
def reassign(x):
    y = x * 2.0
    y = y + x
    y = y * y
    return y


@case(0.6)
def augmented(x):
    y = x
    y += 1.0
    y -= 0.25
    y *= x
    y /= 3.0
    y **= 2
    return y


@case(0.6, 1.4)
def several_names(a, b):
    c = a * b
    d = c + a
    e = d * c - b
    return e / d


@case(0.3)
def module_constant(x): return SCALE * x * x


@case(0.3)
def alias_import(x): return m.cos(x) + sin(x) * exp(x)


# -- comparisons and boolean logic ----------------------------------------------------------
@case(0.5, 2.0)
def chained_compare(x, y):
    if 0.0 < x < y:
        return x * y
    return x + y


@case(2.5, 2.0)
def chained_compare_false(x, y):
    if 0.0 < x < y:
        return x * y
    return x + y


@case(0.5, 1.5)
def and_condition(x, y):
    if x > 0 and y > 1:
        return x * y * y
    return x


@case(-0.5, 1.5)
def or_condition(x, y):
    if x > 0 or y > 1:
        return x * y * y
    return x


@case(0.5, 1.5)
def not_condition(x, y):
    if not x > y:
        return math.sin(x * y)
    return y


@case(0.5, 1.5)
def and_value(x, y):
    z = x and y
    return z * x


@case(0.0, 1.5, argnums=(1,))
def and_value_falsy(x, y):
    z = x and y
    return z * y + y


@case(0.0, 1.5, argnums=(1,))
def or_value(x, y):
    z = x or y
    return z * z


@case(0.7, 1.5)
def or_value_truthy(x, y):
    z = x or y
    return z * y


@case(0.7, 1.5)
def conditional_expression(x, y): return (x * y if x < y else x + y) * 2.0


@case(1.7, 1.5)
def conditional_expression_else(x, y): return (x * y if x < y else x - y) ** 2


@case(0.7, 1.5)
def nested_conditional(x, y): return x if x > y else (y * y if y > 1 else -y)


# -- if / elif / else -------------------------------------------------------------------------
@case(0.4)
def if_elif_else_low(x):
    if x < 0.5:
        y = x * x
    elif x < 1.0:
        y = math.sqrt(x)
    else:
        y = math.log(x)
    return y * 3.0


@case(0.8)
def if_elif_else_mid(x):
    if x < 0.5:
        y = x * x
    elif x < 1.0:
        y = math.sqrt(x)
    else:
        y = math.log(x)
    return y * 3.0


@case(2.5)
def if_elif_else_high(x):
    if x < 0.5:
        y = x * x
    elif x < 1.0:
        y = math.sqrt(x)
    else:
        y = math.log(x)
    return y * 3.0


@case(0.7, -0.4)
def nested_if(x, y):
    if x > 0:
        if y > 0:
            z = x * y
        else:
            z = x - y
    else:
        z = y
    return z * z


@case(0.7)
def assigned_on_some_paths(x):
    if x > 0.5:
        w = x * 3.0
    if x > 0.5:
        return w * x
    return x


@case(0.7)
def if_without_else(x):
    y = x
    if x > 0.5:
        y = y * y
    return y + x


# -- for loops --------------------------------------------------------------------------------
@case(0.7)
def for_range_one_arg(x):
    s = 0.0
    for i in range(5):
        s = s + x ** 2 * i
    return s


@case(0.7)
def for_range_two_args(x):
    s = x
    for i in range(2, 6):
        s = s * x + i
    return s


@case(0.7)
def for_range_negative_step(x):
    s = 1.0
    for i in range(10, 0, -3):
        s = s * x + 0.1 * i
    return s


@case(1.7, 4)
def for_range_int_argument(x, n):
    s = 0.0
    for i in range(n):
        s = s + math.sin(x * i)
    return s


@case(2.7)
def for_range_computed_bound(x):
    n = int(x) + 3
    s = 0.0
    for i in range(1, n):
        s = s + x / i
    return s


@case(0.7, 1.2)
def for_over_tuple(a, b):
    s = 0.0
    for w in (a, b, a * b):
        s = s + w * w
    return s


@case(0.7)
def for_over_list(x):
    acc = 0.0
    for c in [1.0, -2.0, 0.5, 3.0]:
        acc = acc * x + c
    return acc


@case(0.3, 0.8)
def nested_loops(x, y):
    s = 0.0
    for i in range(3):
        for j in range(4):
            s = s + x * i + y * j * s * 0.1
    return s


@case(0.3)
def loop_index_after_loop(x):
    for i in range(4):
        x = x * 1.5
    return x * i


@case(0.9, 0.4)
def loop_with_if(x, y):
    s = 0.0
    for i in range(6):
        if i % 2 == 0:
            s = s + x * i
        else:
            s = s - y * s
    return s


@case(0.9, 0.4)
def loop_tuple_state(x, y):
    a, b = x, y
    for i in range(5):
        a, b = b, a + b * 0.5
    return a * b


@case(1.3)
def loop_unused(x):
    k = 0
    for i in range(3):
        k = k + i
    return x * k


# -- while ------------------------------------------------------------------------------------
@case(0.7, 0.3)
def while_value_condition(x, y):
    while x < 10.0:
        x = x * 1.5 + y
    return x


@case(0.7)
def while_counter(x):
    k = 0
    s = x
    while k < 5:
        s = s * s * 0.5 + x
        k += 1
    return s


@case(0.2, 0.5)
def while_and_condition(x, y):
    k = 0
    while x < 5.0 and k < 20:
        x = x + y * math.cos(x)
        k = k + 1
    return x


@case(0.3)
def while_never_runs(x):
    while x > 10.0:
        x = x * 0.5
    return x * 2.0


# -- break, continue, return ---------------------------------------------------------------------
@case(0.7, 1.1)
def break_in_for(x, y):
    s = x
    for i in range(10):
        s = s * y + math.cos(s)
        if s > 3.0:
            break
    return s


@case(0.7)
def continue_in_for(x):
    s = 0.0
    for i in range(6):
        if i % 3 == 0:
            continue
        s = s + math.sin(x * i)
    return s


@case(0.4)
def continue_in_while(x):
    k = 0
    s = 0.0
    while k < 6:
        k += 1
        if k % 2 == 0:
            continue
        s += math.sin(x * k)
    return s


@case(0.9, 1.1)
def break_in_while(x, y):
    while True:
        x = x * y + 0.3
        if x > 4.0:
            break
    return x


@case(0.7, 1.3)
def break_in_nested_loop(x, y):
    s = 0.0
    for i in range(4):
        for j in range(5):
            if s > 3.0 + i:
                break
            s = s + x * y * (j + 1) * 0.1
        s = s * 1.1
    return s


@case(0.9)
def return_in_loop(x):
    for i in range(10):
        x = x * 1.3
        if x > 2.0:
            return x * i
    return -x


@case(2.9)
def return_in_nested_loop(x):
    for i in range(3):
        for j in range(3):
            if x * (i + j) > 4.0:
                return x * i - j
            x = x * 1.2
    return -x


@case(0.9)
def return_in_nested_loop_late(x):
    for i in range(3):
        for j in range(3):
            if x * (i + j) > 40.0:
                return x * i - j
            x = x * 1.2
    return -x


@case(-1.0, 2.0)
def early_return_negative(x, y):
    if x > 0:
        return x * y
    z = x + y
    return z * z


@case(1.0, 2.0)
def early_return_positive(x, y):
    if x > 0:
        return x * y
    z = x + y
    return z * z


@case(0.5)
def multiple_returns(x):
    if x < 0.2:
        return x
    if x < 0.4:
        return x * x
    if x < 0.6:
        return x * x * x
    return 1.0


@case(0.7, 0.2)
def return_inside_while(x, y):
    while x < 100.0:
        x = x * 2.0 + y
        if x > 3.0:
            return math.log(x)
    return x


# -- tuples ---------------------------------------------------------------------------------------
@case(0.7, 1.9)
def swap(a, b):
    a, b = b, a
    return a * 2.0 + b


@case(0.7, 1.9, 0.3)
def nested_unpack(x, y, z):
    (a, b), c = (x, y), z
    return a * b + c * a


@case(0.7, 1.9)
def tuple_index(x, y):
    t = (x, y, x * y)
    return t[0] * t[2] - t[-1]


@case(0.7, 1.9)
def returns_tuple(x, y): return x * y, x + y


@case(0.7, 1.9)
def helper_pair(x, y):
    p, q = returns_tuple(x, y)
    return p * q


# -- math functions -------------------------------------------------------------------------------
@case(0.4)
def trig(x): return math.sin(x) * math.cos(x) + math.tan(x)


@case(0.4)
def inverse_trig(x): return math.asin(x) + math.acos(x * 0.5) + math.atan(x)


@case(0.4, -1.3)
def atan2_case(y, x): return math.atan2(y, x)


@case(0.4)
def hyperbolic(x): return math.sinh(x) + math.cosh(x) * math.tanh(x)


@case(0.4)
def exps(x): return math.exp(x) + math.expm1(x)


@case(2.4)
def logs(x): return math.log(x) + math.log1p(x) + math.log2(x) + math.log10(x)


@case(2.4, 3.0)
def log_base(x, b): return math.log(x, b)


@case(2.4)
def roots(x): return math.sqrt(x) + math.hypot(x, 1.5)


@case(1.4, 2.2)
def math_pow(x, y): return math.pow(x, y)


@case(0.4)
def error_functions(x): return math.erf(x) + math.erfc(x * 2.0)


@case(-0.4)
def fabs_case(x): return math.fabs(x) * x


# -- builtins -------------------------------------------------------------------------------------
@case(-0.4)
def abs_case(x): return abs(x) * x + abs(x * 3.0)


@case(0.4, 0.9)
def min_two(x, y): return min(x, y) * y


@case(0.4, 0.9, 0.2)
def min_three(x, y, z): return min(x, y, z) + max(x, y, z) * 2.0


@case(0.4, 0.9)
def max_two(x, y): return max(x * x, y) + max(y, x)


@case(1.4, 2.0)
def builtin_pow(x, y): return pow(x, y) + pow(x, 2)


@case(1.43)
def float_int(x): return float(x) * int(x * 10) / 10.0


@case(3.7)
def int_in_control(x):
    n = int(x)
    s = 0.0
    for i in range(n):
        s = s + x
    return s


# -- realistic programs ---------------------------------------------------------------------------
@case(2.0)
def newton_sqrt(a):
    x = a
    for i in range(6):
        x = 0.5 * (x + a / x)
    return x


@case(0.7)
def horner(x):
    acc = 0.0
    for c in (3.0, -1.0, 2.0, 0.5):
        acc = acc * x + c
    return acc


@case(0.3, -1.2, 0.7)
def logistic_loss(w, b, x):
    z = w * x + b
    return math.log1p(math.exp(-z)) + 0.5 * w * w


@case(0.3, 1.4)
def softplus(x, beta):
    return math.log1p(math.exp(beta * x)) / beta


@case(1.5, 0.2)
def euler_ode(k, x0):
    x = x0
    dt = 0.05
    for i in range(20):
        x = x + dt * (-k * x + math.sin(x))
    return x


@case(1.5, 0.2)
def rk4_step_loop(k, y0):
    y = y0
    h = 0.1
    for i in range(5):
        k1 = -k * y
        k2 = -k * (y + 0.5 * h * k1)
        k3 = -k * (y + 0.5 * h * k2)
        k4 = -k * (y + h * k3)
        y = y + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
    return y


@case(1000.0, 0.05)
def compound_interest(p, r):
    for year in range(10):
        p = p * (1.0 + r)
    return p


@case(0.7)
def piecewise(x):
    if x < -1.0:
        return -x - 0.5
    elif x < 1.0:
        return 0.5 * x * x
    return x - 0.5


@case(0.5, 0.3)
def tiny_network(w, b):
    h = math.tanh(w * 0.8 + b)
    out = 1.0 / (1.0 + math.exp(-(w * h - b)))
    return (out - 0.25) ** 2


@case(0.7, 1.2)
def bisection_like(lo, hi):
    for i in range(8):
        mid = 0.5 * (lo + hi)
        if mid * mid > 1.0:
            hi = mid
        else:
            lo = mid
    return lo * hi


@case(0.4, 1.3)
def gradient_descent_unrolled(x, lr):
    for i in range(5):
        x = x - lr * 2.0 * (x - 1.0)
    return x * x


# -- found by the fuzz tests (tests/test_fuzz.py), reduced --------------------------------------
@case(1.1, -1.8, 1)
def return_in_int_branch(a, b, n):
    # the reverse branch's result `u2` (adjoint of b in b * u2) was not exported from the
    # forward branch: IRError
    if n == 0:
        return a
    return b * (a + 1.0)


@case(0.3, 0.7)
def param_named_like_adjoint(x, bx):
    # vjp: the pullback assigned `bx` (x's adjoint) and so could not read the forward `bx`
    bx = bx * x
    return bx


@case(0.7, 1.3)
def underscore_variable(x, y):
    # the reverse loop's unused index was written `_`, overwriting the user's `_`
    _ = x * x
    a = _ * y
    for i in range(3):
        a = a * 2.0 + y
    return a


@case(0.3, 0.7)
def shared_negated_adjoint(a, b):
    # (-g) + c folded to c - g in place although b's adjoint was the same value
    s = a + 1.0
    w = a + b
    return s - w


@case(0.3, 0.7, 0.1)
def negated_double(a, b, c):
    c = -(a + a)
    return c


@case(0.3, 1.7)
def swap_in_nested_branch(x, y):
    # the nested branch's new x took the loop's name `x` before `y = x` read the old one
    for i in range(2):
        if x < 5.0:
            if y > 0.0:
                x, y = y * y, x
    return x * 10.0 + y


@case(0.7, 1.3, 3)
def name_first_assigned_in_loop(a, b, n):
    # `t` is undefined before the first loop: its kind was unknown, so `b += t` was
    # rejected as a possible in-place array update
    if 1.0 < n:
        for i in range(0, 4, 2):
            t = a
        for i in range(3):
            b += t
    else:
        a, b = b, a
    return a * b


@case(0.62, -0.14)
def tuple_loop_return_or_break(x, y):
    # unrolled `for` over a tuple: after an iteration that may return and may break, only
    # the return flag guarded the next iteration, so it ran after the break
    for w in (-1.34, y):
        if y >= 0.8:
            return y
        w *= w
        break
    return w * x


@case(0.7, 0.3)
def chained_assignment(a, b):
    # `acc = w = v`: the second name read the temporary the first had renamed: IRError
    acc = w = a * b
    if a > b:
        s = t = a + b
    else:
        s = t = a - b
    return acc + w * s * t


def _copy_then_double(a, b, c):
    s = c
    return c + s


@case(0.3, 0.5, 0.7)
def call_result_as_argument(x, y, z):
    # the callee's `s = c` renamed the temporary its parameter c was bound to (the inner
    # call's result), so `c + s` read an undefined value: IRError
    return _copy_then_double(-0.5, 2.0, _copy_then_double(1.5, x, y)) * z
