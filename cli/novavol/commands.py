"""The commands: each is one run of the collection's module or playbook. A command that acts on
a volume hands what the user typed (id, LV name or display name) to the playbook as
volume_reference; the playbook resolves it on the controller (volume_info) and refuses what nova
would have refused, in the same run, so no listing comes first."""

import argparse

from novavol import volumes as vol
from novavol.errors import OperationFailed, UsageError
from novavol.events import action_matches
from novavol.render import pool_table, property_table, table, to_json, volume_table
from novavol.runner import inventory_exists


class Command:
    def __init__(self, name, help_, handler, configure=None):
        self.name = name
        self.help = help_
        self.handler = handler
        self.configure = configure

    def add_parser(self, subparsers, parents):
        parser = subparsers.add_parser(self.name, help=self.help, description=self.help, parents=parents)
        if self.configure:
            self.configure(parser)
        parser.set_defaults(handler=self.handler)
        return parser


def _positive_size(text):
    try:
        size = int(text)
    except ValueError:
        size = 0
    if size <= 0:
        raise argparse.ArgumentTypeError("size must be a whole number of GB greater than zero, got %r" % text)
    return size


def _device(text):
    if not text.startswith("/dev/") or len(text) <= len("/dev/"):
        raise argparse.ArgumentTypeError("device must be a path under /dev, e.g. /dev/vdb, got %r" % text)
    return text


# ---- helpers ------------------------------------------------------------------------------

def vg_args(ctx):
    return {"vg": ctx.args.vg} if ctx.args.vg else {}


# Failures whose fix is not in the module's message, by a piece of that message.
HINTS = (
    ("volume group", "does not exist", "set the controller up first: ansible-playbook playbooks/site.yml"),
)


def check(result, doing):
    """Raise OperationFailed with the module's message when a run failed."""
    if not result.ok:
        message = "%s failed: %s" % (doing, result.error_message())
        for first, second, hint in HINTS:
            if first in message and second in message:
                message += " (%s)" % hint
        raise OperationFailed(message, artifacts=result.artifacts)
    return result


def fetch_info(ctx, name=None):
    """volume_info's result (for all volumes, or the one LV `name`)."""
    args = vg_args(ctx)
    if name:
        args["name"] = name
    result = check(ctx.runner.module("volume_info", args, title="volume_info"), "reading the volumes")
    infos = result.module_results("volume_info")
    if not infos:
        raise no_controller(ctx, result)
    return infos[0].res


def no_controller(ctx, result):
    """A run that went well on no host: Ansible skips a play whose hosts match nothing."""
    return OperationFailed("volume_info ran on no host: the inventory %s has no host in group controller"
                           % ctx.runner.inventory, artifacts=result.artifacts)


def fetch_volumes(ctx, name=None):
    """The volumes (all, or the one LV `name`) as volume_info reports them, normalized."""
    volumes = [vol.normalize(item) for item in fetch_info(ctx, name).get("volumes") or []]
    if name:
        volumes = [volume for volume in volumes if volume["name"] == name]
    return sorted(volumes, key=vol.sort_key)


def resolved_volume(result):
    """The volume a run resolved from what the user typed (its volume_info), normalized; None
    when the run stopped before."""
    found = result.module_results("volume_info")
    listed = found[0].res.get("volumes") if found else None
    return vol.normalize(listed[0]) if listed else None


def check_reference(result):
    """Exit 2, as for any unusable command line, when no volume or several answer to the reference."""
    for failure in result.failures():
        if action_matches(failure.action, "volume_info") and failure.res.get("reference_error"):
            raise UsageError(failure.message(), artifacts=result.artifacts)


def fetch_volume(ctx):
    """The one volume the user named (ctx.args.volume), resolved by volume_info on the controller."""
    result = ctx.runner.module("volume_info", dict(vg_args(ctx), reference=ctx.args.volume), title="volume_info")
    check_reference(result)
    volume = resolved_volume(check(result, "reading volume %s" % ctx.args.volume))
    if volume is None:
        raise no_controller(ctx, result)
    return volume


def run_on_volume(ctx, playbook, extravars, title, doing):
    """Run `playbook` on the volume the user named (ctx.args.volume), which the playbook resolves
    on the controller; `doing` names the operation for a failure, with %s for the volume.
    Returns the run's result and the volume it resolved."""
    extravars = dict(vg_args(ctx), volume_reference=ctx.args.volume, **extravars)
    result = ctx.runner.playbook(playbook, extravars, title=title)
    check_reference(result)
    volume = resolved_volume(result)
    check(result, doing % (vol.label(volume) if volume else ctx.args.volume))
    if volume is None:
        raise no_controller(ctx, result)
    return result, volume


def show_volume(ctx, volume):
    ctx.emit(to_json(volume) if ctx.args.json else property_table(volume))


