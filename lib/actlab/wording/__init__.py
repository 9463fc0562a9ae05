"""Every sentence, verdict word, table cell and number format the collection shows.

`actlab.stats` and `actlab.trials` compute (numbers and records); this package turns their
records into words, so that the CLI, the notebooks' findings, the reports and the README table
say the same thing in the same way. It imports `actlab.stats` and `actlab._util` only.

- `numbers`: numbers with a typographic minus, mean ± std, ratios, a record's number;
- `comparisons`: one paired comparison as a verdict, a sentence, a card, a record;
- `designs`: what a declared question needs (seeds for 80 % power) and whether a run has it.
"""

from actlab.wording.comparisons import (
    SEEDS_QUOTE_LIMIT,
    format_comparison,
    format_ratio,
    format_short,
    seeds_clause,
    verdict_record,
    verdict_words,
)
from actlab.wording.designs import design_text
from actlab.wording.numbers import (
    MINUS,
    format_mean_std,
    format_number,
    is_number,
    number_text,
    ratio_text,
)

__all__ = [
    "MINUS",
    "SEEDS_QUOTE_LIMIT",
    "design_text",
    "format_comparison",
    "format_mean_std",
    "format_number",
    "format_ratio",
    "format_short",
    "is_number",
    "number_text",
    "ratio_text",
    "seeds_clause",
    "verdict_record",
    "verdict_words",
]
