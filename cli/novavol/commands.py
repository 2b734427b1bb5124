"""The commands: each is one run of the collection's module or playbook. A command that acts on
a volume hands what the user typed (id, LV name or display name) to the playbook as
volume_reference; the playbook resolves it on the controller (volume_info) and refuses what nova
would have refused, in the same run, so no listing comes first."""

import argparse

from novavol import volumes as vol
from novavol.errors import OperationFailed, UsageError
from novavol.events import action_matches
from novavol.render import SNAPSHOT_SHOW_FIRST, backup_table, pool_table, property_table, snapshot_table, table, to_json, volume_table
from novavol.runner import inventory_exists


class Command:
    """`validate(args)` returns what is wrong with a command line that argparse accepted, or None."""

    def __init__(self, name, help_, handler, configure=None, validate=None):
        self.name = name
        self.help = help_
        self.handler = handler
        self.configure = configure
        self.validate = validate

    def add_parser(self, subparsers, parents):
        parser = subparsers.add_parser(self.name, help=self.help, description=self.help, parents=parents)
        if self.configure:
            self.configure(parser)
        parser.set_defaults(handler=self.handler, validate=self.validate, command_parser=parser)
        return parser


def _size_or_source(args):
    """volume-create's size is needed unless the volume is a clone, which takes its source's."""
    if args.size is None and args.snapshot_id is None and args.source_volid is None:
        return "give SIZE_GB, or a source: --snapshot-id or --source-volid"
    if args.snapshot_id is not None and args.source_volid is not None:
        return "give one source: --snapshot-id or --source-volid"
    return None


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


def no_controller(ctx, result, what="volume_info"):
    """A run that went well on no host: Ansible skips a play whose hosts match nothing."""
    return OperationFailed("%s ran on no host: the inventory %s has no host in group controller"
                           % (what, ctx.runner.inventory), artifacts=result.artifacts)


def fetch_volumes(ctx, name=None):
    """The volumes (all, or the one LV `name`) as volume_info reports them, normalized."""
    volumes = [vol.normalize(item) for item in fetch_info(ctx, name).get("volumes") or []]
    if name:
        volumes = [volume for volume in volumes if volume["name"] == name]
    return sorted(volumes, key=vol.sort_key)


def resolved_volume(result):
    """The volume a run resolved from what the user typed, normalized; None when the run stopped
    before. The runs that list it first have volume_info's record; an attach resolves it in its
    export (target_export), whose result is hidden (it holds the CHAP secret), so its LV name
    comes from the attachments role's volume_attachments_result fact."""
    # volume_info lists the volume it found in a refusal too (in error, attached elsewhere, in use)
    found = [r for r in result.results if action_matches(r.action, "volume_info") and r.res.get("volumes")]
    if found:
        return vol.normalize(found[0].res["volumes"][0])
    for fact in result.module_results("ansible.builtin.set_fact"):
        attached = (fact.res.get("ansible_facts") or {}).get("volume_attachments_result")
        if attached:
            return vol.normalize(dict(name=attached["volume"]))
    return None


def check_reference(result):
    """Exit 2, as for any unusable command line, when no volume or several answer to the reference
    (the module that resolved it says so in its failure; an attach's hidden export, in the run's
    stats)."""
    unresolved = result.stats_data().get("volume_reference_error")
    for failure in result.failures():
        if failure.res.get("censored"):
            continue
        if unresolved or failure.res.get("reference_error"):
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
    # volumes of their own. A clone runs playbooks/volume_clone.yml instead, which makes the
    # same call, async when it copies data so that the copy's progress shows meanwhile.
    args = dict(vg_args(ctx), name_template=vol.NAME_TEMPLATE, state="present")
    if ctx.args.size is not None:
        args["size"] = ctx.args.size
    if ctx.args.snapshot_id is not None:
        args["source_snapshot"] = vol.lv_name(ctx.args.snapshot_id, vol.SNAPSHOT_TEMPLATE)
    if ctx.args.source_volid is not None:
        args["source_volume"] = vol.lv_name(ctx.args.source_volid, vol.NAME_TEMPLATE)
    if ctx.args.display_name is not None:
        args["display_name"] = ctx.args.display_name
    if ctx.args.provisioning is not None:
        args["provisioning"] = ctx.args.provisioning
    if "source_snapshot" in args or "source_volume" in args:
        # The playbook passes the inventory's volume types itself.
        if ctx.args.volume_type is not None:
            args["volume_type"] = ctx.args.volume_type
        extravars = dict((key, value) for key, value in args.items() if key != "state")
        result = check(ctx.runner.playbook("volume_clone.yml", extravars, title="volume-create"), "creating a volume")
    else:
        if ctx.args.volume_type is not None:
            # the inventory's volume types (as Cinder's) give the new volume its provisioning
            args.update(volume_type=ctx.args.volume_type, volume_types="{{ novavolume_volume_types | default({}) }}")
        result = check(ctx.runner.module("volume", args, title="volume-create"), "creating a volume")
    # An async clone's result comes from async_status; the task that started it has no record.
    created = [r for r in result.module_results("volume") + result.module_results("async_status") if r.res.get("record")]
    record = created[0].res.get("record") if created else None
    if not record:
        raise OperationFailed("the volume was created but not read back: run `novavol volume-list`",
                              artifacts=result.artifacts)
    show_volume(ctx, vol.normalize(record))


