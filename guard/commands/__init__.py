"""One module per sub-command. Each ``run`` takes explicit arguments, calls the engine,
prints what the engine returned and gives back the exit code; :mod:`guard.cli` parses
the command line and picks the module."""