def summary(result):
    """What a playbook did, for --json: every task result with its status (no raw output)."""
    return [
        dict(host=r.host, task=r.task, action=r.action, status=r.status,
             msg=r.res.get("msg") if isinstance(r.res.get("msg"), str) else None)
        for r in result.results
    ]


# ---- volume-* --------------------------------------------------------------------------------

def volume_list(ctx):
    volumes = fetch_volumes(ctx)
    ctx.emit(to_json({"volumes": volumes}) if ctx.args.json else volume_table(volumes))


def volume_show(ctx):
    show_volume(ctx, fetch_volume(ctx))


def pool_list(ctx):
    pools = fetch_info(ctx).get("pools") or []
    ctx.emit(to_json({"pools": pools}) if ctx.args.json else pool_table(pools))


def volume_create(ctx):
    # One module call: the volume module picks the next id under the volume group's lock of new
    # names and returns the new volume as volume_info lists it, so creations at once get
    # volumes of their own.
    args = dict(vg_args(ctx), name_template=vol.NAME_TEMPLATE, size=ctx.args.size, state="present")
    if ctx.args.display_name is not None:
        args["display_name"] = ctx.args.display_name
    if ctx.args.volume_type is not None:
        args["volume_type"] = ctx.args.volume_type
    if ctx.args.provisioning is not None:
        args["provisioning"] = ctx.args.provisioning
    result = check(ctx.runner.module("volume", args, title="volume-create"), "creating a volume")
    created = result.module_results("volume")
    record = created[0].res.get("record") if created else None
    if not record:
        raise OperationFailed("the volume was created but not read back: run `novavol volume-list`",
                              artifacts=result.artifacts)
    show_volume(ctx, vol.normalize(record))


def volume_delete(ctx):
    # The playbook refuses an attached volume unless --force, which detaches it first.
    result, volume = run_on_volume(ctx, "volume_delete.yml", dict(force=ctx.args.force),
                                   "volume-delete %s" % ctx.args.volume, "deleting volume %s")
    if ctx.args.json:
        ctx.emit(to_json({"deleted": volume}))
    else:
        ctx.note("deleted volume %s (%s)" % (vol.label(volume), volume["name"]))


def volume_attach(ctx):
    # The playbook refuses a volume in error, or attached to another host.
    instance, device = ctx.args.instance, ctx.args.device
    extravars = dict(instance=instance, mountpoint=device)
    if ctx.args.mutual_chap:
        extravars["mutual_chap"] = True
    result, volume = run_on_volume(ctx, "volume_attach.yml", extravars,
                                   "volume-attach %s %s %s" % (instance, ctx.args.volume, device),
                                   "attaching volume %%s to %s" % instance)
    attachment = dict(id=volume["id"], volumeId=volume["name"], serverId=instance, device=device)
    if ctx.args.json:
        ctx.emit(to_json(dict(attachment, changed=result.changed(), results=summary(result))))
    else:
        ctx.emit(property_table(attachment, first=("device", "id", "serverId", "volumeId")))


def volume_detach(ctx):
    # The playbook refuses a volume recorded as attached to another host.
    instance = ctx.args.instance
    result, volume = run_on_volume(ctx, "volume_detach.yml", dict(instance=instance, force=ctx.args.force),
                                   "volume-detach %s %s" % (instance, ctx.args.volume),
                                   "detaching volume %%s from %s" % instance)
    if ctx.args.json:
        ctx.emit(to_json(dict(id=volume["id"], volumeId=volume["name"], serverId=instance,
                              changed=result.changed(), results=summary(result))))
    else:
        ctx.note("detached volume %s (%s) from %s" % (vol.label(volume), volume["name"], instance))


def _playbook_report(ctx, result, payload, done):
    """Output of the playbook-backed commands: the reports their debug tasks print (as text),
    or, with --json, the payload with those reports and every task's status."""
    reports = result.reports()
    if ctx.args.json:
        ctx.emit(to_json(dict(payload, changed=result.changed(), stats=result.stats_data(),
                              reports=[dict(host=host, lines=lines) for host, lines in reports],
                              results=summary(result))))
        return
    for host, lines in reports:
        ctx.emit("[%s]" % host)
        ctx.emit("\n".join("  " + line for line in lines))
    ctx.note(done)


def volume_backup(ctx):
    extravars = _optional(ctx.args, "destination")
    if ctx.args.all:
        what = "all volumes"
        result = check(ctx.runner.playbook("volume_backup.yml", extravars, title="volume-backup %s" % what),
                       "backing up %s" % what)
    else:
        result, volume = run_on_volume(ctx, "volume_backup.yml", extravars, "volume-backup %s" % ctx.args.volume,
                                       "backing up volume %s")
        extravars["volume"] = what = volume["name"]
    backups = [dict((k, v) for k, v in r.res.items() if k != "invocation" and not k.startswith("_"))
               for r in result.module_results("volume_backup")]
    _playbook_report(ctx, result, dict(volume=extravars.get("volume"), all=ctx.args.all, backup=backups[0] if backups else None),
                     "backed up %s" % what)


