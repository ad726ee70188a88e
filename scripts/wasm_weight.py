#!/usr/bin/env python3
"""WebAssembly per split point, from a built site, without a browser.

Reads the split step's manifest (`__wasm_split_manifest.json`, written by tools/wasm-split into
the site's pkg folder) and prints, for each `#[lazy]` split point, the gzip bytes a browser
downloads for it: the main module, the chunks it shares with other split points, and its own
module. scripts/bench-web.mjs measures the same in a fresh browser, as sent; this is the quick
check while changing code (gzip -9 of each file, as scripts/build.sh precompresses them).

    python3 scripts/wasm_weight.py [target/site/pkg]
"""

import gzip
import json
import sys
from pathlib import Path


def gzip_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), 9))


def main() -> int:
    pkg = Path(sys.argv[1] if len(sys.argv) > 1 else "target/site/pkg")
    manifest_path = pkg / "__wasm_split_manifest.json"
    if not manifest_path.is_file():
        print(f"wasm_weight: {manifest_path} is missing: run scripts/build.sh first", file=sys.stderr)
        return 1
    manifest = json.loads(manifest_path.read_text())
    main_module = gzip_size(pkg / "ai-portfolio_bg.wasm")
    print(f"main module: {main_module / 1000:.1f} KB gzip")
    print(f"{'split point':<16} {'shared':>14} {'own':>9} {'with main':>10}")
    for point, modules in sorted(manifest.items()):
        name = point.rsplit("_", 1)[0]
        own = sum(gzip_size(pkg / f"{m}.wasm") for m in modules if m.startswith("split_"))
        shared_modules = [m for m in modules if not m.startswith("split_")]
        shared = sum(gzip_size(pkg / f"{m}.wasm") for m in shared_modules)
        print(
            f"{name:<16} {shared / 1000:6.1f} KB ({len(shared_modules):2d}) "
            f"{own / 1000:6.1f} KB {(main_module + shared + own) / 1000:7.1f} KB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
