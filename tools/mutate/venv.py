"""The virtualenv that holds mutmut, beside the project's own.

mutmut runs the tests in its own process, so it needs every package the tests import. Rather
than install mutmut and its dependencies into the project's .venv (which requirements.txt
alone describes), .venv-mutate holds the pinned mutmut and reaches the project's packages
through a .pth file; any package both need is held to the project's version by a constraints
file taken from the project's environment.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import sysconfig
from pathlib import Path

PINS = Path(__file__).resolve().with_name("requirements.txt")
VENV_NAME = ".venv-mutate"
STAMP = ".swarmlab-mutate.sha256"
LINK = "swarmlab-project-venv.pth"


def _say(text: str) -> None:
    print(f"[mutate] {text}", file=sys.stderr, flush=True)


def _wanted(root: Path) -> str:
    digest = hashlib.sha256()
    for part in (PINS.read_bytes(), (root / "requirements.txt").read_bytes(), sys.executable.encode()):
        digest.update(part)
    return digest.hexdigest()


def _constraints() -> str:
    """The project environment's versions, as pip constraints (no editable or URL installs)."""
    frozen = subprocess.run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
                            capture_output=True, text=True, check=True).stdout
    return "".join(f"{line}\n" for line in frozen.splitlines() if "==" in line and " @ " not in line)


def ensure(root: Path) -> Path:
    """The mutmut executable of <root>/.venv-mutate, created or updated when the pins change."""
    venv = root / VENV_NAME
    python = venv / "bin" / "python"
    want = _wanted(root)
    stamp = venv / STAMP
    if python.exists() and stamp.exists() and stamp.read_text().strip() == want:
        return venv / "bin" / "mutmut"
    if not python.exists():
        _say(f"creating {VENV_NAME}")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    _say(f"pip install -r {PINS.relative_to(root)} into {VENV_NAME}")
    constraints = venv / "constraints.txt"
    constraints.write_text(_constraints())
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    "-r", str(PINS), "-c", str(constraints)], check=True)
    where = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site_packages = subprocess.run([str(python), "-c", where], capture_output=True, text=True,
                                   check=True).stdout.strip()
    project = sysconfig.get_paths()["purelib"]
    # A .pth line that starts with `import` runs: addsitedir also reads the project's own .pth files.
    (Path(site_packages) / LINK).write_text(f"import site; site.addsitedir({project!r})\n")
    stamp.write_text(want + "\n")
    return venv / "bin" / "mutmut"
