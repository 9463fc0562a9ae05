"""What a checkup returns: one `CheckResult` per check, gathered in an `ActivationReport`.

No Keras here: the command line formats reports and the collection reads them without loading
a backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from actlab._util import to_jsonable

__all__ = ["CHECKS", "STATUSES", "CheckResult", "ActivationReport"]

CHECKS = (
    "forward_finite",
    "gradient_finite",
    "gradient_correct",
    "kinks",
    "gradient_alive",
    "weight_gradients",
    "compiles",
    "traced_state",
    "float16",
    "bfloat16",
    "serializes",
    "training",
    "cost",
)
STATUSES = ("pass", "warn", "fail", "skip")


@dataclass
class CheckResult:
    """One check's outcome: `status` in `STATUSES`, a one-sentence `detail`, the `evidence`."""

    name: str
    status: str
    detail: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "detail": self.detail,
            "evidence": to_jsonable(self.evidence),
        }


@dataclass
class ActivationReport:
    """Every check's result for one target; `ok` is False iff any check failed."""

    target: str
    backend: str
    checks: list[CheckResult]
    seconds: float = 0.0
    seed: int = 0  # of the probes' random points, the row direction, the networks

    @property
    def ok(self) -> bool:
        return not any(c.status == "fail" for c in self.checks)

    def names(self, status: str) -> list[str]:
        return [c.name for c in self.checks if c.status == status]

    def __getitem__(self, name: str) -> CheckResult:
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(name)

    def statuses(self) -> dict[str, str]:
        return {c.name: c.status for c in self.checks}

    def to_dict(self) -> dict[str, Any]:
        """JSON-serializable; the same keys on every backend so runs can be compared."""
        return {
            "target": self.target,
            "ok": self.ok,
            "backend": self.backend,
            "seed": self.seed,
            "seconds": round(self.seconds, 2),
            "checks": [c.to_dict() for c in self.checks],
        }

    def verdict(self) -> str:
        failed, warned, skipped = self.names("fail"), self.names("warn"), self.names("skip")
        head = "OK" if self.ok else "FAIL"
        parts = [
            f"{len(failed)} of {len(self.checks)} checks failed"
            + (f" ({', '.join(failed)})" if failed else "")
        ]
        if warned:
            parts.append(f"{len(warned)} warned ({', '.join(warned)})")
        if skipped:
            parts.append(f"{len(skipped)} skipped")
        return (
            f"{head}: {self.target}: "
            + "; ".join(parts)
            + f" [{self.seconds:.1f} s, seed {self.seed}]"
        )

    def format(self, statuses: Sequence[str] = STATUSES) -> str:
        rows = [
            f"{c.status.upper() if c.status in ('fail', 'warn') else c.status:<5} "
            f"{c.name:<17} {c.detail}"
            for c in self.checks
            if c.status in statuses
        ]
        return "\n".join([*rows, self.verdict()])

    def __str__(self) -> str:
        return self.format()
