"""tools/vendor_assets.py: copies the npm files the templates use, or says clearly what is missing."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

TOOL = Path(__file__).resolve().parents[4] / "tools" / "vendor_assets.py"


def _tool() -> ModuleType:
    # tools/ is not a package: load the script by path.
    spec = importlib.util.spec_from_file_location("vendor_assets", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_missing_node_modules_fails_with_both_languages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _tool().vendor_assets(node_modules=tmp_path / "node_modules", vendor_dir=tmp_path / "vendor")
    assert code == 1
    err = capsys.readouterr().err
    assert "npm ci" in err
    assert "tidak ada" in err
    assert "is missing" in err


def test_copies_only_the_listed_files(tmp_path: Path) -> None:
    tool = _tool()
    node_modules = tmp_path / "node_modules"
    for package, files in tool.ASSETS.items():
        for rel in files:
            path = node_modules / package / rel
            if rel.endswith("images"):
                path.mkdir(parents=True)
                (path / "layers.png").write_bytes(b"png")
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(rel)
    (node_modules / "leaflet" / "dist" / "leaflet-src.js").write_text("not wanted")
    vendor = tmp_path / "vendor"
    assert tool.vendor_assets(node_modules=node_modules, vendor_dir=vendor) == 0
    assert (vendor / "leaflet" / "leaflet.js").read_text() == "dist/leaflet.js"
    assert (vendor / "leaflet" / "images" / "layers.png").exists()
    assert (vendor / "htmx" / "htmx.min.js").exists()
    assert not (vendor / "leaflet" / "leaflet-src.js").exists()
