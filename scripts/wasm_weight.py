#!/usr/bin/env python3
"""WebAssembly per split point, from a built site, without a browser.

Reads the split step's manifest (`__wasm_split_manifest.json`, written by tools/wasm-split into
the site's pkg folder) and prints, for each split point (an island's loader, named after the
`#[island(lazy)]` component), the gzip bytes a page with that island downloads: the main
module, the chunks it shares with other split points, and its own module.
scripts/bench-web.mjs measures the same in a fresh browser, as sent; this is the quick check while
changing code (gzip -9 of each file, as scripts/build.sh precompresses them). Where
the release build wrote brotli files (FILE.br, what browsers that accept brotli get), their
bytes follow in a second column.

    python3 scripts/wasm_weight.py [target/site/pkg]
"""

import functools
import gzip
import json
import sys
from pathlib import Path


@functools.cache  # a chunk shared by several split points is compressed once
def gzip_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), 9))


def brotli_size(path: Path) -> int | None:
    packed = path.with_name(path.name + ".br")
    return packed.stat().st_size if packed.is_file() else None


def both(sizes: list[tuple[int, int | None]]) -> tuple[int, int | None]:
    """Sums (gzip, brotli) pairs; brotli is None when any file lacks its .br."""
    brotli = [b for _, b in sizes]
    return sum(g for g, _ in sizes), None if None in brotli else sum(brotli)


def kb(size: int | None) -> str:
    return "" if size is None else f"{size / 1000:.1f} KB"


def main() -> int:
    pkg = Path(sys.argv[1] if len(sys.argv) > 1 else "target/site/pkg")
    manifest_path = pkg / "__wasm_split_manifest.json"
    if not manifest_path.is_file():
        print(f"wasm_weight: {manifest_path} is missing: run scripts/build.sh first", file=sys.stderr)
        return 1
    manifest = json.loads(manifest_path.read_text())

    def sizes(modules: list[str]) -> tuple[int, int | None]:
        return both([(gzip_size(pkg / f"{m}.wasm"), brotli_size(pkg / f"{m}.wasm")) for m in modules])

    main_gzip, main_brotli = sizes(["ai-portfolio_bg"])
    print(f"main module: {kb(main_gzip)} gzip" + (f", {kb(main_brotli)} brotli" if main_brotli else ""))
    print(f"{'split point':<16} {'shared':>14} {'own':>9} {'with main':>10} {'brotli':>10}")
    for point, modules in sorted(manifest.items()):
        name = point.rsplit("_", 1)[0]
        own_gzip, own_brotli = sizes([m for m in modules if m.startswith("split_")])
        shared_modules = [m for m in modules if not m.startswith("split_")]
        shared_gzip, shared_brotli = sizes(shared_modules)
        total_gzip, total_brotli = both(
            [(main_gzip, main_brotli), (shared_gzip, shared_brotli), (own_gzip, own_brotli)]
        )
        print(
            f"{name:<16} {shared_gzip / 1000:6.1f} KB ({len(shared_modules):2d}) "
            f"{own_gzip / 1000:6.1f} KB {total_gzip / 1000:7.1f} KB {kb(total_brotli):>10}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
