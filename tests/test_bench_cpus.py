"""The benchmark's --engine-cpus: CPU lists read, and a process confined for real."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bench import cpus


@pytest.mark.parametrize(("text", "expected"), [("0", {0}), ("0,2", {0, 2}), ("1-3", {1, 2, 3}), (" 0 , 2-3", {0, 2, 3})])
def test_a_cpu_list_is_read_as_linux_writes_it(text, expected):
    assert cpus.parse(text) == expected


@pytest.mark.parametrize("text", ["", "a", "1-", "-1", "0;1", "1-b"])
def test_anything_else_is_refused_with_an_example(text):
    with pytest.raises(ValueError, match="e.g. 0"):
        cpus.parse(text)


def test_the_engine_cannot_take_every_cpu_nor_one_the_machine_lacks():
    available = os.sched_getaffinity(0)
    with pytest.raises(ValueError, match="no CPU would be left"):
        cpus.split(set(available))
    with pytest.raises(ValueError, match="not among"):
        cpus.split({max(available) + 1})


def test_every_thread_of_a_process_is_confined():
    available = sorted(os.sched_getaffinity(0))
    child = subprocess.Popen([sys.executable, "-c", "import threading, time\n"
                              "threading.Thread(target=time.sleep, args=(30,), daemon=True).start()\n"
                              "print('ready', flush=True); time.sleep(30)"], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        assert cpus.confine_process(child.pid, {available[0]}) == 2
        for task in os.listdir(f"/proc/{child.pid}/task"):
            assert os.sched_getaffinity(int(task)) == {available[0]}
    finally:
        child.kill()
        child.wait()
