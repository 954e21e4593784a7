"""One interface for the backends (hosts/backends.py): each makes, takes down, reports and
checks its hosts and reads one setting of its own; the CLI calls them without knowing which
backend it has."""

from __future__ import annotations

import inspect
import re

from hosts import backends, cli, inventory
from hosts.onebox import engines
from hosts.vm import recipe
from tests.support.paths import ROOT


def test_every_backend_has_the_whole_interface_with_its_signatures():
    methods = {name: inspect.signature(member) for name, member in
               inspect.getmembers(backends.Backend, inspect.isfunction) if not name.startswith("_")}
    assert set(methods) == {"up", "down", "status", "doctor", "stop_docker", "start_docker"}
    for backend in backends.BACKENDS.values():
        for name, signature in methods.items():
            assert inspect.signature(getattr(type(backend), name)) == signature, (backend, name)


def test_each_backend_reads_one_setting_of_its_own_with_the_lab_s_record_as_default():
    onebox, vm = backends.BACKENDS["onebox"], backends.BACKENDS["vm"]
    assert (onebox.setting, onebox.allowed, onebox.default) == ("engine", engines.choices(), "system")
    assert (vm.setting, vm.allowed, vm.default) == ("debian", recipe.SUITES, recipe.SUITE)
    assert {b.setting: b.default for b in backends.BACKENDS.values()} == inventory.CHOICES


def test_the_cli_never_branches_on_a_backend_s_name():
    source = inspect.getsource(cli)
    assert not re.search(r"""==\s*["'](vm|onebox)["']|["'](vm|onebox)["']\s*==""", source)
    assert "from hosts import vm" not in source
    makefile = (ROOT / "Makefile").read_text()
    assert set(re.search(r"^BACKENDS := (.*)$", makefile, re.M)[1].split()) == {  # type: ignore[index]
        *backends.BACKENDS, "vagrant"}
