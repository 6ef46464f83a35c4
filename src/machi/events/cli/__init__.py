"""The subcommands of `machi events`, one module each (`add_arguments(parser)`, `run(options, stdout)`)."""