def backup_verify(ctx):
    """restic check of the backup repository; damage fails the run, its message names the damaged
    packs and the backups (snapshot, volume, time) they touch."""
    extravars = _optional(ctx.args, "read_data_subset", "repository")
    result = check(ctx.runner.playbook("volume_backup_verify.yml", extravars, title="backup-verify"),
                   "verifying the backup repository")
    verified = [r.res for r in result.module_results("volume_backup_verify")]
    if not verified:
        raise no_controller(ctx, result)
    found = verified[0]
    payload = dict((key, found.get(key)) for key in ("ok", "read_data_subset", "damaged_packs", "affected_backups"))
    if ctx.args.json:
        ctx.emit(to_json(dict(payload, results=summary(result))))
        return
    ctx.note("the backup repository is sound (%s of its data read back)" % found.get("read_data_subset"))


def volume_restore(ctx):
    if ctx.args.volume:
        volume = fetch_volume(ctx)
        if volume["status"] != "available":
            raise OperationFailed("volume %s is %s%s: detach it before restoring over it"
                                  % (vol.label(volume), volume["status"],
                                     " on %s" % volume["attached_to"] if volume["attached_to"] else ""))
        if not ctx.args.force:
            raise OperationFailed("restoring over volume %s replaces its data: pass --force, or leave VOLUME out "
                                  "to restore into a new volume" % vol.label(volume))
        name = volume["name"]
    else:
        name = vol.volume_name(vol.next_id(fetch_volumes(ctx)))
    extravars = dict(archive=ctx.args.archive, name=name, force=ctx.args.force)
    if ctx.args.vg:
        extravars["vg"] = ctx.args.vg
    result = check(ctx.runner.playbook("volume_restore.yml", extravars, title="volume-restore %s" % name),
                   "restoring %s into %s" % (ctx.args.archive, name))
    restored = fetch_volumes(ctx, name)
    if ctx.args.json:
        ctx.emit(to_json(dict(volume=restored[0] if restored else None, changed=result.changed(),
                              results=summary(result))))
    elif restored:
        show_volume(ctx, restored[0])
    ctx.note("restored %s into volume %s (%s)" % (ctx.args.archive, vol.volume_id(name), name))


def diagnose(ctx):
    if ctx.args.volume:
        result, volume = run_on_volume(ctx, "troubleshoot.yml", {}, "diagnose %s" % ctx.args.volume,
                                       "diagnosing volume %s")
        what = volume["name"]
    else:
        what = "all attachments"
        result = check(ctx.runner.playbook("troubleshoot.yml", {}, title="diagnose %s" % what), "diagnosing %s" % what)
    _playbook_report(ctx, result, dict(volume=what if ctx.args.volume else None), "diagnosis of %s done" % what)
    # A diagnosis that finds problems ran fine, but CI must see it: exit 1 with the problems.
    stats = result.stats_data()
    if stats.get("troubleshoot_ok") is False or str(stats.get("troubleshoot_ok")).lower() == "false":
        problems = stats.get("troubleshoot_problems") or []
        raise OperationFailed("problems found: %s" % ("; ".join(problems) or "see the report above"),
                              artifacts=result.artifacts)


def recover(ctx):
    result, volume = run_on_volume(ctx, "recover_volume.yml", {}, "recover %s" % ctx.args.volume,
                                   "recovering volume %s")
    _playbook_report(ctx, result, dict(volume=volume["name"]), "recovered volume %s" % vol.label(volume))


def _optional(args, *names):
    return dict((name, getattr(args, name)) for name in names if getattr(args, name, None) is not None)


# ---- lab ------------------------------------------------------------------------------------

def lab(ctx):
    name = ctx.lab_name
    if ctx.args.action in ("up", "down"):
        playbook = "lab_%s.yml" % ctx.args.action
        result = check(ctx.runner.playbook(playbook, dict(lab_name=name), title="lab %s %s" % (ctx.args.action, name),
                                           inventory=False),
                       "lab %s" % ctx.args.action)
        state = dict(lab=name, action=ctx.args.action, changed=result.changed(), inventory=ctx.runner.inventory)
        ctx.emit(to_json(state) if ctx.args.json else "lab %s is %s" % (name, ctx.args.action))
        return
    lab_status(ctx, name)


