"""Tables, JSON, progress lines and error messages, all from recorded runner events."""

import io
import json

from novavol import volumes as vol
from novavol.events import copy_progress
from novavol.progress import Progress, choose_mode, copy_text
from novavol.render import property_table, volume_table

from .conftest import load_run


def listed(fixture):
    res = load_run(fixture).module_results("novavolume.lvm_iscsi.volume_info")[0].res
    return sorted((vol.normalize(raw) for raw in res["volumes"]), key=vol.sort_key)


def test_classic_volume_list_table():
    assert volume_table(listed("list_mixed")) == "\n".join([
        "+---------+-----------+--------------+------+-------------+-------------+",
        "| ID      | Status    | Display Name | Size | Volume Type | Attached to |",
        "+---------+-----------+--------------+------+-------------+-------------+",
        "| 1       | in-use    | web data     | 10   | None        | compute1    |",
        "| 7       | available | scratch      | 0.5  | ssd         |             |",
        "| 9       | available | 7            | 2    | None        |             |",
        "| 26      | error     | scratch      | 20   | None        |             |",
        "| backups | available | None         | 50   | None        |             |",
        "+---------+-----------+--------------+------+-------------+-------------+",
    ])


def test_empty_list_is_the_header_alone():
    assert volume_table(listed("list_empty")).splitlines() == [
        "+----+--------+--------------+------+-------------+-------------+",
        "| ID | Status | Display Name | Size | Volume Type | Attached to |",
        "+----+--------+--------------+------+-------------+-------------+",
        "+----+--------+--------------+------+-------------+-------------+",
    ]


def test_property_table_puts_nova_fields_first():
    lines = property_table(listed("list_in_use")[0]).splitlines()
    assert [cell.strip() for cell in lines[1].split("|")[1:3]] == ["Property", "Value"]
    keys = [line.split("|")[1].strip() for line in lines[3:-1]]
    assert keys[:9] == ["id", "name", "status", "status_reason", "display_name", "size", "volume_type",
                        "attached_to", "mountpoint"]
    assert "| status        | in-use" in "\n".join(lines)


def test_run_result_reads_module_results_and_changes():
    create = load_run("create_1")
    assert create.ok and create.changed()
    assert create.module_results("volume")[0].res["volume"]["name"] == "volume-00000001"
    assert not load_run("list_available").changed()


def test_failure_message_is_the_modules_msg_with_host_and_task():
    result = load_run("delete_in_use_failed")
    assert not result.ok
    assert result.error_message() == (
        "controller1: Find the volume 1: volume 1 (volume-00000001) is in-use on compute1: detach it first "
        "(novavol volume-detach compute1 1), or use force. Nothing was changed.")


def test_unreachable_message_points_at_the_lab():
    message = load_run("list_unreachable").error_message()
    assert message.startswith("controller1: ")
    assert "Connection refused" in message and "novavol lab status" in message


def test_plain_progress_one_line_per_task_and_host():
    stream = io.StringIO()
    progress = Progress(stream, "plain")
    progress.start("lab status")
    for event in load_run("ping_ok").events:
        progress.on_event(event)
    progress.finish()
    lines = stream.getvalue().splitlines()
    assert lines[0] == "-> lab status"
    assert sorted(line.split()[:2] for line in lines[1:]) == [["ok", "compute1"], ["ok", "controller1"]]
    assert "\r" not in stream.getvalue()


def test_failed_progress_line_carries_the_message():
    stream = io.StringIO()
    progress = Progress(stream, "plain")
    for event in load_run("delete_in_use_failed").events:
        progress.on_event(event)
    assert "failed      controller1    Find the volume 1: volume 1 (volume-00000001) is in-use" in stream.getvalue()


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_spinner_on_a_terminal_is_cleared_before_result_lines():
    stream = Terminal()
    progress = Progress(stream, choose_mode(stream, 0, False))
    assert progress.mode == "spinner"
    events = load_run("attach").events
    # up to the start of the attach task (the export, which resolves the volume)
    started = next(index for index, event in enumerate(events)
                   if event.get("event") == "playbook_on_task_start"
                   and event["event_data"]["task"] == "Attach my volume to compute1")
    for event in events[:started + 1]:
        progress.on_event(event)
    progress.tick()
    assert stream.getvalue().endswith("Attach my volume to compute1")
    for event in events[started + 1:]:
        progress.on_event(event)
    progress.finish()
    # the export's own result is hidden (no_log): the outcome task after it says what changed
    assert "\r\033[K  ok          controller1    Attach my volume to compute1\n" in stream.getvalue()
    assert "\n  changed     controller1    Tell the export's outcome\n" in stream.getvalue()
    assert stream.getvalue().endswith("\n")


