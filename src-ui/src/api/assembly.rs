//! Typed calls for assembly (filled in by the screen's author).
