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


XDIST_SEEN = '''
    import sys


    def test_xdist_state():
        # named in pieces: a test file that names the plugin gets it
        assert ("x" + "dist" in sys.modules) == XDIST_EXPECTED
'''


def test_xdist_loads_only_for_a_run_that_passes_n(sandbox, make_project):
    """execnet's imports cost every run ~45 ms: a run without ``-n`` goes without them, and the
    validator's ``-n`` run (a large, slow suite) gets xdist added."""
    from selfheal_local.detect.tests import run_tests

    root = make_project({"tests/test_it.py": XDIST_SEEN.replace("XDIST_EXPECTED", "False")})
    project = Project.open(root)
    plain = run_tests(root, sandbox, project.config, env=project.test_env)
    assert plain.passed == {"tests/test_it.py::test_xdist_state"}, plain.output
    (root / "tests/test_it.py").write_text(XDIST_SEEN.replace("XDIST_EXPECTED", "True")
                                           .replace("\n    ", "\n").lstrip())
    parallel = run_tests(root, sandbox, project.config, env=project.test_env,
                         extra_args=("-n", "2"))
    assert parallel.passed == {"tests/test_it.py::test_xdist_state"}, parallel.output


def test_a_project_whose_config_passes_n_gets_xdist(sandbox, make_project):
    root = make_project({
        "pyproject.toml": '[tool.pytest.ini_options]\naddopts = "-n 2"\n',
        "tests/test_it.py": "def test_ok():\n    assert True\n",
    })
    project, result = _scan(root, sandbox)
    assert "xdist.plugin" in project.test_env["PYTEST_PLUGINS"]
    assert result.tests.passed == {"tests/test_it.py::test_ok"}, result.tests.output
