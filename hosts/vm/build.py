"""Building the VM image once per recipe: debootstrap, provision.sh, mkfs.ext4 -d.

The image is a Debian root filesystem with the stock kernel, written as a
raw sparse ext4 file (every VM boots a qcow2 overlay on it), plus the
kernel and initrd taken out of it (QEMU boots them directly: no boot
loader, no partition table). It is built in a temporary directory beside
its final place and renamed into it only when whole, under a lock, so two
labs never build the same image twice or see half of one.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hosts.commands import CommandError, clean_env, run
from hosts.onebox import mounts
from hosts.report import Reporter, StepError
from hosts.vm import paths, recipe
from hosts.vm.paths import ImagePaths

DEFAULT_MIRROR = "http://deb.debian.org/debian"
# Sparse: the file takes what is written (about 1 GB), each VM's overlay what it writes.
DISK_SIZE = "8G"
DEBOOTSTRAP_TIMEOUT = 1800.0
HEARTBEAT = 20.0
IN_IMAGE_PROVISION = "usr/local/sbin/swarmlab-provision"
# debootstrap prints a line per package; one progress line per phase is enough.
_PHASES = {
    "Retrieving": "downloading",
    "Validating": "downloading",
    "Extracting": "extracting",
    "Installing": "installing",
    "Unpacking": "unpacking",
    "Configuring": "configuring",
    "Base": "done",
}


def mirror() -> str:
    return os.environ.get("SWARMLAB_DEBIAN_MIRROR", "").strip() or DEFAULT_MIRROR


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _discard(tree: Path) -> None:
    """Remove a build directory, never through a mount a crashed debootstrap left.

    debootstrap mounts /proc and /sys in its target (and may bind /dev/pts);
    rmtree across one of those would delete the machine's own files.
    """
    if not tree.exists():
        return
    mounts.unmount_under(tree)
    left = mounts.under(tree)
    if left:
        raise StepError("image", f"{tree} still has mounts {left}; unmount them, then retry")
    shutil.rmtree(tree)


def _debootstrap(rootfs: Path, r: recipe.Recipe, report: Reporter) -> None:
    """debootstrap with a progress line whenever its phase changes (and a heartbeat)."""
    argv = [
        "debootstrap",
        "--variant=minbase",
        f"--arch={recipe.ARCH}",
        "--components=main",
        f"--include={','.join(r.packages)}",
        r.suite,
        str(rootfs),
        mirror(),
        *([f"/usr/share/debootstrap/scripts/{recipe.SCRIPTS[r.suite]}"]
          if r.suite in recipe.SCRIPTS else []),
    ]
    log = rootfs.parent / "debootstrap.log"
    start = time.monotonic()
    last_phase, last_said = "", start
    with open(log, "w") as out:
        proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            text=True, env=clean_env(),
        )  # fmt: skip
        assert proc.stdout is not None
        for line in proc.stdout:
            out.write(line)
            now = time.monotonic()
            if now - start > DEBOOTSTRAP_TIMEOUT:
                proc.kill()
                break
            # "I: Retrieving libc6 2.36..." -> phase "downloading"
            words = line.split()
            verb = words[1] if len(words) > 1 and words[0] == "I:" else ""
            phase = _PHASES.get(verb, last_phase)
            if phase != last_phase or now - last_said > HEARTBEAT:
                report.say(f"image: debootstrap {line[3:].strip()[:70]} ({now - start:.0f}s)")
                last_phase, last_said = phase, now
        code = proc.wait()
    if code != 0:
        tail = "".join(log.read_text().splitlines(keepends=True)[-5:]).strip()
        raise StepError("image: debootstrap", f"exited {code}: {tail} (whole log: {log})")


def _chroot(rootfs: Path, *args: str, timeout: float = 600.0) -> None:
    run(["chroot", str(rootfs), *args], timeout=timeout)


def _only(rootfs: Path, pattern: str) -> Path:
    found = sorted((rootfs / "boot").glob(pattern))
    if len(found) != 1:
        raise StepError("image", f"expected one /boot/{pattern} in the image, found {len(found)}")
    return found[0]


def _build(image: ImagePaths, tmp: Path, r: recipe.Recipe, report: Reporter) -> dict[str, object]:
    rootfs = tmp / "rootfs"
    rootfs.mkdir()
    start = time.monotonic()
    _debootstrap(rootfs, r, report)
    took_debootstrap = time.monotonic() - start

    report.say("image: provision.sh packages + image (in the chroot)")
    target = rootfs / IN_IMAGE_PROVISION
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(r.provision)
    target.chmod(0o755)
    _chroot(rootfs, "/" + IN_IMAGE_PROVISION, "packages")
    _chroot(rootfs, "/" + IN_IMAGE_PROVISION, "image")

    # Nothing may be mounted in the tree: mkfs.ext4 -d would copy /proc into the image.
    left = mounts.under(rootfs)
    if left:
        raise StepError("image", f"still mounted in the image tree: {left}")
    kernel = _only(rootfs, "vmlinuz-*")
    initrd = _only(rootfs, "initrd.img-*")
    shutil.copyfile(kernel, tmp / image.kernel.name)
    shutil.copyfile(initrd, tmp / image.initrd.name)

    report.say(f"image: mkfs.ext4 -d ({DISK_SIZE} sparse)")
    disk = tmp / image.rootfs.name
    run(["truncate", "-s", DISK_SIZE, str(disk)])
    run(["mkfs.ext4", "-q", "-F", "-L", "swarmlab-root", "-d", str(rootfs), str(disk)], timeout=600)
    used = int(subprocess.run(["du", "-sb", str(rootfs)], capture_output=True, text=True,
                              check=True).stdout.split()[0])  # fmt: skip
    _discard(rootfs)
    return {
        "key": r.key,
        "suite": r.suite,
        "arch": r.arch,
        "packages": list(r.packages),
        "kernel": kernel.name.removeprefix("vmlinuz-"),
        "rootfs_bytes": used,
        "debootstrap_seconds": round(took_debootstrap, 1),
        "build_seconds": round(time.monotonic() - start, 1),
        "mirror": mirror(),
    }


def ensure(report: Reporter, suite: str = recipe.SUITE) -> ImagePaths:
    """The image of the suite's recipe, built first if the cache lacks it."""
    r = recipe.current(suite)
    image = ImagePaths(paths.images_dir() / r.key)
    if image.complete():
        return image
    if os.geteuid() != 0:
        raise StepError("image", "building the VM image needs root (debootstrap, chroot)")
    missing = [t for t in ("debootstrap", "chroot", "mkfs.ext4", "truncate") if not shutil.which(t)]
    if missing:
        raise StepError("image", f"missing {', '.join(missing)}: apt-get install debootstrap e2fsprogs")
    with _locked(paths.images_dir()):
        if image.complete():  # another lab built it while we waited
            return image
        report.say(f"image {r.key}: not cached, building it ({len(r.packages)} packages; minutes)")
        tmp = image.dir.with_name(f".build-{r.key}")
        _discard(tmp)
        tmp.mkdir()
        try:
            manifest = _build(image, tmp, r, report)
            (tmp / image.manifest.name).write_text(json.dumps(manifest, indent=2) + "\n")
            _discard(image.dir)  # an incomplete leftover of an older layout
            os.rename(tmp, image.dir)
        except (CommandError, OSError) as err:
            raise StepError("image", f"{err} (build directory kept: {tmp})") from err
        report.say(f"image {r.key}: built in {manifest['build_seconds']}s")
    return image
