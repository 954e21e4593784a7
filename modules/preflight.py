"""Read-only checks of every host before anything changes on it.

Each host answers SSH with its verified key, its dockerd answers, the macvlan parent
interface exists, a host the stack impairs (swarmlab:links) has netem and, before the lab is
built or changed, the images the lab runs there are on it (pulled, as the swarm would, when
they are not); with several managers, raft has quorum. Every problem found, on every
host, is reported at once, so a broken host gives one clear error instead of a half-built
lab. The Preflight resource runs them in every `pulumi up` (modules.providers.preflight);
the program runs them itself in a preview, which creates nothing.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

from modules.docker import releases
from modules.spec import LabSpec
from modules.spec.links import PROBE, PROBE_NOT_ASKED
from modules.ssh import RemoteError, Target, run

LOST_QUORUM = ("does not have a leader", "context deadline exceeded")


def _image_script(index: int, image: str, pull_seconds: int) -> str:
    """`image<index>=0` when the image is on the host or a pull brings it; else the exit code
    and pull's last line (a host without a registry answers at once). printf, not echo: dash's
    echo would read backslashes in pull's output."""
    quoted = shlex.quote(image)
    return (f"if docker image inspect --format . -- {quoted} >/dev/null 2>&1; then "
            f"echo image{index}=0; else out=$(timeout -k 5 {pull_seconds} docker pull -q -- "
            f"{quoted} 2>&1); rc=$?; printf 'image{index}=%s %s\\n' \"$rc\" \"$(printf %s "
            f"\"$out\" | tail -n 1 | tr -cd '[:print:]' | cut -c1-160)\"; fi")


