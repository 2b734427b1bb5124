"""novavol: nova-volume's classic commands on the novavolume.lvm_iscsi collection.

Exit codes: 0 success, 1 the operation failed or was refused, 2 usage errors (bad arguments,
unknown or ambiguous volume, missing inventory).
"""

import argparse
import os
import sys

from novavol import __version__
from novavol.commands import COMMANDS
from novavol.errors import EXIT_OK, CliError
from novavol.progress import Progress, choose_mode
from novavol.render import to_json
from novavol.runner import AnsibleRunner, find_root

DEFAULT_LAB = "novalab"
LAB_STATE = "/var/tmp/novavolume-lab"


def _common_options(parser, defaults):
    """Options accepted before and after the command (`novavol --json volume-list` and
    `novavol volume-list --json`); on the sub-commands they default to SUPPRESS so a value
    given before the command is not overwritten."""
    value = (lambda v: v) if defaults else (lambda v: argparse.SUPPRESS)
    parser.add_argument("-i", "--inventory", default=value(None),
                        help="inventory file or folder (default: the lab's, see --lab)")
    parser.add_argument("--lab", default=value(None), metavar="NAME",
                        help="lab name (default: $NOVALAB_NAME, else %s)" % DEFAULT_LAB)
    parser.add_argument("--vg", default=value(None), help="volume group (default: the modules' own, nova-volumes)")
    parser.add_argument("--json", action="store_true", default=value(False), help="print JSON instead of tables")
    parser.add_argument("-v", "--verbose", action="count", default=value(0),
                        help="stream Ansible's own output; -vv and more raise Ansible's verbosity")
    parser.add_argument("-q", "--quiet", action="store_true", default=value(False), help="no progress lines")
    parser.add_argument("--artifacts-dir", default=value(None),
                        help="where ansible-runner keeps job events (default: $NOVAVOL_ARTIFACTS, "
                             "else .cache/novavol/artifacts in the checkout)")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="novavol",
        description="nova-volume's volume commands for the novavolume.lvm_iscsi collection, run through ansible-runner.",
        epilog="Exit codes: 0 success, 1 operation failed, 2 usage error.",
    )
    parser.add_argument("--version", action="version", version="%(prog)s " + __version__)
    _common_options(parser, defaults=True)
    common = argparse.ArgumentParser(add_help=False)
    _common_options(common, defaults=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.add_parser(sub, [common])
    return parser


def lab_name(args):
    return args.lab or os.environ.get("NOVALAB_NAME") or DEFAULT_LAB


def default_inventory(root, args):
    """-i, else the named lab's inventory, else the default lab's inventories/lab."""
    if args.inventory:
        return os.path.abspath(args.inventory)
    if args.lab or os.environ.get("NOVALAB_NAME"):
        return os.path.join(LAB_STATE, lab_name(args), "inventory.yml")
    return os.path.join(root, "inventories", "lab")


class Context:
    """What a command needs: its arguments, a runner, and where to write."""

    def __init__(self, args, runner, stdout, stderr):
        self.args = args
        self.runner = runner
        self.stdout = stdout
        self.stderr = stderr
        self.lab_name = lab_name(args)

    def emit(self, text):
        self.stdout.write(text + "\n")

    def note(self, text):
        """A remark for people; kept off stdout so --json output stays parseable."""
        if not self.args.quiet:
            self.stderr.write(text + "\n")


def main(argv=None, runner_factory=None, stdout=None, stderr=None):
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        # What argparse cannot say (this argument or that one) is refused as argparse refuses.
        problem = args.validate(args) if getattr(args, "validate", None) else None
        if problem:
            args.command_parser.error(problem)
    except SystemExit as exit_:  # argparse exits 2 on bad usage, 0 for --help/--version
        return exit_.code
    try:
        root = find_root()
        inventory = default_inventory(root, args)
        progress = Progress(stderr, choose_mode(stderr, args.verbose, args.quiet))
        if runner_factory is None:
            runner = AnsibleRunner(root, inventory, progress, verbosity=args.verbose, artifacts_dir=args.artifacts_dir)
        else:
            runner = runner_factory(root=root, inventory=inventory, progress=progress)
        context = Context(args, runner, stdout, stderr)
        args.handler(context)
        return EXIT_OK
    except CliError as error:
        stderr.write("ERROR: %s\n" % error.message)
        if error.artifacts:
            stderr.write("ansible-runner artifacts (job events): %s\n" % error.artifacts)
        if args.json:
            stdout.write(to_json(dict(error=error.message, exit_code=error.exit_code, artifacts=error.artifacts)) + "\n")
        return error.exit_code