# ---- snapshot-* ------------------------------------------------------------------------------

def snapshot_list(ctx):
    snapshots = [vol.normalize_snapshot(item) for item in fetch_info(ctx).get("snapshots") or []]
    snapshots.sort(key=vol.sort_key)
    ctx.emit(to_json({"snapshots": snapshots}) if ctx.args.json else snapshot_table(snapshots))


def snapshot_create(ctx):
    # One run: the playbook resolves the volume on the controller, then volume_snapshot names the
    # snapshot with the next free id under the volume group's lock of new names.
    extravars = _optional(ctx.args, "display_name", "size")
    result, volume = run_on_volume(ctx, "snapshot_create.yml", extravars, "snapshot-create %s" % ctx.args.volume,
                                   "snapshotting volume %s")
    made = result.module_results("volume_snapshot")
    record = made[0].res.get("record") if made else None
    if not record:
        raise OperationFailed("the snapshot of volume %s was made but not read back: run `novavol snapshot-list`"
                              % vol.label(volume), artifacts=result.artifacts)
    snapshot = vol.normalize_snapshot(record)
    ctx.emit(to_json(snapshot) if ctx.args.json else property_table(snapshot, first=SNAPSHOT_SHOW_FIRST))


def _on_snapshot(ctx, state, doing):
    name = vol.lv_name(ctx.args.snapshot, vol.SNAPSHOT_TEMPLATE)
    result = check(ctx.runner.module("volume_snapshot", dict(vg_args(ctx), name=name, state=state),
                                     title="snapshot %s %s" % (state, name)), "%s snapshot %s" % (doing, ctx.args.snapshot))
    found = result.module_results("volume_snapshot")
    if not found:
        raise no_controller(ctx, result)
    return found[0].res


def snapshot_delete(ctx):
    done = _on_snapshot(ctx, "absent", "deleting")
    if not done.get("changed"):
        raise OperationFailed("no snapshot %r: give an id or LV name from `novavol snapshot-list`" % ctx.args.snapshot)
    snapshot = done["snapshot"]
    if ctx.args.json:
        ctx.emit(to_json({"deleted": snapshot}))
    else:
        ctx.note("deleted snapshot %s of volume %s" % (snapshot["name"], snapshot["volume"]))


def snapshot_revert(ctx):
    # The module refuses a volume in use (detach it first); the merge uses the snapshot up.
    done = _on_snapshot(ctx, "reverted", "reverting to")
    snapshot = done["snapshot"]
    if ctx.args.json:
        ctx.emit(to_json({"reverted": snapshot, "changed": done.get("changed")}))
    elif done.get("changed"):
        ctx.note("reverted volume %s to snapshot %s (the snapshot is used up by the merge)"
                 % (snapshot["volume"], snapshot["name"]))
    else:
        ctx.note("volume %s was reverted to snapshot %s already" % (snapshot["volume"], snapshot["name"]))


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
    if ctx.args.multipath:
        extravars["multipath"] = True
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


def extend(ctx):
    # One run: the playbook resolves the volume, grows it on the controller and, when it is
    # attached, shows the new size on its compute host (and grows the file system with
    # --grow-filesystem). A smaller size is refused by the volume module, as nova refused it.
    extravars = dict(size=ctx.args.new_size, grow_filesystem=ctx.args.grow_filesystem)
    if ctx.args.multipath:
        extravars["multipath"] = True
    result, volume = run_on_volume(ctx, "volume_resize.yml", extravars,
                                   "extend %s %s" % (ctx.args.volume, ctx.args.new_size), "extending volume %s")
    _playbook_report(ctx, result, dict(volume=volume["name"], size=ctx.args.new_size,
                                       grow_filesystem=ctx.args.grow_filesystem),
                     "extended volume %s (%s) to %d GB" % (vol.label(volume), volume["name"], ctx.args.new_size))


