"""Activation functions as plain `keras.ops` functions (usable in `keras.layers.Activation`).

One module per topic; each defines `__all__`, re-exported here.
"""

from .antirectifier import *
from .elu import *
from .polynomial import *
from .rational import *
from .softexp import *
from .truncation import *
