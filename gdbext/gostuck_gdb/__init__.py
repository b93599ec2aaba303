"""gostuck's gdb extension: libgostuck's goroutine analysis inside gdb.

Only gostuck_gdb.gdbfront imports gdb; libgostuck (ctypes binding) and
cmdline (argument parsing, formatting) take plain values, so they can be
tested without gdb."""
