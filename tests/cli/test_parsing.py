"""Argument parsing: the classic command shapes, options on either side of the command, and
exit code 2 for everything argparse refuses."""

import pytest

from novavol.main import build_parser, default_inventory, lab_name


def parse(argv):
    return build_parser().parse_args(argv)


def test_volume_create_classic_form():
    args = parse(["volume-create", "--display_name", "myvolume", "10"])
    assert (args.command, args.display_name, args.volume_type, args.size) == ("volume-create", "myvolume", None, 10)


def test_volume_create_dashed_options():
    args = parse(["volume-create", "--display-name", "my volume", "--volume-type", "ssd", "1"])
    assert (args.display_name, args.volume_type, args.size) == ("my volume", "ssd", 1)


@pytest.mark.parametrize("argv", [
    ["--json", "-v", "volume-list"],
    ["volume-list", "--json", "-v"],
    ["--json", "volume-list", "-v"],
])
def test_common_options_before_or_after_the_command(argv):
    args = parse(argv)
    assert args.json is True and args.verbose == 1


def test_option_before_the_command_is_not_reset_by_the_subcommand_default():
    args = parse(["-i", "/tmp/inv.yml", "--lab", "cli", "volume-list"])
    assert args.inventory == "/tmp/inv.yml" and args.lab == "cli" and args.json is False


def test_attach_and_detach_take_instance_first():
    args = parse(["volume-attach", "compute1", "9", "/dev/vdb"])
    assert (args.instance, args.volume, args.device) == ("compute1", "9", "/dev/vdb")
    args = parse(["volume-detach", "compute1", "myvolume"])
    assert (args.instance, args.volume) == ("compute1", "myvolume")


def test_backup_one_or_all():
    assert parse(["volume-backup", "9"]).volume == "9"
    args = parse(["volume-backup", "--all"])
    assert args.all is True and args.volume is None


def test_diagnose_volume_is_optional():
    assert parse(["diagnose"]).volume is None
    assert parse(["diagnose", "9"]).volume == "9"


@pytest.mark.parametrize("argv", [
    [],
    ["volume-frobnicate"],
    ["volume-create"],
    ["volume-create", "0"],
    ["volume-create", "-3"],
    ["volume-create", "ten"],
    ["volume-create", "1.5"],
    ["volume-create", "--provisioning", "sparse", "1"],
    ["volume-attach", "compute1", "9"],
    ["volume-attach", "compute1", "9", "vdb"],
    ["volume-detach", "9"],
    ["volume-backup"],
    ["volume-backup", "9", "--all"],
    ["volume-show"],
    ["recover"],
    ["lab"],
    ["lab", "restart"],
])
def test_usage_errors_exit_2(cli, argv, capsys):
    run = cli(argv)
    assert run.code == 2
    assert run.calls == []  # nothing ran
    assert "usage: novavol" in capsys.readouterr().err


def test_help_exits_0(cli, capsys):
    assert cli(["--help"]).code == 0
    assert "volume-create" in capsys.readouterr().out


def test_size_error_says_what_is_expected(cli, capsys):
    cli(["volume-create", "0"])
    assert "size must be a whole number of GB greater than zero" in capsys.readouterr().err


def test_default_inventory(monkeypatch):
    monkeypatch.delenv("NOVALAB_NAME", raising=False)
    assert default_inventory("/repo", parse(["volume-list"])) == "/repo/inventories/lab"
    assert default_inventory("/repo", parse(["--lab", "cli", "volume-list"])) == \
        "/var/tmp/novavolume-lab/cli/inventory.yml"
    assert default_inventory("/repo", parse(["-i", "/x/hosts.yml", "volume-list"])) == "/x/hosts.yml"
    monkeypatch.setenv("NOVALAB_NAME", "ci")
    assert default_inventory("/repo", parse(["volume-list"])) == "/var/tmp/novavolume-lab/ci/inventory.yml"
    assert lab_name(parse(["volume-list"])) == "ci"