def service_list(ctx):
    # One run: host_state on every host at once; a host that does not answer is listed as down.
    extravars = vg_args(ctx)
    if ctx.args.backend:
        extravars["backend"] = ctx.args.backend
    result = ctx.runner.playbook("service_list.yml", extravars, title="service-list")
    rows = service_rows(result)
    if not rows:
        check(result, "listing the services")
        raise OperationFailed("service-list ran on no host: the inventory %s has no host in group controller or compute"
                              % ctx.runner.inventory, artifacts=result.artifacts)
    ctx.emit(to_json({"services": rows}) if ctx.args.json else service_table(rows))
    down = [row for row in rows if row["state"] != "up"]
    if down or not result.ok:
        problems = [("%s %s on %s is %s" % (row["part"], row["service"], row["host"], row["status"]) if row["part"]
                     else "%s is %s: %s" % (row["host"], row["status"], row["msg"])) for row in down]
        raise OperationFailed("not every service is up: %s" % ("; ".join(problems) or result.error_message()),
                              artifacts=result.artifacts)


def service_rows(result):
    """One row per service of each host: host, part, service, status (systemd's ActiveState, or
    missing / unreachable), state (up or down) and when the host answered (UTC)."""
    listed = result.stats_data().get("service_list") or {}
    answered = dict((r.host, r.end) for r in result.module_results("host_state"))
    rows = []
    for name in sorted(listed):
        host = listed[name]
        parts = [part for part in ("target", "initiator") if host.get(part)]
        installed = host.get("services") or {}
        for part, units in zip(parts, host.get("wanted") or []):
            unit = next((unit for unit in units if unit in installed), None)
            status = installed[unit]["active_state"] if unit else "missing"
            rows.append(dict(host=name, part=part, service=unit or " or ".join(units), status=status,
                             state="up" if status == "active" else "down", updated_at=answered.get(name)))
        if host.get("vg"):
            rows.append(dict(host=name, part="target", service="volume group %s" % host["vg"],
                             status="present" if host.get("vg_up") else "missing",
                             state="up" if host.get("vg_up") else "down", updated_at=answered.get(name)))
    for failure in result.failures():
        if failure.host not in listed:
            rows.append(dict(host=failure.host, part=None, service=None, status=failure.status, state="down",
                             updated_at=None, msg=failure.message()))
    return rows


def service_table(rows):
    return table(["Host", "Part", "Service", "Status", "State", "Updated"],
                 [[row["host"], row["part"] or "", row["service"] or row.get("msg") or "", row["status"], row["state"],
                   (row["updated_at"] or "")[:19].replace("T", " ")] for row in rows])


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


# Where the playbooks put the backups by default (playbooks/volume_backup.yml, roles/volume_backup).
DEFAULT_DESTINATION = "/srv/backups/volumes"
DEFAULT_REPOSITORY = "/srv/backups/restic"
DEFAULT_PASSWORD_FILE = "/etc/novavolume/restic-password"


def backup_list(ctx):
    """The backups of one volume in both formats, one module call: volume_backup_info finds them
    by the volume's LV name (its integer id through nova's template), so a deleted volume's
    backups are listed too."""
    name = vol.lv_name(ctx.args.volume, vol.NAME_TEMPLATE)
    args = dict(volume=name, destination=ctx.args.destination or DEFAULT_DESTINATION,
                repository=ctx.args.repository or DEFAULT_REPOSITORY,
                password_file=ctx.args.password_file or DEFAULT_PASSWORD_FILE)
    result = check(ctx.runner.module("volume_backup_info", args, title="backup-list %s" % name),
                   "listing the backups of volume %s" % ctx.args.volume)
    listed = result.module_results("volume_backup_info")
    if not listed:
        raise no_controller(ctx, result)
    backups = listed[0].res.get("backups") or []
    if ctx.args.json:
        ctx.emit(to_json(dict(volume=name, backups=backups, repository_found=listed[0].res.get("repository_found"))))
        return
    ctx.emit(backup_table(backups))
    if not backups:
        ctx.note("no backup of volume %s in %s or %s" % (name, args["destination"], args["repository"]))


