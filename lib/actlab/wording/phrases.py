"""The phrases only `actlab.wording` writes: a test fails when a string literal elsewhere in
`lib/` or `tools/` contains one, so a verdict sentence cannot be rebuilt outside this package."""

from __future__ import annotations

__all__ = ["PHRASES"]

#: How a comparison with a non-finite seed's score begins its verdict.
NOT_COMPARABLE = "not comparable"
AFTER_HOLM = "after Holm"
HOLM_FAMILY = "Holm among themselves"
POWER = "80 % power"
WOULD_DECIDE = "would decide"
NEW_TRIAL = "a new trial"
STAYS_OPEN = "stays open"
NO_FINITE_SCORE = "no finite score"
DESCRIBED = "described, not tested"
SEEDS_GIVE = "paired seeds give"
SINGLE_SEED_TEXT = "a single seed, no interval"

#: Every phrase above.
PHRASES = (
    NOT_COMPARABLE,
    AFTER_HOLM,
    HOLM_FAMILY,
    POWER,
    WOULD_DECIDE,
    NEW_TRIAL,
    STAYS_OPEN,
    NO_FINITE_SCORE,
    DESCRIBED,
    SEEDS_GIVE,
    SINGLE_SEED_TEXT,
)

#: What a data split's description adds when its test block is held out for every seed.
HELD_OUT_TEST = (
    " (the test block held out: the same images for every seed, never trained or tuned on)"
)
