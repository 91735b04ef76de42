//! Typed calls for actions (filled in by the screen's author).
