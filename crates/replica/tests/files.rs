//! The file store beside a replica's database on the desktop and phones (files in
//! its folder), against the contract both targets' stores keep.
#![cfg(not(target_arch = "wasm32"))]

#[path = "contract/files.rs"]
mod contract;

use cosabi_replica::files::{FileStore, FolderFiles};

#[test]
fn files_in_a_folder_keep_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let files = FolderFiles::beside(&dir.path().join("r.sqlite3")).unwrap();
    contract::holds_what_the_replica_keeps(&files);
    // What the contract wrote is in the folder, as plain files.
    assert_eq!(
        std::fs::read(dir.path().join("r.sqlite3.vault")).unwrap(),
        b"3"
    );
    assert_eq!(
        std::fs::read(dir.path().join("blobs").join("aa")).unwrap(),
        b"a"
    );
}

#[test]
fn a_store_opened_again_reads_what_was_written() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.sqlite3");
    FolderFiles::beside(&db)
        .unwrap()
        .write("blobs/aa", b"kept")
        .unwrap();
    let again = FolderFiles::beside(&db).unwrap();
    assert_eq!(again.read("blobs/aa", 4).unwrap().unwrap(), b"kept");
}
