# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Volume names made from nova's template (volume-%08x: id 26 is volume-0000001a), and a volume
as a person names it: that integer id, the LV name or the display name.

The volume module names new volumes from a template; volume_info resolves a reference on the
controller, in the same run that then acts on the volume, so that
`novavol volume-attach compute1 7 /dev/vdb` is one run and not a listing first."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import validation
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.validation import ValidationError

# One printf conversion, %d or %x, optionally zero-padded, between characters of volume names.
NAME_TEMPLATE = re.compile(r"^([a-z0-9.-]*)%(0[1-9][0-9]?)?([dx])([a-z0-9.-]*)$")
TEMPLATE_IDS = dict(d="[0-9]+", x="[0-9a-f]+")


class NameTemplate:
    """A template such as nova's volume-%08x, and the ids of the names made from it."""

    def __init__(self, template):
        match = NAME_TEMPLATE.match(template or "")
        if not match:
            raise ValidationError(
                "invalid name_template %r: give one %%d or %%x conversion (optionally zero-padded, as in "
                "volume-%%08x) between lower-case letters, digits, '.' or '-'" % (template,))
        self.template = template
        self.base = 16 if match.group(3) == "x" else 10
        self.pattern = re.compile("^%s(%s)%s$" % (re.escape(match.group(1)), TEMPLATE_IDS[match.group(3)],
                                                  re.escape(match.group(4))))
        validation.volume_name(self.name(1))

    def name(self, number):
        return self.template % number

    def number(self, name):
        """The id of `name`, or None for a name the template does not make (volume-1 is not
        made by volume-%08x)."""
        match = self.pattern.match(name)
        if not match:
            return None
        number = int(match.group(1), self.base)
        return number if self.name(number) == name else None

    def next_name(self, names):
        numbers = [number for number in (self.number(name) for name in names) if number is not None]
        return self.name(max(numbers) + 1 if numbers else 1)


class UnresolvedReference(Exception):
    """No volume, or more than one, answers to a reference; `kind` is not_found or ambiguous."""

    def __init__(self, kind, message):
        super(UnresolvedReference, self).__init__(message)
        self.kind = kind


def resolve(volumes, reference, template):
    """The one volume of `volumes` (records with name and display_name) that `reference` means:
    an integer id (through the NameTemplate `template`), an LV name or a display name.

    A reference that matches different volumes in different ways (id 7, and another volume whose
    display name is "7"), or a display name several volumes share, is refused: guessing could
    attach or delete the wrong disk."""
    reference = reference.strip()
    matches = {}
    if reference.isdigit():
        for volume in volumes:
            if template.number(volume["name"]) == int(reference):
                matches.setdefault(volume["name"], (volume, "id"))
    for how, key in (("LV name", "name"), ("display name", "display_name")):
        for volume in volumes:
            if volume.get(key) == reference:
                matches.setdefault(volume["name"], (volume, how))
    if not matches:
        raise UnresolvedReference(
            "not_found", "no volume %r: give an id, LV name or display name from `novavol volume-list`" % reference)
    if len(matches) > 1:
        described = ", ".join("%s (%s by %s)" % (label(volume, template), volume["name"], how)
                              for volume, how in matches.values())
        raise UnresolvedReference(
            "ambiguous", "volume %r is ambiguous, it matches %s: use the LV name" % (reference, described))
    return next(iter(matches.values()))[0]


def refusal(volume, reference, refuse_error=False, attached_to=None, refuse_in_use=False):
    """Why nova would refuse to act on `volume` (a record as volume_info lists it), which
    `reference` resolved to, or None. The checks, in nova's order:
      refuse_error   a volume in error (attach);
      attached_to    a volume recorded as attached to another host than this one (detach, and an
                     attach that does not move the volume with force); None checks nothing;
      refuse_in_use  a volume attached to any host (delete without force).
    The message says what to run instead; every caller fails with it before changing anything."""
    named = "volume %s (%s)" % (reference, volume["name"])
    host = volume.get("attached_to")
    if refuse_error and volume["status"] == "error":
        return ("%s is in error: %s. Look with playbooks/troubleshoot.yml (novavol diagnose %s), then free it with "
                "playbooks/recover_volume.yml (novavol recover %s). Nothing was changed."
                % (named, volume["status_reason"], reference, reference))
    if attached_to and host and host != attached_to:
        return ("%s is attached to %s, not %s: detach it from %s (novavol volume-detach %s %s). Nothing was changed."
                % (named, host, attached_to, host, host, reference))
    if refuse_in_use and host:
        return ("%s is %s on %s: detach it first (novavol volume-detach %s %s), or use force. Nothing was changed."
                % (named, volume["status"], host, host, reference))
    return None


def label(volume, template):
    """How messages name a volume: its id when it has one, else its LV name."""
    number = template.number(volume["name"])
    return str(number) if number is not None else volume["name"]
