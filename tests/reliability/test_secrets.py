"""A join token never reaches a process's command line, on any host: a sampler reads every
process's command line on the worker while it joins. A control first shows the sampler
catches a token passed the old way (`docker swarm join --token "$(cat)"`)."""

from __future__ import annotations

import threading

import pytest

from modules.ssh import Target, run
from tests.support import builder
from tests.support.lab import Lab
from tests.support.live import lab_works, leave, nobody

pytestmark = [pytest.mark.lab, pytest.mark.reliability]

# Counts command lines holding a join token. The pattern is written so that the sampler's
# own command line (which holds the pattern) does not match it.
SAMPLER = ("end=$(( $(date +%s) + {seconds} )); seen=0; "
           "while [ $(date +%s) -lt $end ]; do "
           "n=$(cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' '\\n' | grep -c 'SWMTKN-1[-]'); "
           "seen=$((seen + n)); done; echo $seen")


class Sampler:
    """Samples the command lines of every process on a host for `seconds`, in the background."""

    def __init__(self, target: Target, seconds: int) -> None:
        self.seen = -1
        self.thread = threading.Thread(target=self._sample, args=(target, seconds))

    def _sample(self, target: Target, seconds: int) -> None:
        out = run(target, SAMPLER.format(seconds=seconds), timeout=seconds + 30).stdout
        self.seen = int(out.strip().splitlines()[-1])

    def __enter__(self) -> Sampler:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.thread.join()


def _token(lab: Lab) -> str:
    return str(lab.host("manager").check_output("docker swarm join-token -q worker"))


def test_the_sampler_catches_a_token_on_a_command_line(lab):
    worker = lab.host("worker")
    leave(lab.target("worker"))
    # The old way: the token expanded into docker's argv; towards an address that never
    # answers, so that command line lives for the sampler to see.
    worker.check_output(f"ip neigh replace {nobody(lab)} lladdr 02:00:00:00:00:99 dev eth1 "
                        "nud permanent")
    try:
        with Sampler(lab.target("worker"), 4) as sampler:
            run(lab.target("worker"), 'timeout 3 docker swarm join --token "$(cat)" '
                f'{nobody(lab)}:2377 >/dev/null 2>&1; true', stdin=_token(lab))
        assert sampler.seen > 0, "the sampler did not see a token it should have"
    finally:
        worker.run(f"ip neigh del {nobody(lab)} dev eth1")
        leave(lab.target("worker"))
    builder.pulumi().up()
    assert lab_works(lab) == []


def test_no_token_is_on_any_command_line_while_pulumi_joins_the_worker(lab):
    leave(lab.target("worker"))
    with Sampler(lab.target("worker"), 12) as worker_side, \
            Sampler(lab.target("manager"), 12) as manager_side:
        builder.pulumi().up()
    assert lab.host("worker").check_output("docker info --format '{{.Swarm.LocalNodeState}}'") == "active"
    assert (worker_side.seen, manager_side.seen) == (0, 0)