def lab_status(ctx, name):
    inventory = ctx.runner.inventory
    if not inventory_exists(inventory):
        state = dict(lab=name, inventory=inventory, up=False, hosts=[])
        ctx.emit(to_json(state) if ctx.args.json else "lab %s is down (no inventory at %s)" % (name, inventory))
        raise OperationFailed("lab %s is down: start it with `novavol lab up`" % name)
    result = ctx.runner.module("ansible.builtin.ping", {}, host_pattern="controller:compute", title="lab status")
    hosts = sorted((dict(host=r.host, state="up" if r.status in ("ok", "changed") else r.status,
                         msg=None if r.status in ("ok", "changed") else r.message()) for r in result.results),
                   key=lambda host: host["host"])
    up = bool(hosts) and all(h["state"] == "up" for h in hosts)
    if ctx.args.json:
        ctx.emit(to_json(dict(lab=name, inventory=inventory, up=up, hosts=hosts)))
    else:
        ctx.emit(host_table(hosts))
    if not up:
        raise OperationFailed("lab %s is not reachable: %s" % (name, result.error_message()), artifacts=result.artifacts)


def host_table(hosts):
    return table(["Host", "State", "Message"], [[h["host"], h["state"], h["msg"] or ""] for h in hosts])


# ---- parser configuration ---------------------------------------------------------------------

def _volume_arg(parser):
    parser.add_argument("volume", metavar="VOLUME", help="integer id, LV name or display name")


def _create(parser):
    parser.add_argument("--display-name", "--display_name", dest="display_name", metavar="NAME")
    parser.add_argument("--volume-type", "--volume_type", dest="volume_type", metavar="TYPE")
    parser.add_argument("--provisioning", choices=("thick", "thin"),
                        help="thin: a thin volume in the volume group's thin pool (default: thick)")
    parser.add_argument("size", metavar="SIZE_GB", type=_positive_size, help="size in GB")


def _delete(parser):
    _volume_arg(parser)
    parser.add_argument("--force", action="store_true", help="delete even when in-use")


def _attach(parser):
    parser.add_argument("instance", metavar="INSTANCE", help="compute host (inventory name)")
    _volume_arg(parser)
    parser.add_argument("device", metavar="DEVICE", type=_device, help="device name, e.g. /dev/vdb")
    parser.add_argument("--mutual-chap", action="store_true",
                        help="the target proves itself to the compute host too (bidirectional CHAP)")


def _detach(parser):
    parser.add_argument("instance", metavar="INSTANCE", help="compute host (inventory name)")
    _volume_arg(parser)
    parser.add_argument("--force", action="store_true", help="log out even while the disk is mounted or held")


def _backup(parser):
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("volume", metavar="VOLUME", nargs="?", help="integer id, LV name or display name")
    which.add_argument("--all", action="store_true", help="back up every volume")
    parser.add_argument("--destination", help="backup folder on the controller (default: the playbook's, "
                                              "/srv/backups/volumes)")


def _backup_verify(parser):
    parser.add_argument("--read-data-subset", dest="read_data_subset",
                        help="how much data to read back: all, a percentage (10%%, the default) or n/t")
    parser.add_argument("--repository", help="the restic repository on the controller (default: the playbook's, "
                                             "/srv/backups/restic)")


def _restore(parser):
    parser.add_argument("archive", metavar="ARCHIVE", help="backup archive on the controller (from volume-backup)")
    parser.add_argument("volume", metavar="VOLUME", nargs="?",
                        help="restore over this detached volume (needs --force); default: a new volume")
    parser.add_argument("--force", action="store_true", help="replace the data of VOLUME")


def _diagnose(parser):
    parser.add_argument("volume", metavar="VOLUME", nargs="?", help="only this volume (default: all)")


def _lab(parser):
    parser.add_argument("action", choices=("up", "down", "status"))


COMMANDS = (
    Command("volume-create", "Add a new volume.", volume_create, _create),
    Command("volume-list", "List all the volumes.", volume_list),
    Command("volume-show", "Show details about a volume.", volume_show, _volume_arg),
    Command("volume-delete", "Remove a volume.", volume_delete, _delete),
    Command("volume-attach", "Attach a volume to a compute host.", volume_attach, _attach),
    Command("volume-detach", "Detach a volume from a compute host.", volume_detach, _detach),
    Command("pool-list", "List the thin pools: use, oversubscription and state.", pool_list),
    Command("volume-backup", "Back up a volume (snapshot, copy, drop the snapshot).", volume_backup, _backup),
    Command("backup-verify", "Verify the backup repository; name damaged data and the backups it touches.",
            backup_verify, _backup_verify),
    Command("volume-restore", "Restore a backup archive into a new volume, or over a detached one.",
            volume_restore, _restore),
    Command("diagnose", "Probe the attachments (of one volume or all) from their compute hosts.", diagnose,
            _diagnose),
    Command("recover", "Free a volume stuck in-use after its compute host died or lost the network.", recover,
            _volume_arg),
    Command("lab", "Bring the UML lab up or down, or show whether it is reachable.", lab, _lab),
)
