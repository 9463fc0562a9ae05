"""Loading models saved before the package was named `actlab`.

Until December 2026 the import package was called `lib`, so `.keras` files written then name
the layers and functions `lib>Rational`, `lib>safe_elu`, ... Every registered object of
`actlab.activations` and `actlab.layers` is therefore also known under its old name: such a file
loads with `safe_mode=True` and predicts the same, and saving it again writes `actlab>Name`.
"""

from __future__ import annotations

from collections.abc import Iterable

import keras

PACKAGE = "actlab"
LEGACY_PACKAGE = "lib"


def register_legacy_names(objects: Iterable[object]) -> None:
    """Register each object registered as ``actlab>Name`` under ``lib>Name`` as well (for
    loading only: it keeps serializing as ``actlab>Name``)."""
    custom = keras.saving.get_custom_objects()
    for obj in objects:
        if not (callable(obj) and hasattr(obj, "__name__")):  # constants, tuples of names
            continue
        name = keras.saving.get_registered_name(obj)
        package, sep, short = name.partition(">")
        if sep and package == PACKAGE:
            custom.setdefault(f"{LEGACY_PACKAGE}>{short}", obj)
