//! Embeds every translation file in ../assets/i18n: one folder per language
//! (`es-MX/`, `en/`), each holding any number of JSON files (one per screen), so a
//! translator adds a language by adding one folder, with no code change, and two
//! screens never edit the same file.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("translation folder is readable")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("../assets/i18n");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut langs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("assets/i18n must exist")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    langs.sort();
    let mut out = String::from("pub const TRANSLATIONS: &[(&str, &[&str])] = &[\n");
    for lang in &langs {
        println!("cargo:rerun-if-changed={}", lang.display());
        let code = lang.file_name().unwrap().to_string_lossy();
        write!(out, "    ({code:?}, &[").unwrap();
        for f in json_files(lang) {
            println!("cargo:rerun-if-changed={}", f.display());
            let path = f.canonicalize().unwrap();
            write!(out, "include_str!({:?}), ", path.display().to_string()).unwrap();
        }
        out.push_str("]),\n");
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("translations.rs");
    std::fs::write(dest, out).unwrap();
}
