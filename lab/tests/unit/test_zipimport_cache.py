"""roles/lab/files/guest/novalab_zipimport_cache.py: the bytecode the lab's guests keep for the
sources Ansible's modules import from their zip. The lab scenario's checks show it in the guests
(molecule/lab/tests/test_lab.py); here: what is cached, what is read back, and when nothing is."""

import importlib.util
import pathlib
import zipfile
import zipimport

import pytest

HOOK_PY = pathlib.Path(__file__).resolve().parents[2] / "roles" / "lab" / "files" / "guest" / "novalab_zipimport_cache.py"


@pytest.fixture
def hook(tmp_path, monkeypatch):
    """The hook, installed in this process for the test only, with its cache under tmp_path."""
    monkeypatch.setattr(zipimport, "_compile_source", zipimport._compile_source)
    spec = importlib.util.spec_from_file_location("novalab_zipimport_cache_under_test", HOOK_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.CACHE = str(tmp_path / "cache")
    module.OFF_MARKER = str(tmp_path / "off")
    return module


def payload(path, sources):
    """A zip like a module's payload, with the given {member: source}."""
    with zipfile.ZipFile(path, "w") as archive:
        for member, source in sources.items():
            archive.writestr(member, source)
    return str(path)


def load(zip_path, name):
    """Import module `name` (a file under ansible/ or at the top) from the zip, as a module's
    payload does, without keeping it in sys.modules."""
    folder, dummy, name = name.rpartition(".")
    spec = zipimport.zipimporter(zip_path + ("/" + folder if folder else "")).find_spec(name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SOURCES = {
    "ansible/probe.py": "def where():\n    return where.__code__.co_filename\n",
    "plain.py": "VALUE = 1\n",
}


def test_first_call_compiles_and_keeps_the_ansible_sources_only(hook, tmp_path):
    assert zipimport._compile_source is hook.cached_compile_source
    first = payload(tmp_path / "first.zip", SOURCES)
    assert load(first, "ansible.probe").where() == first + "/ansible/probe.py"
    assert load(first, "plain").VALUE == 1
    # ansible/probe.py only: plain.py is compiled as zipimport does.
    assert len(list(pathlib.Path(hook.CACHE).iterdir())) == 1


def test_next_call_reads_the_cache_and_names_its_own_zip(hook, tmp_path, monkeypatch):
    load(payload(tmp_path / "first.zip", SOURCES), "ansible.probe")

    def no_compiling(pathname, source):
        raise AssertionError("compiled %s again" % pathname)

    monkeypatch.setattr(hook, "_compile_source", no_compiling)
    second = payload(tmp_path / "second.zip", SOURCES)
    assert load(second, "ansible.probe").where() == second + "/ansible/probe.py"


def test_a_changed_source_is_compiled_again(hook, tmp_path):
    load(payload(tmp_path / "first.zip", SOURCES), "ansible.probe")
    changed = dict(SOURCES, **{"ansible/probe.py": "def where():\n    return 'changed'\n"})
    assert load(payload(tmp_path / "second.zip", changed), "ansible.probe").where() == "changed"
    assert len(list(pathlib.Path(hook.CACHE).iterdir())) == 2


def test_a_damaged_entry_is_compiled_again(hook, tmp_path):
    first = payload(tmp_path / "first.zip", SOURCES)
    load(first, "ansible.probe")
    for entry in pathlib.Path(hook.CACHE).iterdir():
        entry.write_bytes(b"\xff")
    assert load(first, "ansible.probe").where() == first + "/ansible/probe.py"


def test_an_unwritable_cache_still_imports(hook, tmp_path):
    (tmp_path / "file").write_text("")
    hook.CACHE = str(tmp_path / "file" / "cache")
    zip_path = payload(tmp_path / "first.zip", SOURCES)
    assert load(zip_path, "ansible.probe").where() == zip_path + "/ansible/probe.py"
    assert not list(tmp_path.glob("file/**"))[1:]


def test_the_off_marker_leaves_zipimport_as_it_is(hook, tmp_path):
    compile_source = hook._compile_source
    zipimport._compile_source = compile_source
    (tmp_path / "off").write_text("")
    hook.install()
    assert zipimport._compile_source is compile_source
