"""Loading models saved before the package was named `actlab`.

Until December 2026 the import package was called `lib`, so `.keras` files written then name
the layers and functions `lib>Rational`, `lib>safe_elu`, ... Every registered object of
`actlab.activations` and `actlab.layers` is therefore also known under its old name: such a file
loads with `safe_mode=True` and predicts the same, and saving it again writes `actlab>Name`.

A class whose arguments changed meaning since then defines the classmethod
``upgrade_legacy_config(config) -> config`` (`LEGACY_CONFIG_HOOK`): its old name then resolves
to a `LegacyName`, whose `from_config` passes the old config through that hook before building
the class itself. (A config saved under ``actlab>Name`` is taken as it is.)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import keras

PACKAGE = "actlab"
LEGACY_PACKAGE = "lib"
#: The classmethod that converts a config saved under the old name ``lib>Name``.
LEGACY_CONFIG_HOOK = "upgrade_legacy_config"


class LegacyName:
    """What ``lib>Name`` resolves to for a class with an `upgrade_legacy_config` hook.

    Keras's deserialization calls ``from_config`` on what a registered name resolves to; this
    one converts the config with the hook and returns an instance of the class itself, so the
    layer is the ordinary one (and saves as ``actlab>Name``).
    """

    def __init__(self, cls: type):
        self.cls = cls

    def from_config(self, config: dict[str, Any]):
        upgrade = getattr(self.cls, LEGACY_CONFIG_HOOK)
        return self.cls.from_config(upgrade(dict(config)))

    def __repr__(self) -> str:
        return f"LegacyName({self.cls.__module__}.{self.cls.__qualname__})"


def register_legacy_names(objects: Iterable[object]) -> None:
    """Register each object registered as ``actlab>Name`` under ``lib>Name`` as well (for
    loading only: it keeps serializing as ``actlab>Name``); a class with an
    `upgrade_legacy_config` classmethod through a `LegacyName`."""
    custom = keras.saving.get_custom_objects()
    for obj in objects:
        if not (callable(obj) and hasattr(obj, "__name__")):  # constants, tuples of names
            continue
        name = keras.saving.get_registered_name(obj)
        package, sep, short = name.partition(">")
        if sep and package == PACKAGE:
            legacy = LegacyName(obj) if hasattr(obj, LEGACY_CONFIG_HOOK) else obj
            custom.setdefault(f"{LEGACY_PACKAGE}>{short}", legacy)
