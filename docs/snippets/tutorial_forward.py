"""Tutorial, step 4: forward mode with jvp, and reverse mode with vjp."""
import math
import s2sgrad

def f(x1, x2, x3):
    y1 = x1 * (x2 - x3)
    y2 = x3 * math.log(1 - x1)
    return y1, y2

# jvp: the outputs, and their derivative along the direction (1, 0, 0): one forward sweep
s2sgrad.jvp(f, (0.3, 1.2, 2.1), (1.0, 0.0, 0.0))
s2sgrad.show(f, stage="forward", argnums=(0, 1, 2))
# vjp: one forward sweep now, then one reverse sweep per call of the pullback
out, pullback = s2sgrad.vjp(f, 0.3, 1.2, 2.1)
out
pullback(1.0, 0.0)
pullback(0.0, 1.0)
s2sgrad.show(f, stage="optimized", argnums=(0, 1, 2))
