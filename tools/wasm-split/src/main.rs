//! Splits a WASM module built with `-Clink-args=--emit-relocs` at its `#[lazy]` split points.
//!
//! Usage: `wasm-split <input.wasm> <pkg dir> <output name>`
//!
//! It writes, as cargo-leptos's `--split` does (names Leptos's `HydrationScripts` expects):
//! - `<input stem>_split.wasm` beside the input: the main module, for wasm-bindgen to process
//!   (with `--keep-lld-exports --no-demangle`, which the chunks' imports need);
//! - one `.wasm` file per lazily loaded chunk in the pkg dir;
//! - `__wasm_split.______________________.js`, the loader the main module imports;
//! - `__wasm_split_manifest.json`: for each split point, the chunks it needs, which the server
//!   reads to preload a page's chunks alongside the main module.
//!
//! It prints one line per chunk it wrote. `wasm-split --version` prints the splitter's version,
//! which scripts/setup.sh compares to decide whether to reinstall.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Code needed by this many of the front end's split points (or more) goes into the main module
/// rather than a chunk of its own. Upstream's rule (one chunk per set of split points sharing
/// code) gave this app 55 chunks, 30 of them fetched by every interactive page; the fetches and
/// instantiations were half the page's blocking time on a throttled phone. Measured on the same
/// build (gzip with the main module; files per page): upstream 410-440 KB in 32; from 5 up,
/// 406-428 KB in 26; from 4 up, 389-420 KB in 16; from 3 up, 397-418 KB in 7; from 2 up (all
/// shared code in main) 435-459 KB in 2. Fewer modules also means fewer calls across module
/// boundaries, which is why the bytes fell too. docs/benchmarks.md has the figures.
const MAIN_IF_NEEDED_BY: usize = 3;

/// Which split points count toward `MAIN_IF_NEEDED_BY`: the islands' loaders (`#[island(lazy)]`
/// names its split point `<island>_loader`, with a hash), which pages load. A `#[lazy]` function
/// is loaded from inside its island's code: what it shares with that island stays in the island's
/// chunks. Counting it would make code shared by an island and two of its own lazy functions
/// "needed by 3" and move it into every page's main module (measured: +11.2 KB gzip on main for
/// /support's two lazy functions; docs/benchmarks.md, eleventh pass).
fn counts_toward_main(split_point: &str) -> bool {
    split_point
        .rsplit_once('_')
        .is_some_and(|(name, _hash)| name.ends_with("_loader"))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--version") {
        println!(
            "wasm-split {} (wasm_split_cli_support 0.2.4, patched)",
            env!("CARGO_PKG_VERSION")
        );
        return ExitCode::SUCCESS;
    }
    let [input, pkg_dir, name] = args.as_slice() else {
        eprintln!("usage: wasm-split <input.wasm> <pkg dir> <output name>");
        return ExitCode::from(2);
    };
    match split(Path::new(input), Path::new(pkg_dir), name) {
        Ok(chunks) => {
            for chunk in chunks {
                println!("{}", chunk.display());
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("wasm-split: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn split(input: &Path, pkg_dir: &Path, name: &str) -> Result<Vec<PathBuf>, String> {
    let wasm = std::fs::read(input).map_err(|e| format!("cannot read {}: {e}", input.display()))?;
    let stem = input
        .file_stem()
        .and_then(|s| s.to_str())
        .ok_or_else(|| format!("{} has no file name", input.display()))?;
    let main_out = input.with_file_name(format!("{stem}_split.wasm"));
    // The chunks import `initSync`-style glue from the main module's JS, by this relative path.
    let main_module = format!("./{name}.js");
    let split = wasm_split_cli_support::transform({
        let mut options = wasm_split_cli_support::Options::new(&wasm);
        options.output_dir = pkg_dir;
        options.main_out_path = &main_out;
        options.main_module = &main_module;
        options.link_name = "./__wasm_split.______________________.js";
        options.main_if_needed_by = MAIN_IF_NEEDED_BY;
        options.main_counts = counts_toward_main;
        options
    })
    .map_err(|e| format!("{e:#}"))?;
    let manifest = serde_json::to_string_pretty(&split.prefetch_map)
        .map_err(|e| format!("cannot write the manifest: {e}"))?;
    let manifest_path = pkg_dir.join("__wasm_split_manifest.json");
    std::fs::write(&manifest_path, manifest)
        .map_err(|e| format!("cannot write {}: {e}", manifest_path.display()))?;
    Ok(split.split_modules)
}
