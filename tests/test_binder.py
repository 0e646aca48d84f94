"""Binder and conda: the README's badge opens 00-setup; the image builds the lab with the setuptools that
`license = "MIT"` (a PEP 639 expression) needs, as pyproject's build system does; and both environments
take the lab's dependencies from pyproject.toml, so none can be missing from them."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import tomllib
import yaml
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def test_the_badge_opens_00_setup():
    link = re.search(r"\(https://mybinder\.org/v2/gh/[^)]+\)", (ROOT / "README.md").read_text()).group(0)[1:-1]
    (labpath,) = parse_qs(urlsplit(link).query)["labpath"]
    assert unquote(labpath) == "notebooks/00-setup.ipynb" and (ROOT / unquote(labpath)).exists()


def test_setuptools_77_in_the_build_system_and_in_binder():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["license"] == "MIT"
    build = [Requirement(r) for r in pyproject["build-system"]["requires"] if r.startswith("setuptools")]
    binder = [Requirement(d.replace(" ", "")) for d in yaml.safe_load((ROOT / "binder" / "environment.yml").read_text())
              ["dependencies"] if isinstance(d, str) and d.startswith("setuptools")]
    for requirement in build + binder:
        assert not requirement.specifier.contains(Version("76.9")) and requirement.specifier.contains(Version("77.0"))
    assert build and binder
    assert "--no-build-isolation" in (ROOT / "binder" / "postBuild").read_text()   # so binder's setuptools builds it


@pytest.mark.parametrize("environment", ["binder/environment.yml", "environment.yml"])
def test_the_environments_take_the_dependencies_from_pyproject(environment):
    dependencies = yaml.safe_load((ROOT / environment).read_text())["dependencies"]
    conda = {re.match(r"[\w.-]+", d).group(0) for d in dependencies if isinstance(d, str)}
    assert conda == {"python", "pip", "setuptools"}          # no second list of the lab's packages
    install = [line for d in dependencies if isinstance(d, dict) for line in d["pip"]]
    if environment.startswith("binder/"):
        install = (ROOT / "binder" / "postBuild").read_text().split()
    assert any(word.startswith("-e") or word == "-e" for word in install) and "--no-deps" not in install
