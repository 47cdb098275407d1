"""Functions the transpile tests write out (s2sgrad reads their source from this file)."""

import math

import numpy as np


def mlp_loss(params, x, y):
    h = np.tanh(x @ params["W1"] + params["b1"])
    out = h @ params["W2"] + params["b2"]
    return np.mean((out - y) ** 2)


def layers_loss(layers, x):
    for i in range(len(layers[0])):
        x = np.tanh(x * layers[0][i] + layers[1][i])
    return np.sum(x * x)


def weighted(x, w):
    return np.sum(x * w)


def euler(x, k_1, rate=0.5):
    for j in range(k_1 + 1):
        x = x + math.sin(x) * rate
    return x * x


def annotated(x: np.ndarray, scale: float, n: int):
    total = 0.0
    for i in range(n):
        total = total + scale * np.sum(np.sin(x) * i)
    return total


def ordered(p):
    v = list(p.values())
    return v[0] * 2.0 + v[1]


def beside(p, p_a):
    return p["a"] * 2.0 + p_a * 3.0 + p["a"] * p_a


def activated(x, act=np.tanh):
    return act(x) * 2.0


def configured(x, cfg=(np.tanh, 2.0)):
    return cfg[0](x) * cfg[1]


def keyword_only(x, *, k=2):
    return x * k
