"""Installing a department plugin package for real (pip, with its entry point) makes its indicators and
rule appear and usable; removing it takes them away again. The package goes into a folder of its own,
so the test's environment is never changed."""

import os
import shutil
import subprocess
import sys

from tests.conftest import ROOT

PLUGIN = ROOT / "plugins" / "evalkit-tax"
EXAMPLE = ROOT / "examples" / "tax-bureau"


def evalkit_cli(*args, site=None):
    env = dict(os.environ)
    if site is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), env.get("PYTHONPATH")]))
    command = "import sys, evalkit.cli; sys.exit(evalkit.cli.main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", command, *args], env=env, capture_output=True, text=True, timeout=120)


def test_pip_install_makes_the_plugin_appear_and_uninstall_removes_it(tmp_path):
    prefix = tmp_path / "site"
    build = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                            "--target", str(prefix), str(PLUGIN)], capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    listed = evalkit_cli("plugins", site=prefix)
    assert listed.returncode == 0, listed.stderr
    assert "tax" in listed.stdout and "forecast_accuracy" in listed.stdout and "tax_revenue_plan_completion" in listed.stdout
    run = ["run", str(EXAMPLE / "scorecard.yaml"), "--data", str(EXAMPLE / "tax-2025.csv"),
           "--data", str(EXAMPLE / "service-2025.csv"), "--units", str(EXAMPLE / "units.csv"), "--format", "json"]
    scored = evalkit_cli(*run, site=prefix)
    assert scored.returncode == 0, scored.stderr
    assert '"rule": "forecast_accuracy"' in scored.stdout
    shutil.rmtree(prefix)  # what pip uninstall does: the package and its entry point are gone
    gone = evalkit_cli("plugins", site=prefix)
    assert gone.returncode == 0 and "forecast_accuracy" not in gone.stdout
    assert evalkit_cli(*run, site=prefix).returncode == 2  # its rule is unknown again: an invalid scorecard
