"""What ``pip install .`` (not ``-e``) puts on a user's machine: the wheel holds every file of the
package. A package list once kept by hand in pyproject.toml left ``telbill.menu.items`` out, and
the menu of a normal install could not open; an editable install hides that."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIPPED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")


def _package_files(root: Path) -> set[str]:
    """Every file under ``root/telbill`` (modules and any data file), as a path in a wheel."""
    return {path.relative_to(root).as_posix() for path in (root / "telbill").rglob("*")
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"}


def test_the_wheel_holds_every_module_and_data_file_of_the_package(tmp_path: Path) -> None:
    """The wheel built from the tree holds every module and data file of the package."""
    source = tmp_path / "source"  # a copy: building writes build/ and an egg-info beside pyproject.toml
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "telbill", source / "telbill", ignore=SKIPPED)
    wheels = tmp_path / "wheels"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                            "--wheel-dir", str(wheels), str(source)],
                           check=False, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-2000:]
    [wheel] = wheels.glob("telbill-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        held = {name for name in archive.namelist() if name.startswith("telbill/")}
    expected = _package_files(ROOT)
    assert expected, "no package files found"
    assert sorted(expected - held) == []  # nothing of the package left out
    assert {str(Path(name).parent) for name in held} >= {"telbill/menu/items", "telbill/text/messages"}
