"""Loading the lab image into every VM's dockerd: `docker load` with the archive on stdin.

There is no registry and no engine on the machine: the archive is the one
hosts.image builds (fixed bytes, so the same image ID everywhere), and it
travels over each VM's SSH session.
"""

from __future__ import annotations

from pathlib import Path

from hosts.paths import LabPaths
from hosts.report import Reporter, StepError
from hosts.vm import inventory, remote

IMAGE_ID = "docker image inspect --format '{{.Id}}' "


def load_image(lab_dir: Path, archive: bytes, image: str, image_id: str, report: Reporter) -> None:
    lab = LabPaths(lab_dir)
    for rec in inventory.read(lab):
        with report.step(f"image {image}", rec["name"]) as notes:
            client = remote.connect(lab, int(rec["ssh"]["port"]))
            try:
                _, out, _ = remote.run(client, IMAGE_ID + image)
                if out.strip() == image_id:
                    notes.append("present")
                    continue
                code, out, err = remote.run(client, "docker load --quiet", stdin=archive, timeout=300)
                if code != 0:
                    raise StepError("docker load", (err or out).strip(), rec["name"])
                _, out, _ = remote.run(client, IMAGE_ID + image)
                if out.strip() != image_id:
                    found = out.strip()
                    raise StepError("docker load", f"image ID {found}, expected {image_id}", rec["name"])
                notes.append("loaded")
            finally:
                client.close()
