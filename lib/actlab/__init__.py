"""actlab: custom activation functions for Keras 3, tested, with reproducible notebooks.

Submodules: `activations` (pure functions of `keras.ops`), `layers` (serializable Keras layers),
`callbacks`, `models`, `data` (MNIST with provenance), `plotting`, `outputs` (where generated
files go), `runtime` (seeding, parameter checks, results.json), `runner` (headless notebook
execution), `experiments` (per-notebook logic).
"""

__version__ = "0.1.0"
