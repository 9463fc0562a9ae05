"""What the checks of one target share: the target, its probe, its float32 values and slopes on
the range grid, and what one check computes for the next (finite differences, kinks, the
compiled function)."""

from __future__ import annotations

from typing import Any

import numpy as np

from actlab.checkup.probe import Probe, range_grid, shape_grid
from actlab.checkup.targets import Target


class Context:
    """One target under check. Each check is a function ``check(ctx) -> CheckResult``."""

    def __init__(self, target: Target, allow_surrogate_gradient: bool, seed: int):
        self.t = target
        self.allow_surrogate = allow_surrogate_gradient
        self.seed = seed
        self.probe = Probe(target, seed)
        self.grid, self.beyond = range_grid()
        self.f32 = self.probe.evaluate(
            target.fn, np.concatenate([self.grid, self.beyond]), "float32"
        )
        self.kinks: list[dict] | None = None  # gradients.find_kinks, once
        self.fd: dict[str, Any] | None = None
        self.compiled = None
        self.reload = None  # saving.Reload: the saved model, reloading meanwhile

    def x(self, t: float, offset: bool = False) -> str:
        """How a person reads probe point `t` (``x = ...`` or ``row x = base + t·v``)."""
        return self.probe.describe(t, offset)

    def shape_points(self) -> np.ndarray:
        return shape_grid()[::5]
