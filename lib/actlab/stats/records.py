"""What `actlab.stats` computes, as frozen records: `Comparison` (`compare_paired`,
`compare_records`), `Decision` (`decide_paired`, and after Holm `holm_verdicts`) and `Tost`
(`tost`). Each has ``to_dict()`` for JSON; during the move from string-keyed dicts a record
also reads as a read-only mapping (``r["n"]``, ``{**r}``), new code reads attributes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

__all__ = ["Comparison", "Decision", "Tost"]


class _Record(Mapping):
    """A frozen dataclass that also reads as a mapping of its fields; the fields named in
    ``_EXTRAS`` are left out while they are None (they exist only for some records)."""

    _EXTRAS: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dict (extras only when set)."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if not (f.name in self._EXTRAS and getattr(self, f.name) is None)
        }

    def __getitem__(self, key: str) -> Any:
        if not isinstance(key, str) or key not in self.to_dict():
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(self.to_dict())

    def __len__(self) -> int:
        return len(self.to_dict())


@dataclass(frozen=True, eq=False)
class Comparison(_Record):
    """A paired comparison: ``n`` seeds, ``mean_diff`` (mean of a − b) with its interval
    ``ci_low``..``ci_high`` at ``confidence`` (NaN with one seed), ``verdict``, ``sd_diff``
    (sample SD of the differences), the non-inferiority ``margin`` (None: a difference),
    ``decided`` (the verdict is not open), ``seeds_needed`` (for 80 % power at the observed
    difference) and, from `compare_records`, the variants ``a``, ``b`` and their ``seeds``."""

    n: int
    mean_diff: float
    ci_low: float
    ci_high: float
    verdict: str
    sd_diff: float
    margin: float | None
    confidence: float
    decided: bool
    seeds_needed: float
    a: str | None = None
    b: str | None = None
    seeds: list | None = field(default=None)

    _EXTRAS = ("a", "b", "seeds")


@dataclass(frozen=True, eq=False)
class Decision(_Record):
    """One declared question's answer (`decide_paired`): the fields of `Comparison` for the
    two-sided (1 − ``alpha``) interval, plus ``question``, ``alpha`` and ``p``; after Holm
    (`holm_verdicts`) also ``p_holm``, ``verdict_holm`` and ``decided_holm``."""

    n: int
    mean_diff: float
    ci_low: float
    ci_high: float
    verdict: str
    sd_diff: float
    margin: float | None
    confidence: float
    decided: bool
    seeds_needed: float
    question: str
    alpha: float
    p: float
    p_holm: float | None = None
    verdict_holm: str | None = None
    decided_holm: bool | None = None

    _EXTRAS = ("p_holm", "verdict_holm", "decided_holm")


@dataclass(frozen=True, eq=False)
class Tost(_Record):
    """Schuirmann's two one-sided tests (`tost`): ``p_lower``, ``p_upper``, ``p`` (the larger),
    the (1 − 2·alpha) interval, ``margin``, ``alpha`` and ``equivalent``."""

    n: int
    mean_diff: float
    sd_diff: float
    p_lower: float
    p_upper: float
    p: float
    ci_low: float
    ci_high: float
    margin: float
    alpha: float
    equivalent: bool
