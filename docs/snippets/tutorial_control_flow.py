"""Tutorial, step 2: loops and branches."""
import s2sgrad

def power_sum(x, n):
    total = 0.0
    term = 1.0
    for k in range(n):
        term = term * x
        if term > 10.0:
            break
        total = total + term
    return total

dsum = s2sgrad.grad(power_sum)
dsum(1.5, 8)
print(s2sgrad.source(dsum))
s2sgrad.numerical_grad(power_sum, 1.5, 8)
