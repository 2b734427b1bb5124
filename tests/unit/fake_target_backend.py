"""A fake of the target backend that targets.load_backend() gives (LIO, tgt or iet), for the
controller modules' tables: it serves a case's exports and records the exports removed."""

from ansible_collections.novavolume.lvm_iscsi.tests.unit.lock_probe import target_configuration_locked


class FakeTargetBackend:
    """Serves `exports`, a case's list of exports (dicts with their iqn; None: the case fails before
    any export is read), and records each removal as [iqn, force]."""

    def __init__(self, exports):
        self._exports = None if exports is None else dict((export["iqn"], dict(export)) for export in exports)
        self.removed = []

    def exports(self):
        assert self._exports is not None, "the exports were read, but this case fails before reading them"
        # A target_export or an attach at the same moment makes its target step by step, then
        # records the attachment, under this lock: read without it, an export can be half made.
        assert target_configuration_locked(), "the exports were read without the target configuration's lock"
        return dict((iqn, dict(export)) for iqn, export in self._exports.items())

    def remove_export(self, iqn, force=False):
        self.removed.append([iqn, force])
        return self._exports.pop(iqn, None) is not None