def test_spinner_shows_the_copy_progress_of_the_poll_in_flight():
    stream = Terminal()
    progress = Progress(stream, "spinner")
    events = load_run("lab_create_thick_clone").events
    retries = [index for index, event in enumerate(events) if event.get("event") == "runner_retry"]
    # up to the poll that found half of the copy done
    half = next(index for index in retries if '"copied": 536870912' in events[index]["event_data"]["res"]["stdout"])
    for event in events[:half + 1]:
        progress.on_event(event)
    progress.tick()
    assert stream.getvalue().endswith("Copy progress: 50% (512.0 MiB of 1.0 GiB), 138.4 MiB/s")
    # on a terminal the polls stay in the spinner's line; the end is a line of its own
    assert "copying" not in stream.getvalue().replace("Start copying", "")
    for event in events[half + 1:]:
        progress.on_event(event)
    progress.finish()
    assert "\n  copied      controller1    100% (1.0 GiB of 1.0 GiB) in 8.7 s, 117.7 MiB/s\n" in stream.getvalue()


def test_copy_figures_come_from_a_poll_or_from_the_volume_result():
    poll = dict(stdout_lines=['{"copied": 5, "seconds": 1.0, "total": 10}', "", "copying"])
    assert copy_progress(poll) == dict(copied=5, seconds=1.0, total=10)
    assert copy_progress(dict(stdout_lines=["", "copying"])) is None
    assert copy_progress(dict(stdout_lines=["{not json", "done"])) is None
    assert copy_progress(dict(volume=dict(copy=dict(copied=10, total=10, seconds=2.0)))) == dict(
        copied=10, total=10, seconds=2.0)
    assert copy_progress(dict(volume=dict(name="volume-00000001"))) is None
    assert copy_text(dict(copied=0, total=1024 ** 3, seconds=0)) == "0% (0 B of 1.0 GiB)"


def test_verbose_streams_ansibles_own_output():
    stream = Terminal()
    progress = Progress(stream, choose_mode(stream, 1, False))
    for event in load_run("attach").events:
        progress.on_event(event)
    text = stream.getvalue()
    assert "TASK [Attach my volume to compute1]" in text and "changed: [controller1]" in text


def test_modes():
    assert choose_mode(io.StringIO(), 0, False) == "plain"
    assert choose_mode(Terminal(), 0, True) == "quiet"


def test_json_of_the_list_is_the_normalized_records():
    records = json.loads(json.dumps(listed("list_in_use")))
    assert records[0]["id"] == 1 and records[0]["name"] == "volume-00000001"
    assert records[0]["status"] == "in-use" and records[0]["attached_to"] == "compute1"


def test_volume_list_shows_provisioning_once_a_volume_is_thin():
    # volume_info's records of a thin pool's volumes carry provisioning: thin (thick ones: thick).
    volumes = listed("list_mixed")
    for volume in volumes:
        volume["provisioning"] = "thin" if volume["name"] == "volume-00000007" else "thick"
    lines = volume_table(volumes).splitlines()
    assert lines[1] == "| ID      | Status    | Display Name | Size | Volume Type | Provisioning | Attached to |"
    assert lines[4] == "| 7       | available | scratch      | 0.5  | ssd         | thin         |             |"
    assert lines[3] == "| 1       | in-use    | web data     | 10   | None        | thick        | compute1    |"


def test_volume_show_puts_provisioning_after_the_type():
    volume = dict(listed("list_in_use")[0], provisioning="thin", thin_pool="nova-volumes-pool")
    keys = [line.split("|")[1].strip() for line in property_table(volume).splitlines()[3:-1]]
    assert keys[6:9] == ["volume_type", "provisioning", "thin_pool"]
