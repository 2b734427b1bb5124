"""The two ways a command can fail, each with its exit code.

Messages are meant to be printed as they are: short, and saying what to do next.
"""

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class CliError(Exception):
    exit_code = EXIT_FAILED

    def __init__(self, message, artifacts=None):
        super().__init__(message)
        self.message = message
        # The runner's artifact folder of the run that failed, for post-mortems.
        self.artifacts = artifacts


class UsageError(CliError):
    """The command line cannot be acted on: bad arguments, unknown or ambiguous volume, no inventory."""

    exit_code = EXIT_USAGE


class OperationFailed(CliError):
    """The operation was refused or Ansible ran and failed."""

    exit_code = EXIT_FAILED
