# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input checks shared by every module: run them all before touching anything."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import os
import re

# A volume's name becomes both an LV name and the last part of a target IQN, so it must fit
# both: IQNs allow only lower-case letters, digits, '.', '-' and ':' (RFC 3722), and LVM
# reserves names starting with '-' or equal to '.'/'..' and some suffixes (_mlog, _rimage...).
VOLUME_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{0,62}$")

# LVM's own rule for VG names: letters, digits and + _ . -, not starting with '-', not . or ..
VG_NAME = re.compile(r"^(?!-)(?!\.{1,2}$)[A-Za-z0-9+_.-]{1,127}$")

# iqn.YYYY-MM.<reversed domain with at least two labels>[:<unique part>]; rtslib refuses a
# naming authority with a single label (iqn.2026-11.lab:x), so we refuse it too, before it does.
IQN = re.compile(
    r"^iqn\.[0-9]{4}-(0[1-9]|1[0-2])\.[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+"
    r"(:[a-z0-9.:-]+)?$"
)
EUI = re.compile(r"^eui\.[0-9A-Fa-f]{16}$")

_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3, "t": 1024 ** 4, "p": 1024 ** 5}
_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgtp]?)(?:i?b)?\s*$", re.IGNORECASE)

GIB = 1024 ** 3


class ValidationError(ValueError):
    """Bad input; the message is meant for the user as it is."""


def volume_name(name):
    if not isinstance(name, str) or not VOLUME_NAME.match(name):
        raise ValidationError(
            "invalid volume name %r: use 1-63 lower-case letters, digits, '.' or '-', starting with a "
            "letter or digit (the name is used as an LV name and inside the target IQN)" % (name,)
        )
    return name


def vg_name(name):
    if not isinstance(name, str) or not VG_NAME.match(name):
        raise ValidationError(
            "invalid volume group name %r: use letters, digits and + _ . - (not starting with '-')" % (name,)
        )
    return name


# LVM's rule for other LV names (a thin pool's, say): the VG name rule, without the prefixes and
# parts LVM reserves for its own sub-LVs.
LV_RESERVED = ("snapshot", "pvmove")
LV_RESERVED_PARTS = ("_cdata", "_cmeta", "_corig", "_mlog", "_mimage", "_pmspare", "_rimage", "_rmeta", "_tdata",
                     "_tmeta", "_vorigin", "_vdata")


def lv_name(name, what="LV name"):
    if (not isinstance(name, str) or not VG_NAME.match(name) or name.startswith(LV_RESERVED)
            or any(part in name for part in LV_RESERVED_PARTS)):
        raise ValidationError(
            "invalid %s %r: use letters, digits and + _ . - (not starting with '-'), not starting with %s "
            "and without LVM's reserved parts (%s)" % (what, name, " or ".join(LV_RESERVED), ", ".join(LV_RESERVED_PARTS))
        )
    return name


def thin_pool_limits(max_ratio, threshold, threshold_option="pool_full_threshold"):
    """The pool safety limits: a positive oversubscription ratio and a use threshold in percent."""
    if max_ratio is None or max_ratio <= 0:
        raise ValidationError("invalid max_over_subscription_ratio %r: give a number above 0 (20.0 as in Cinder)" % (max_ratio,))
    if threshold is None or not 0 < threshold <= 100:
        raise ValidationError("invalid %s %r: give a percentage above 0, at most 100" % (threshold_option, threshold))


def iqn(name, what="IQN"):
    if not isinstance(name, str) or not (IQN.match(name) or EUI.match(name)):
        raise ValidationError(
            "invalid %s %r: expected iqn.YYYY-MM.reversed.domain[:unique] in lower case "
            "(e.g. iqn.2010-10.org.openstack:volume-00000001) or eui.<16 hex digits>" % (what, name)
        )
    return name


def size_bytes(value, default_unit="g"):
    """Parse a size: a bare number is in `default_unit` (GB, as nova's CLI); units are binary.

    Returns a positive int number of bytes; zero, negative and malformed sizes are refused.
    """
    if isinstance(value, bool):
        raise ValidationError("invalid size %r" % (value,))
    if isinstance(value, (int, float)):
        number, unit = float(value), default_unit
    else:
        text = str(value)
        match = _SIZE.match(text)
        if not match:
            raise ValidationError(
                "invalid size %r: give a positive number of GB (e.g. 10) or a number with a unit "
                "(512M, 10G, 1T)" % (value,)
            )
        number, unit = float(match.group(1)), (match.group(2) or default_unit).lower()
    size = int(number * _UNITS[unit])
    if size <= 0:
        raise ValidationError("invalid size %r: a size must be greater than zero" % (value,))
    return size


def absolute_path(path, what="path"):
    if not isinstance(path, str) or not os.path.isabs(path) or "\0" in path:
        raise ValidationError("invalid %s %r: an absolute path is required" % (what, path))
    return os.path.normpath(path)


def session_target(params):
    """The portal and target of a compute host's session (argument_specs group session_target)."""
    try:
        ipaddress.ip_address(params["portal_address"])
    except ValueError:
        raise ValidationError("invalid portal_address %r: the IP address of the target's portal is required"
                              % params["portal_address"])
    if not 0 < params["portal_port"] < 65536:
        raise ValidationError("invalid portal_port %r" % params["portal_port"])
    iqn(params["target_iqn"], "target IQN")


def multipath_portals(params):
    """The further portals of a multipath session (argument_specs group multipath_portals), after
    session_target checked portal_address: IP addresses, none the any-address, none repeated."""
    addresses = [params["portal_address"]] + params["extra_portal_addresses"]
    for address in params["extra_portal_addresses"]:
        try:
            unspecified = ipaddress.ip_address(address).is_unspecified
        except ValueError:
            raise ValidationError("invalid extra_portal_addresses entry %r: an IP address is required" % address)
        if unspecified:
            raise ValidationError("extra_portal_addresses entry %s is the any-address: give the address the compute host logs in to" % address)
    if len(set(addresses)) != len(addresses):
        raise ValidationError("portal_address and extra_portal_addresses repeat an address: %s" % ", ".join(addresses))
