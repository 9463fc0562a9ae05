"""Serializable Keras layers (registered under the package name ``lib``).

One module per topic; each defines `__all__`, re-exported here.
"""

from .antirectifier import *
from .polynomial import *
from .rational import *
from .softexp import *
from .truncation import *
