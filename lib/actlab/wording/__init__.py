"""Every sentence, verdict word, table cell and number format the collection shows.

`actlab.stats` and `actlab.trials` compute (numbers and records); this package turns their
records into words, so that the CLI, the notebooks' findings, the reports and the README table
say the same thing in the same way. It imports `actlab.stats` and `actlab._util` only.

- `numbers`: numbers with a typographic minus, mean ± std, ratios, a record's number;
- `comparisons`: one paired comparison as a verdict, a sentence, a card, a record;
- `designs`: what a declared question needs (seeds for 80 % power) and whether a run has it;
- `confirmatory`: a confirmatory trial's readings, rounding interaction and sizing;
- `trials`: a trial's table, summary, learning-rate choices, verdicts and open questions;
- `findings`: the notebooks' findings from their question records;
- `rational`: notebook 08's findings, cost, approximation and drift texts;
- `readme`: the README's findings table from the reference run;
- `robustness`: a run's headline verdicts against the same run with another float rounding;
- `suite`: the task suite's positive controls.
"""

from actlab.wording import (
    comparisons,
    confirmatory,
    designs,
    findings,
    numbers,
    rational,
    readme,
    robustness,
    suite,
    trials,
)
from actlab.wording.comparisons import *  # noqa: F403
from actlab.wording.confirmatory import *  # noqa: F403
from actlab.wording.designs import *  # noqa: F403
from actlab.wording.findings import *  # noqa: F403
from actlab.wording.numbers import *  # noqa: F403
from actlab.wording.rational import *  # noqa: F403
from actlab.wording.readme import *  # noqa: F403
from actlab.wording.robustness import *  # noqa: F403
from actlab.wording.suite import *  # noqa: F403
from actlab.wording.trials import *  # noqa: F403

__all__ = [
    name
    for module in (
        numbers,
        comparisons,
        confirmatory,
        designs,
        trials,
        findings,
        rational,
        readme,
        robustness,
        suite,
    )
    for name in module.__all__
]