def restore_files(ctx):
    """Single files or folders of a volume's files backup (restic repository) into a folder on the
    controller, or with --instance onto that compute host: one run of volume_restore_files.yml,
    which refuses a destination that holds anything unless --force."""
    name = vol.lv_name(ctx.args.volume, vol.NAME_TEMPLATE)
    extravars = dict(source_volume=name, paths=ctx.args.paths, destination=ctx.args.destination,
                     force=ctx.args.force)
    extravars.update(_optional(ctx.args, "instance", "snapshot", "member", "repository", "password_file"))
    where = "%s on %s" % (ctx.args.destination, ctx.args.instance) if ctx.args.instance else ctx.args.destination
    result = check(ctx.runner.playbook("volume_restore_files.yml", extravars, title="restore-files %s" % name),
                   "restoring files of volume %s into %s" % (ctx.args.volume, where))
    restored = [r.res for r in result.module_results("volume_restore")]
    if not restored:
        raise no_controller(ctx, result)
    payload = dict(volume=name, instance=ctx.args.instance, destination=ctx.args.destination,
                   paths=restored[0].get("paths"), member=restored[0].get("member"),
                   snapshot_id=restored[0].get("snapshot_id"))
    _playbook_report(ctx, result, payload, "restored %s of volume %s (backup %s) into %s" % (
        ", ".join(restored[0].get("paths") or []), name, (restored[0].get("snapshot_id") or "")[:8], where))


def volume_restore(ctx):
    # One run: volume_restore resolves VOLUME (refusing one attached, or without --force) or, with
    # no VOLUME, names a new volume with the next free id under the volume group's lock of new
    # names; it returns the restored volume as volume_info lists it.
    extravars = dict(vg_args(ctx), archive=ctx.args.archive, force=ctx.args.force)
    if ctx.args.volume:
        extravars["volume_reference"] = ctx.args.volume
    into = ctx.args.volume or "a new volume"
    result = ctx.runner.playbook("volume_restore.yml", extravars, title="volume-restore %s" % into)
    check_reference(result)
    check(result, "restoring %s into %s" % (ctx.args.archive, into))
    restored = result.module_results("volume_restore")
    if not restored:
        raise no_controller(ctx, result, "volume_restore")
    if not restored[0].res.get("record"):
        raise OperationFailed("the volume was restored but not read back: run `novavol volume-list`",
                              artifacts=result.artifacts)
    volume = vol.normalize(restored[0].res["record"])
    if ctx.args.json:
        ctx.emit(to_json(dict(volume=volume, changed=result.changed(), results=summary(result))))
    else:
        show_volume(ctx, volume)
    ctx.note("restored %s into volume %s (%s)" % (ctx.args.archive, vol.volume_id(volume["name"]), volume["name"]))


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
    parser.add_argument("--snapshot-id", "--snapshot_id", dest="snapshot_id", metavar="SNAPSHOT",
                        help="make the volume from this snapshot (id or LV name from snapshot-list)")
    parser.add_argument("--source-volid", "--source_volid", dest="source_volid", metavar="VOLUME",
                        help="make the volume a clone of this volume (id or LV name), attached or not; a copy "
                             "(any clone but a thin one of a thin source) shows its progress on stderr")
    parser.add_argument("size", metavar="SIZE_GB", type=_positive_size, nargs="?",
                        help="size in GB (a clone takes its source's size without it)")


def _snapshot_create(parser):
    _volume_arg(parser)
    parser.add_argument("--display-name", "--display_name", dest="display_name", metavar="NAME")
    parser.add_argument("--size", metavar="SIZE_GB", type=_positive_size,
                        help="copy-on-write space in GB, needed for the snapshot of a thick volume")


def _snapshot_arg(parser):
    parser.add_argument("snapshot", metavar="SNAPSHOT", help="integer id or LV name from snapshot-list")


def _delete(parser):
    _volume_arg(parser)
    parser.add_argument("--force", action="store_true", help="delete even when in-use")


def _attach(parser):
    parser.add_argument("instance", metavar="INSTANCE", help="compute host (inventory name)")
    _volume_arg(parser)
    parser.add_argument("device", metavar="DEVICE", type=_device, help="device name, e.g. /dev/vdb")
    parser.add_argument("--mutual-chap", action="store_true",
                        help="the target proves itself to the compute host too (bidirectional CHAP)")
    parser.add_argument("--multipath", action="store_true",
                        help="log in on every portal of the export (iscsi_target_portal_addresses) and use the "
                             "dm-multipath map (the compute host needs iscsi_initiator_multipath)")


def _detach(parser):
    parser.add_argument("instance", metavar="INSTANCE", help="compute host (inventory name)")
    _volume_arg(parser)
    parser.add_argument("--force", action="store_true", help="log out even while the disk is mounted or held")


