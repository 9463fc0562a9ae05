"""NaN diagnosis: find the first training step where something becomes non-finite, and where.

`NaNDiagnosis` is a Keras callback that works with the default, graph-mode ``model.fit``:

1. before every step it keeps a host copy of the model's weights (cheap for MLP-sized models);
2. after every step it checks, on the host, the logged loss and every weight;
3. at the first step where either is non-finite it stops training (``model.stop_training``),
   then re-runs that step's batch *eagerly* on the saved pre-step weights, layer by layer, and
   looks for the first non-finite tensor in computation order: the weights before the step,
   the input, each layer's pre-activation and activation (forward), the loss, the gradients
   with respect to each layer's activation and pre-activation and its weights (backward, from
   the output to the input), and finally the updated weights;
4. it puts the model's weights back as training left them and stores a `NaNReport`
   (``callback.report``, a dataclass; ``report.as_dict()`` for results.json).

To re-run the failing batch the callback needs the batch: give it ``batch_fn(epoch, batch) ->
(x, y)``, or the arrays with `NaNDiagnosis.for_arrays` (valid when ``fit`` does not shuffle).
`diagnose_fit` does the bookkeeping for you: it shuffles each epoch itself (seeded, like
``fit(shuffle=True)``), calls ``model.fit`` one epoch at a time, and returns the report.

The package: `actlab.diagnostics.callback` (the callback, its report, `diagnose_fit`) and
`actlab.diagnostics.locate` (the eager re-run that finds the first non-finite tensor).

Layer-level localisation needs a model whose layers form a chain (`keras.Sequential`, or a
functional model whose layers each consume the previous one's output); for other models the
report still has the step and the loss/weight/gradient of the first non-finite variable.
"""

from actlab.activations.elu import EXP_OVERFLOW_FLOAT32 as EXP_OVERFLOW_FLOAT32
from actlab.diagnostics.callback import BatchFn as BatchFn
from actlab.diagnostics.callback import NaNDiagnosis, NaNReport, diagnose_fit
from actlab.diagnostics.locate import SPLIT_ACTIVATION_LAYERS as SPLIT_ACTIVATION_LAYERS
from actlab.diagnostics.locate import locate_nonfinite, nonfinite_fraction

__all__ = ["NaNDiagnosis", "NaNReport", "diagnose_fit", "locate_nonfinite", "nonfinite_fraction"]
