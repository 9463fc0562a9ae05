"""Serializable Keras layers (registered under the package name ``actlab``).

One module per topic; each defines `__all__`, re-exported here. Models saved before the rename,
whose files name the layers ``lib>Name``, load too (`actlab._saving`).
"""

from actlab._saving import register_legacy_names as _register_legacy_names

from . import antirectifier as _antirectifier
from . import polynomial as _polynomial
from . import rational as _rational
from . import softexp as _softexp
from . import truncation as _truncation
from .antirectifier import *
from .polynomial import *
from .rational import *
from .softexp import *
from .truncation import *

# no __all__: the API reference then lists the topic modules too
_PUBLIC = [
    name
    for module in (_antirectifier, _polynomial, _rational, _softexp, _truncation)
    for name in module.__all__
]
_register_legacy_names(globals()[name] for name in _PUBLIC)
