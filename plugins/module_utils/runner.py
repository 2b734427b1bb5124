# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small command runner: each command family declares its arguments once, callers name them.

Modelled on the idea behind community.general's CmdRunner (whose module_utils are private):
an argument is declared with a formatter that turns a value into argv words, and a call lists
the arguments it wants in order. Commands always run as argv lists, never through a shell, with
a C locale so that the output we parse is stable.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ArgFormat:
    """Builders of formatters: functions from a value to a list of argv words."""

    @staticmethod
    def fixed(*words):
        """Always the same words, whatever the value (use with value True)."""
        return lambda value: list(words) if value else []

    @staticmethod
    def opt_val(option):
        """`--option VALUE`; nothing when the value is None."""
        return lambda value: [] if value is None else [option, str(value)]

    @staticmethod
    def opt_eq_val(option):
        """`--option=VALUE`; nothing when the value is None."""
        return lambda value: [] if value is None else ["%s=%s" % (option, value)]

    @staticmethod
    def flag(when_true, when_false=None):
        """One word (or list of words) for True, another (or nothing) for False/None."""

        def as_list(words):
            if words is None:
                return []
            return [words] if isinstance(words, str) else list(words)

        return lambda value: as_list(when_true) if value else (as_list(when_false) if value is False else [])

    @staticmethod
    def positional():
        """The value itself (a list gives several words); nothing for None."""

        def fmt(value):
            if value is None:
                return []
            if isinstance(value, (list, tuple)):
                return [str(item) for item in value]
            return [str(value)]

        return fmt

    @staticmethod
    def name_value_pairs(name_option, value_option):
        """`-n NAME -v VALUE` for each (name, value) of a list of pairs."""
        return lambda pairs: [word for name, value in (pairs or []) for word in (name_option, name, value_option, str(value))]

    @staticmethod
    def repeated(option):
        """`--option A --option B` for a list of values."""
        return lambda values: [word for value in (values or []) for word in (option, str(value))]


# The rc a command that could not be started at all is reported with (as a shell reports it).
COULD_NOT_RUN = 127


class CommandError(Exception):
    """A command failed; carries what is needed for a clear `msg` and fail_json fields."""

    def __init__(self, argv, rc, out, err):
        self.argv, self.rc, self.out, self.err = argv, rc, out, err
        detail = (err or out or "").strip().splitlines()
        super(CommandError, self).__init__(
            "%s failed (rc=%s): %s" % (" ".join(argv[:2]), rc, detail[-1] if detail else "no output")
        )

    def fail_json_kwargs(self):
        return dict(msg=str(self), cmd=self.argv, rc=self.rc, stdout=self.out, stderr=self.err)


class CommandRunner:
    """Runs one command family, e.g. `lvcreate`, with arguments declared once in `arg_formats`."""

    def __init__(self, module, command, arg_formats, fixed_args=None, benign_rcs=(0,)):
        self.module = module
        self.command = command
        self.arg_formats = arg_formats
        self.fixed_args = list(fixed_args or [])
        self.benign_rcs = tuple(benign_rcs)
        self._binary = None

    @property
    def binary(self):
        if self._binary is None:
            self._binary = self.module.get_bin_path(self.command, required=True)
        return self._binary

    def argv(self, args_order, **values):
        argv = [self.binary] + self.fixed_args
        for name in args_order.split() if isinstance(args_order, str) else args_order:
            if name not in self.arg_formats:
                raise ValueError("%s has no argument named %r" % (self.command, name))
            argv.extend(self.arg_formats[name](values.get(name)))
        return argv

    def run(self, args_order, data=None, check=True, **values):
        """Run the command; return (rc, out, err). With check, an rc outside benign_rcs raises."""
        argv = self.argv(args_order, **values)
        try:
            # handle_exceptions=False: AnsibleModule would turn any exception raised while the
            # command runs into fail_json("Error executing command."), among them the one a stop
            # signal's handler raises, and a run stopped that way would skip its clean-up.
            rc, out, err = self.module.run_command(
                argv, data=data, environ_update={"LANG": "C", "LC_ALL": "C"}, check_rc=False, handle_exceptions=False
            )
        except OSError as error:
            raise CommandError(argv, COULD_NOT_RUN, "", str(error))
        if check and rc not in self.benign_rcs:
            raise CommandError(argv, rc, out, err)
        return rc, out, err


def parse_fields(out, separator):
    """The KEY<separator>value lines a command prints (`blkid -o export`, `dumpe2fs -h`) -> dict,
    keys and values stripped; other lines are left out."""
    fields = {}
    for line in (out or "").splitlines():
        key, sep, value = line.partition(separator)
        if sep:
            fields[key.strip()] = value.strip()
    return fields
