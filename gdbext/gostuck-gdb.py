# gostuck-gdb.py - load gostuck's gdb extension: `source /path/to/gostuck-gdb.py`
# (or put that line in ~/.gdbinit).  Defines `gostuck ...`, `info goroutines`
# and `goroutine ID CMD`; see `help gostuck`.  Prints nothing when loaded.
import os as _os
import sys as _sys

_here = _os.path.dirname(_os.path.abspath(__file__))
if _here not in _sys.path:
    _sys.path.insert(0, _here)

import gostuck_gdb.gdbfront as _gostuck_front  # noqa: E402

_gostuck_front.register()
