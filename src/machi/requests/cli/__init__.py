"""The subcommands of `machi requests` (machi.requests.management.commands.requests), one module each."""
