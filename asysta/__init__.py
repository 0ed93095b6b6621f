"""`asysta`: the operator's command line (Typer + Rich). See `asysta --help` and the README's
"Operator's command line" for the subcommands and exit codes."""
