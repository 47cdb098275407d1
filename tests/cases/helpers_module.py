import math


def softplus(x):
    return math.log1p(math.exp(x))
