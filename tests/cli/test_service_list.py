"""novavol service-list: one run of the real service_list.yml (over fakelab's host_state), one
row per service of each host, as nova-manage service list showed nova's."""

import json


def test_service_list_is_one_run_with_a_row_per_service(cli):
    run = cli(["service-list"], [("playbook", "service_list.yml", "service_list")])
    assert run.code == 0
    assert run.calls == [("playbook", "service_list.yml", {})]
    lines = run.stdout.splitlines()
    assert [cell.strip() for cell in lines[1].split("|")[1:-1]] == ["Host", "Part", "Service", "Status", "State", "Updated"]
    rows = [[cell.strip() for cell in line.split("|")[1:-1]] for line in lines[3:-1]]
    assert [row[:5] for row in rows] == [
        ["compute1", "initiator", "iscsid", "active", "up"],
        ["controller1", "target", "rtslib-fb-targetctl", "active", "up"],
        ["controller1", "target", "volume group nova-volumes", "present", "up"],
    ]
    # When each host answered: the end of its host_state call, to the second.
    assert all(len(row[5]) == 19 and row[5][10] == " " for row in rows)


def test_service_list_json_has_the_answer_times(cli):
    run = cli(["service-list", "--json"], [("playbook", "service_list.yml", "service_list")])
    assert run.code == 0
    services = run.json()["services"]
    assert [(s["host"], s["service"], s["state"]) for s in services] == [
        ("compute1", "iscsid", "up"), ("controller1", "rtslib-fb-targetctl", "up"),
        ("controller1", "volume group nova-volumes", "up")]
    assert all(s["updated_at"].endswith("+00:00") for s in services)


def test_a_service_that_is_down_is_listed_and_exits_1(cli):
    run = cli(["service-list"], [("playbook", "service_list.yml", "service_list_iscsid_down")])
    assert run.code == 1
    assert "| compute1    | initiator | iscsid" in run.stdout
    assert "not every service is up: initiator iscsid on compute1 is failed" in run.stderr


def test_service_list_passes_the_backend(cli):
    run = cli(["service-list", "--backend", "tgt"], [("playbook", "service_list.yml", "service_list")])
    assert run.calls == [("playbook", "service_list.yml", dict(backend="tgt"))]


def test_a_host_that_does_not_answer_is_listed_down(cli):
    run = cli(["service-list", "--json"], [("playbook", "service_list.yml", "service_list_unreachable")])
    assert run.code == 1
    # The listing, then the error: two JSON documents.
    listing, end = json.JSONDecoder().raw_decode(run.stdout)
    services = listing["services"]
    assert [(s["host"], s["status"], s["state"], s["updated_at"]) for s in services] == [
        ("controller1", "unreachable", "down", None)]
    assert "Connection refused" in services[0]["msg"]
    assert json.loads(run.stdout[end:])["error"].startswith("not every service is up: controller1 is unreachable: ")
