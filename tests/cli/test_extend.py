"""novavol extend: one run of volume_resize.yml, which resolves the volume and grows it (on its
compute host too when it is attached), replayed from fixtures recorded against fakelab.py."""


def test_extend_is_one_playbook_run_that_resolves_the_volume(cli):
    run = cli(["extend", "web data", "12", "--grow-filesystem"], [("playbook", "volume_resize.yml", "extend")])
    assert run.code == 0
    assert run.calls == [("playbook", "volume_resize.yml",
                          dict(volume_reference="web data", size=12, grow_filesystem=True))]
    assert run.stdout.splitlines()[0] == "[controller1]"
    assert "  volume-00000001 is 12 GB (grow, grow file system)" in run.stdout
    assert "extended volume 1 (volume-00000001) to 12 GB" in run.stderr


def test_extend_with_json_says_what_changed(cli):
    run = cli(["extend", "web data", "12", "--grow-filesystem", "--json"], [("playbook", "volume_resize.yml", "extend")])
    assert run.code == 0
    out = run.json()
    assert (out["volume"], out["size"], out["grow_filesystem"], out["changed"]) == ("volume-00000001", 12, True, True)


def test_extend_without_grow_filesystem_asks_for_none(cli):
    run = cli(["extend", "web data", "11"], [("playbook", "volume_resize.yml", "extend_shrink_refused")])
    assert run.calls == [("playbook", "volume_resize.yml",
                          dict(volume_reference="web data", size=11, grow_filesystem=False))]


def test_extend_with_multipath_asks_for_every_path(cli):
    run = cli(["extend", "web data", "12", "--multipath"], [("playbook", "volume_resize.yml", "extend")])
    assert run.code == 0
    assert run.calls == [("playbook", "volume_resize.yml",
                          dict(volume_reference="web data", size=12, grow_filesystem=False, multipath=True))]


def test_a_smaller_size_is_refused_with_the_modules_message(cli):
    run = cli(["extend", "web data", "11"], [("playbook", "volume_resize.yml", "extend_shrink_refused")])
    assert run.code == 1
    assert ("extending volume 1 failed: controller1: Resize volume-00000001: refusing to shrink volume "
            "volume-00000001 from 12.0 GiB to 11 GiB") in run.stderr


def test_extend_needs_a_positive_whole_size(cli, capsys):
    run = cli(["extend", "1", "0"])
    assert run.code == 2 and run.calls == []
    assert "size must be a whole number of GB greater than zero" in capsys.readouterr().err
