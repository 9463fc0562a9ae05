"""actlab: custom activation functions for Keras 3, tested, with reproducible notebooks.

The core, what a project of your own imports: `activations` (pure functions of `keras.ops`),
`layers` (serializable Keras layers), `callbacks`, `diagnostics`, `autodiff`, `checkup` (is my
activation healthy?), `trials` (is it any good? `plan_trial` → `execute` → `decide`), `stats`
and `readings` (the numbers of a comparison), `wording` (every sentence made from them), `bench`,
`data` (MNIST with its provenance) and `determinism`. The machinery that runs this repository's
notebooks is `actlab.collection`, which the core never imports.
"""

__version__ = "0.1.0"
