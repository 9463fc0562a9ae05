"""Activation functions as plain `keras.ops` functions (usable in `keras.layers.Activation`).

One module per topic; each defines `__all__`, re-exported here. The registered ones load from
models saved before the rename under their old names ``lib>name`` too (`actlab._saving`).
"""

from actlab._saving import register_legacy_names as _register_legacy_names

from . import antirectifier as _antirectifier
from . import elu as _elu
from . import polynomial as _polynomial
from . import rational as _rational
from . import softexp as _softexp
from . import truncation as _truncation
from .antirectifier import *
from .elu import *
from .polynomial import *
from .rational import *
from .softexp import *
from .truncation import *

# no __all__: the API reference then lists the topic modules too
_PUBLIC = [
    name
    for module in (_antirectifier, _elu, _polynomial, _rational, _softexp, _truncation)
    for name in module.__all__
]
_register_legacy_names(globals()[name] for name in _PUBLIC)
