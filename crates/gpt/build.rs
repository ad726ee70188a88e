//! Embeds every trained model under shipped/<name>/ (model.safetensors, config.json, vocab.json,
//! train-log.json) into the library, so the server and the standalone service need no files.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let shipped = Path::new("shipped");
    println!("cargo:rerun-if-changed=shipped");
    let mut dirs: Vec<_> = std::fs::read_dir(shipped)
        .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    dirs.sort();
    let mut code = String::from(
        "/// (name, weights, config.json, vocab.json, train-log.json)\n\
         pub type ShippedModel = (&'static str, &'static [u8], &'static [u8], &'static [u8], &'static [u8]);\n\
         pub static SHIPPED: &[ShippedModel] = &[\n",
    );
    for dir in dirs {
        let required = [
            "model.safetensors",
            "config.json",
            "vocab.json",
            "train-log.json",
        ];
        if !required.iter().all(|f| dir.join(f).is_file()) {
            continue;
        }
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        for f in required {
            println!("cargo:rerun-if-changed={}", dir.join(f).display());
        }
        let abs = std::fs::canonicalize(&dir).unwrap_or(dir.clone());
        let path = |f: &str| format!("{:?}", abs.join(f).display().to_string());
        let _ = writeln!(
            code,
            "    ({name:?}, include_bytes!({}), include_bytes!({}), include_bytes!({}), include_bytes!({})),",
            path("model.safetensors"),
            path("config.json"),
            path("vocab.json"),
            path("train-log.json"),
        );
    }
    code.push_str("];\n");
    let out = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into());
    if let Err(e) = std::fs::write(Path::new(&out).join("shipped_models.rs"), code) {
        panic!("cannot write the shipped model list: {e}");
    }
}
