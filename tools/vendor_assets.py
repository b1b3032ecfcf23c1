"""Copy the front-end files the web pages use from node_modules/ into static/vendor/.

The pages must work on the district's own server with no internet access, so nothing is
loaded from a CDN: `npm ci` fetches the pinned packages (package-lock.json) and this script
copies only the files the templates reference into src/satuanak/web/static/vendor/<package>/,
where Django's staticfiles/whitenoise serve them. static/vendor/ is generated and git-ignored.

Pure standard library so it runs before any Python dependency is installed:

    npm ci && python tools/vendor_assets.py
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR_DIR = ROOT / "src" / "satuanak" / "web" / "static" / "vendor"

# package -> files or folders under node_modules/<package>/ to copy (kept relative to dist/).
# leaflet.js.map is copied because leaflet.js ends with a sourceMappingURL comment: a manifest
# static storage (ManifestStaticFilesStorage) refuses to collect a file whose map is missing.
# The LICENSE files travel with the code they license.
ASSETS: dict[str, list[str]] = {
    "leaflet": [
        "dist/leaflet.js",
        "dist/leaflet.js.map",
        "dist/leaflet.css",
        "dist/images",
        "LICENSE",
    ],
    "htmx.org": [
        "dist/htmx.min.js",
        "LICENSE",
    ],
}

# Folder names under static/vendor/: templates say vendor/htmx/, not vendor/htmx.org/.
TARGET_NAMES = {"leaflet": "leaflet", "htmx.org": "htmx"}


def _fail(message_id: str, message_en: str) -> int:
    print(f"GAGAL: {message_id}\nERROR: {message_en}", file=sys.stderr)
    return 1


def vendor_assets(node_modules: Path = NODE_MODULES, vendor_dir: Path = VENDOR_DIR) -> int:
    """Copy ASSETS; return a process exit code (0 ok, 1 missing input)."""
    if not node_modules.is_dir():
        return _fail(
            f"folder {node_modules} tidak ada. Jalankan `npm ci` di {ROOT} terlebih dahulu.",
            f"{node_modules} is missing. Run `npm ci` in {ROOT} first.",
        )
    missing = [
        f"{package}/{rel}"
        for package, files in ASSETS.items()
        for rel in files
        if not (node_modules / package / rel).exists()
    ]
    if missing:
        return _fail(
            "berkas berikut tidak ditemukan di node_modules (jalankan ulang `npm ci`): " + ", ".join(missing),
            "these files are missing from node_modules (run `npm ci` again): " + ", ".join(missing),
        )

    for package, files in ASSETS.items():
        target = vendor_dir / TARGET_NAMES[package]
        # Start clean so a file dropped from ASSETS (or from a new package version) does not linger.
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        for rel in files:
            source = node_modules / package / rel
            # dist/leaflet.js -> vendor/leaflet/leaflet.js; dist/images -> vendor/leaflet/images
            # (leaflet.css refers to images/ relative to itself).
            dest = target / Path(rel).name
            if source.is_dir():
                shutil.copytree(source, dest)
            else:
                shutil.copy2(source, dest)
        shown = target.relative_to(ROOT) if target.is_relative_to(ROOT) else target
        print(f"{package}: {len(files)} berkas/folder -> {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(vendor_assets())
