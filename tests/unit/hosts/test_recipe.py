"""The VM image recipe: each suite's package list and the cache key it makes."""

from __future__ import annotations

import pytest

from hosts.vm import recipe


@pytest.mark.parametrize("suite", ["trixie", "forky"])
def test_suites_that_split_the_cli_out_of_docker_io_install_it(suite: str) -> None:
    # Without docker-cli a trixie or forky VM boots with dockerd and no `docker`.
    assert "docker-cli" in recipe.packages(suite)
    assert "docker.io" in recipe.packages(suite)


def test_bookworm_has_no_docker_cli_package() -> None:
    # bookworm's docker.io carries the CLI itself and has no docker-cli to install.
    assert "docker-cli" not in recipe.packages("bookworm")
    assert "docker.io" in recipe.packages("bookworm")


def test_each_suite_has_its_own_image_key() -> None:
    keys = {recipe.current(suite).key for suite in recipe.SUITES}
    assert len(keys) == len(recipe.SUITES)
    assert all(recipe.current(s).key.startswith(f"debian-{s}-") for s in recipe.SUITES)


def test_an_unknown_suite_is_refused_naming_the_allowed_ones() -> None:
    with pytest.raises(ValueError, match=r"DEBIAN='sid'.*bookworm, trixie, forky"):
        recipe.current("sid")
