//! One contract for the file store the replica keeps its key ring and photos in,
//! run on each target's store: natively on files in a folder (`tests/files.rs`), in
//! the browser on the side database in OPFS (`tests/wasm.rs`).

use cosabi_replica::files::FileStore;
use cosabi_replica::Error;

/// Everything the key ring and the photo store rely on, on an empty store.
pub fn holds_what_the_replica_keeps(files: &impl FileStore) {
    // Nothing yet.
    assert_eq!(files.read("r.sqlite3.vault", 100).unwrap(), None);
    assert!(!files.exists("r.sqlite3.vault").unwrap());
    assert!(!files.remove("r.sqlite3.vault").unwrap());
    assert!(files.list("blobs").unwrap().is_empty());

    // A file is replaced whole: nothing of longer old bytes stays behind.
    files.write("r.sqlite3.vault", b"first").unwrap();
    assert!(files.exists("r.sqlite3.vault").unwrap());
    assert_eq!(
        files.read("r.sqlite3.vault", 100).unwrap().unwrap(),
        b"first"
    );
    files.write("r.sqlite3.vault", b"second, longer").unwrap();
    files.write("r.sqlite3.vault", b"3").unwrap();
    assert_eq!(files.read("r.sqlite3.vault", 100).unwrap().unwrap(), b"3");
    files.write("empty", b"").unwrap();
    assert_eq!(files.read("empty", 0).unwrap().unwrap(), b"");
    let every_byte: Vec<u8> = (0..=255).collect();
    files.write("bytes", &every_byte).unwrap();
    assert_eq!(files.read("bytes", 256).unwrap().unwrap(), every_byte);

    // Folders: only the files directly in one, sorted; a name's prefix is no folder.
    files.write("blobs/bb", b"b").unwrap();
    files.write("blobs/aa", b"a").unwrap();
    files.write_cache("blobs/thumbs/aa.jpg", b"t").unwrap();
    files.write("blobsx/cc", b"c").unwrap();
    assert_eq!(files.list("blobs").unwrap(), ["aa", "bb"]);
    assert_eq!(files.list("blobs/thumbs").unwrap(), ["aa.jpg"]);
    assert!(files.list("blob").unwrap().is_empty());
    assert_eq!(files.read("blobs/thumbs/aa.jpg", 1).unwrap().unwrap(), b"t");
    files.sync_name("blobs/aa").unwrap();

    // Reads are bounded: a file past the limit is refused, not loaded.
    files.write("big", &[7; 1_000]).unwrap();
    let refused = files.read("big", 999).unwrap_err();
    assert!(matches!(refused, Error::Corrupt(_)), "{refused:?}");
    assert_eq!(refused.code(), "corrupt");
    assert_eq!(files.read("big", 1_000).unwrap().unwrap().len(), 1_000);

    // Removing.
    assert!(files.remove("blobs/bb").unwrap());
    assert!(!files.remove("blobs/bb").unwrap());
    assert_eq!(files.read("blobs/bb", 10).unwrap(), None);
    files.remove_folder("blobs/thumbs").unwrap();
    assert!(!files.exists("blobs/thumbs/aa.jpg").unwrap());
    assert_eq!(files.list("blobs").unwrap(), ["aa"]);
    assert_eq!(files.list("blobsx").unwrap(), ["cc"]);
    files.remove_folder("nothing").unwrap();

    // Names that could leave the store, or clash with its temporary files.
    for bad in [
        "",
        "../x",
        "/x",
        "blobs//x",
        "blobs/../r.sqlite3.vault",
        ".x.tmp",
    ] {
        assert!(files.write(bad, b"x").is_err(), "{bad:?}");
        assert!(files.read(bad, 10).is_err(), "{bad:?}");
        assert!(files.remove(bad).is_err(), "{bad:?}");
    }
    assert_eq!(files.read("r.sqlite3.vault", 100).unwrap().unwrap(), b"3");
}