def _pull_seconds(target: Target, images: Sequence[str]) -> int:
    """Each pull's share of the round trip's time limit, so a slow pull is named as such."""
    return max(10, int(target.command_timeout * 0.8) // max(1, len(images)))


def _missing_images(target: Target, images: Sequence[str], status: dict[str, str]) -> list[str]:
    problems = []
    for index, image in enumerate(images):
        code, _, said = status.get(f"image{index}", "1 no answer").partition(" ")
        if code != "0":
            why = "timed out" if code in ("124", "137") else said.strip() or f"exit {code}"
            problems.append(f"{target.label}: image {image!r} is not on this host and `docker "
                            f"pull` did not bring it ({why}); load it there (`docker load`, "
                            "README: Your own SSH hosts), or name an image the hosts have "
                            "(swarmlab:image, swarmlab:services)")
    return problems


_ANSWER = re.compile(r"(docker|parent|netem|image\d+)=(.*)")


def _netem_problem(target: Target, code: str | None) -> str | None:
    """What the netem probe's exit code says is wrong (None: the kernel has netem)."""
    if code == "0":
        return None
    if code == str(PROBE_NOT_ASKED):
        return (f"{target.label}: swarmlab:links impairs this host, and its kernel could not be "
                "asked for sch_netem (netem): no scratch link could be made (ip and tc need "
                "root; the SSH user must be root); nothing was changed")
    return (f"{target.label}: the kernel has no sch_netem (netem), which swarmlab:links asks for "
            "on this host; use a kernel with it (the VM lab's have it; the one-box hosts share "
            "this machine's, which has none) or leave the host out of swarmlab:links")


def check_host(target: Target, parent: str, images: Sequence[str] = (),
               netem: bool = False) -> list[str]:
    """The problems found on one host (empty when it is ready); with `images`, those it must
    have (pulled when it has not); with `netem`, whether its kernel has netem (a scratch
    link, made and removed: the lab's own are not touched)."""
    # One round trip: docker's answer, whether the parent link exists, netem, then the images.
    script = (f"docker info --format '{{{{.ServerVersion}}}}' 2>&1; echo \"docker=$?\"; "
              f"ip -o link show {shlex.quote(parent)} >/dev/null 2>&1; echo \"parent=$?\"")
    if netem:
        script += f"; ( {PROBE} ) >/dev/null 2>&1; echo \"netem=$?\""
    pull_seconds = _pull_seconds(target, images)
    script += "".join(f"; {_image_script(i, image, pull_seconds)}"
                      for i, image in enumerate(images))
    try:
        result = run(target, script, check=False)
    except RemoteError as err:
        return [str(err)]
    lines = result.stdout.strip().splitlines()
    answered = [m for m in map(_ANSWER.fullmatch, lines) if m]
    status = {m[1]: m[2] for m in answered}
    problems = []
    detail = " ".join(line for line in lines if not _ANSWER.fullmatch(line)).strip()
    if status.get("docker") != "0":
        problems.append(f"{target.label}: dockerd does not answer ({detail}); start it "
                        "(one-box hosts: `python -m hosts up`) and run `pulumi up` again")
    elif (why := releases.broken(version := detail.split()[-1] if detail else "")) is not None:
        # The version is docker info's last line (a warning may come before it).
        problems.append(f"{target.label}: Docker {version} cannot run this lab: {why}; run "
                        "another engine there")
    if status.get("parent") != "0":
        problems.append(f"{target.label}: swarmlab:macvlan.parent {parent!r} is not an interface "
                        f"on this host; set swarmlab:macvlan.parent to one that is (see "
                        f"`ip -o link` on {target.name})")
    if netem and (why_not := _netem_problem(target, status.get("netem"))) is not None:
        problems.append(why_not)
    if status.get("docker") == "0":
        problems += _missing_images(target, images, status)
    return problems


def lost_quorum(leader: Target, managers: int, answering: int) -> bool:
    """Raft needs a majority of managers: fewer answer, or the leader says it has none."""
    if answering < managers // 2 + 1:
        return True
    try:
        result = run(leader, "docker info --format '{{.Swarm.ControlAvailable}}' 2>&1 | "
                     "grep -q true && docker node ls -q 2>&1", check=False)
    except RemoteError:
        return False  # check_host reports unreachable hosts
    return any(marker in result.stdout for marker in LOST_QUORUM)


def check_hosts(hosts: Sequence[tuple[Target, str]], parent: str,
                images: Mapping[str, Sequence[str]] | None = None,
                netem: Collection[str] = ()) -> list[str]:
    """Every problem on these (target, role) hosts, each with the images it must have, and
    netem on those named in `netem`; the first manager leads."""
    wanted = images or {}
    with ThreadPoolExecutor(max_workers=max(1, len(hosts))) as pool:
        found = list(pool.map(lambda h: check_host(h[0], parent, wanted.get(h[0].name, ()),
                                                   h[0].name in netem), hosts))
    problems = [problem for host_problems in found for problem in host_problems]
    managers = [(target, problems_there) for (target, role), problems_there in
                zip(hosts, found, strict=True) if role == "manager"]
    answering = sum(1 for _, problems_there in managers if not problems_there)
    if len(managers) > 1 and lost_quorum(managers[0][0], len(managers), answering):
        leader = managers[0][0]
        problems.append(
            f"{leader.label}: the swarm has lost quorum: raft needs {len(managers) // 2 + 1} of "
            f"its {len(managers)} managers online, and {answering} answer. Start the stopped "
            "managers' dockerd (one-box hosts: `python -m hosts up`), or, if they are gone for "
            "good, run `docker swarm init --force-new-cluster` on a surviving manager")
    return problems


def images_by_host(spec: LabSpec) -> dict[str, list[str]]:
    """What each host runs: the lab image (probes, demos) and its pinned services' images."""
    return {h.name: sorted({spec.image, *(s.image for s in spec.services if s.node == h.name)})
            for h in spec.hosts}


def check_all(spec: LabSpec) -> list[str]:
    """What a preview checks: every host but not its images (a preview pulls nothing; the
    Preflight resource's create checks them); netem where swarmlab:links impairs a host (on
    a scratch link, made and removed at once: the lab's own are not touched)."""
    return check_hosts([(Target.for_host(spec, h), h.role) for h in spec.hosts],
                       spec.macvlan.parent, netem=list(spec.links))