def _extend(parser):
    _volume_arg(parser)
    parser.add_argument("new_size", metavar="NEW_SIZE", type=_positive_size, help="the new size in GB")
    parser.add_argument("--grow-filesystem", action="store_true",
                        help="on the compute host it is attached to, also grow the last partition and the "
                             "mounted ext4 or xfs file system, online")
    parser.add_argument("--multipath", action="store_true",
                        help="treat the attachment as a multipath one (rescan every path, resize the dm-multipath "
                             "map) when its record does not say so: volume-attach --multipath records it")


def _service_list(parser):
    parser.add_argument("--backend", choices=("lio", "tgt", "iet"),
                        help="the controllers' target backend (default: the inventory's iscsi_target_backend, or lio)")


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


def _repository_options(parser):
    """The restic repository a backup command reads, and its password file."""
    parser.add_argument("--repository", help="the restic repository (default: %s)" % DEFAULT_REPOSITORY)
    parser.add_argument("--password-file", dest="password_file",
                        help="the repository's password file (default: %s)" % DEFAULT_PASSWORD_FILE)


def _backup_list(parser):
    parser.add_argument("volume", metavar="VOLUME", help="integer id or LV name (also of a deleted volume)")
    parser.add_argument("--destination", help="the archives' folder on the controller (default: %s)"
                                              % DEFAULT_DESTINATION)
    _repository_options(parser)


def _restore_files(parser):
    parser.add_argument("volume", metavar="VOLUME", help="integer id or LV name (also of a deleted volume)")
    parser.add_argument("paths", metavar="PATH", nargs="+",
                        help="a file or folder in the volume's file system, as the instance sees it (etc/hosts)")
    parser.add_argument("--destination", required=True, metavar="DIR",
                        help="the folder they go into (with their paths below it); must hold nothing unless --force")
    parser.add_argument("--instance", metavar="HOST", help="put them on this compute host (default: the controller)")
    parser.add_argument("--snapshot", help="the backup's id from backup-list (default: the latest)")
    parser.add_argument("--member", help="the file system (volume or part<N>) when the backup holds several")
    parser.add_argument("--force", action="store_true", help="replace the restored paths in a destination that holds files")
    _repository_options(parser)


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
    Command("volume-create", "Add a new volume (empty, or from a snapshot or another volume).", volume_create, _create,
            _size_or_source),
    Command("volume-list", "List all the volumes.", volume_list),
    Command("volume-show", "Show details about a volume.", volume_show, _volume_arg),
    Command("volume-delete", "Remove a volume.", volume_delete, _delete),
    Command("volume-attach", "Attach a volume to a compute host.", volume_attach, _attach),
    Command("volume-detach", "Detach a volume from a compute host.", volume_detach, _detach),
    Command("extend", "Grow a volume; an attached one grows on its compute host too (online).", extend, _extend),
    Command("pool-list", "List the thin pools: use, oversubscription and state.", pool_list),
    Command("snapshot-create", "Add a new snapshot of a volume (attached or not).", snapshot_create, _snapshot_create),
    Command("snapshot-list", "List all the snapshots.", snapshot_list),
    Command("snapshot-delete", "Remove a snapshot.", snapshot_delete, _snapshot_arg),
    Command("snapshot-revert", "Put a detached volume back as it was in a snapshot (uses the snapshot up).",
            snapshot_revert, _snapshot_arg),
    Command("volume-backup", "Back up a volume (snapshot, copy, drop the snapshot).", volume_backup, _backup),
    Command("backup-verify", "Verify the backup repository; name damaged data and the backups it touches.",
            backup_verify, _backup_verify),
    Command("backup-list", "List the backups of a volume: time, format, size, what each added, id.",
            backup_list, _backup_list),
    Command("restore-files", "Restore files or folders of a volume's backup onto the controller or a compute host.",
            restore_files, _restore_files),
    Command("volume-restore", "Restore a backup archive into a new volume, or over a detached one.",
            volume_restore, _restore),
    Command("diagnose", "Probe the attachments (of one volume or all) from their compute hosts.", diagnose,
            _diagnose),
    Command("recover", "Free a volume stuck in-use after its compute host died or lost the network.", recover,
            _volume_arg),
    Command("service-list", "List every host's part and whether its services and volume group are up.", service_list,
            _service_list),
    Command("lab", "Bring the UML lab up or down, or show whether it is reachable.", lab, _lab),
)
