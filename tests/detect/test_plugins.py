"""Under selfheal's own interpreter a project's tests load the pytest plugins it uses, not
selfheal's: real pytest runs in the real sandbox, through ``scan``."""

from __future__ import annotations

import sys

from selfheal_local.config import load_config
from selfheal_local.detect.scan import scan
from selfheal_local.project import Project

SEES_PLUGINS = '''
    import sys


    def test_sees_plugins():
        # named in pieces: a project that names a plugin gets it
        assert "_hypo" + "thesis_pytestplugin" not in sys.modules
        assert "any" + "io.pytest_plugin" not in sys.modules
'''


def _scan(root, sandbox) -> tuple[Project, object]:
    project = Project.open(root)
    return project, scan(project, sandbox, tests=True)


def test_a_plugin_the_project_does_not_name_is_not_loaded(sandbox, make_project):
    root = make_project({"tests/test_it.py": SEES_PLUGINS})
    project, result = _scan(root, sandbox)
    assert project.test_env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] == "1"
    assert result.tests.passed == {"tests/test_it.py::test_sees_plugins"}, result.tests.output


def test_a_plugin_the_tests_name_is_loaded(sandbox, make_project):
    root = make_project({"tests/test_it.py": '''
        import pytest


        @pytest.mark.anyio
        async def test_async_runs():
            assert True


        @pytest.fixture
        def anyio_backend():
            return "asyncio"
    '''})
    project, result = _scan(root, sandbox)
    assert "anyio.pytest_plugin" in project.test_env["PYTEST_PLUGINS"]
    assert result.tests.ok and result.tests.passed == {"tests/test_it.py::test_async_runs"}


def test_a_fixture_of_an_unnamed_plugin_brings_every_plugin_back(sandbox, make_project):
    # anyio's plugin provides this fixture; nothing in the project names the plugin itself
    root = make_project({"tests/test_it.py": '''
        def test_uses_a_plugin_fixture(anyio_backend):
            assert anyio_backend
    '''})
    project, result = _scan(root, sandbox)
    assert project.test_env == {}  # the session now loads every plugin
    assert result.tests.ok and result.tests.passed == {
        "tests/test_it.py::test_uses_a_plugin_fixture[asyncio]"}, result.tests.output
    assert not [f for f in result.findings if f.source == "test"]


def test_a_project_interpreter_of_its_own_loads_its_plugins_as_always(tmp_path, make_project):
    root = make_project({"tests/test_it.py": "def test_ok():\n    assert True\n"})
    venv = tmp_path / "elsewhere" / "bin"
    venv.mkdir(parents=True)
    (venv / "python").symlink_to(sys.executable)  # a venv's python links to a shared base
    project = Project.open(root)
    project.config = load_config(root, {"python": str(venv / "python")})
    assert project.test_env == {}
