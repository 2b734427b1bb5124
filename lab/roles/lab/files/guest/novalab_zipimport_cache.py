# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lab guests only: keep the bytecode of the Python that Ansible's modules import from their zip.

Every module call ships its code and Ansible's module_utils as a zip that Python imports with
zipimport, which compiles each source again at every call and never writes bytecode. In a UML
guest that compiling is about 0.2 s of each ping's 0.8 s. This module, loaded at every Python
start by novalab-zipimport-cache.pth, keeps the compiled code of the files under ansible/ and
ansible_collections/ in CACHE, keyed by their source's hash, as a host with the same sources
installed on disk keeps its __pycache__. Nothing a module does changes; only compiling is
skipped. The benchmarks turn it off (OFF_MARKER) so that their figures are what a real host
pays. Root only: other users cannot write CACHE, so they compile as before.
"""

import marshal
import os
import sys
import zipimport

CACHE = "/var/cache/novalab-zipimport"
OFF_MARKER = "/etc/novavolume-lab/zipimport-cache.off"
_TAG = sys.implementation.cache_tag.encode()
_compile_source = zipimport._compile_source


def _with_filename(code, filename):
    """The cached code with the file name of this call's zip, so that tracebacks name it."""
    consts = tuple(_with_filename(const, filename) if isinstance(const, type(code)) else const
                   for const in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


def cached_compile_source(pathname, source):
    if "/ansible/" not in pathname and "/ansible_collections/" not in pathname:
        return _compile_source(pathname, source)
    # Imported here, not at start-up: every Python program in the guest loads this module.
    import hashlib

    path = os.path.join(CACHE, hashlib.sha1(_TAG + b"\0" + source).hexdigest())
    try:
        with open(path, "rb") as cached:
            return _with_filename(marshal.load(cached), pathname)
    except (OSError, EOFError, ValueError, TypeError):
        pass
    code = _compile_source(pathname, source)
    partial = "%s.%d" % (path, os.getpid())
    try:
        os.makedirs(CACHE, mode=0o700, exist_ok=True)
        with open(partial, "wb") as out:
            marshal.dump(code, out)
        os.replace(partial, path)
    except OSError:
        pass
    return code


def install():
    if not os.path.exists(OFF_MARKER):
        zipimport._compile_source = cached_compile_source


install()
