//! The intermediate document model: what a document says, without where it goes on
//! the page. The acta and the cuadernillo are built as a [`Document`]; [`crate::pdf`]
//! lays it out on Letter pages, and [`Document::to_text`] prints it as plain text for
//! golden tests and for reading in a terminal.

use std::fmt::Write as _;

/// Which way the Letter sheet is turned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orientation {
    Portrait,
    /// For wide ledgers (the cuadernillo's purchases).
    Landscape,
}

/// A printable document.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub title: String,
    /// Lines under the title (programme, fiscal year…).
    pub subtitle: Vec<String>,
    /// A short name repeated in the footer of every page, next to "Página n de m".
    pub running_title: String,
    pub orientation: Orientation,
    pub blocks: Vec<Block>,
}

/// One piece of a document, in reading order.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A section heading; it is kept on the page of what follows it.
    Heading(String),
    /// Running text; `\n` starts a new line. Long paragraphs flow onto new pages.
    Paragraph(String),
    /// Label and value pairs ("CLUES: VZIMB000417").
    Fields(Vec<(String, String)>),
    /// A numbered list.
    Numbered(Vec<String>),
    Table(Table),
    /// Places to sign, side by side.
    Signatures(Vec<Signature>),
    /// Entries with pictures beside them (the index of receipts).
    Pictures(Vec<PictureEntry>),
}

/// How a column's text sits in its cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
    Center,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub title: String,
    /// Share of the table's width, relative to the other columns.
    pub weight: f32,
    pub align: Align,
}

impl Column {
    pub fn new(title: &str, weight: f32, align: Align) -> Column {
        Column {
            title: title.to_owned(),
            weight,
            align,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<String>>,
    /// A last row in bold (totals); cells may be empty.
    pub footer: Option<Vec<String>>,
    /// Least height of a row in points: room to sign or put a thumbprint.
    pub row_height_min_pt: f32,
}

/// A signature line with the name and role printed under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub role: String,
    /// Empty when the seat is vacant: the line is left to fill by hand.
    pub name: String,
    /// What signing here means, printed above the line ("Elaboró"); may be empty.
    pub caption: String,
}

/// A picture to print, or why there is none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Picture {
    /// JPEG bytes (a thumbnail).
    Jpeg { sha256: String, bytes: Vec<u8> },
    /// Recorded but its bytes are not on this device.
    Missing { sha256: String },
    /// In the same expediente as a file of its own (not repeated as a thumbnail: a
    /// clinic-year's 1,600 thumbnails would hold the server's memory for nothing).
    InExpediente { sha256: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PictureEntry {
    /// First line in bold, the others plain.
    pub caption: Vec<String>,
    pub pictures: Vec<Picture>,
    /// Printed in place of pictures when there are none.
    pub empty_note: String,
}

impl Document {
    /// The document as plain text: what is printed, in order, with tables as rows of
    /// cells separated by ` | ` and pictures as `[foto …]` lines.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# {}", self.title);
        for line in &self.subtitle {
            let _ = writeln!(out, "{line}");
        }
        for block in &self.blocks {
            out.push('\n');
            match block {
                Block::Heading(h) => {
                    let _ = writeln!(out, "## {h}");
                }
                Block::Paragraph(p) => {
                    let _ = writeln!(out, "{p}");
                }
                Block::Fields(fields) => {
                    for (label, value) in fields {
                        let _ = writeln!(out, "{label}: {value}");
                    }
                }
                Block::Numbered(items) => {
                    for (i, item) in items.iter().enumerate() {
                        let _ = writeln!(out, "{}. {item}", i + 1);
                    }
                }
                Block::Table(table) => {
                    let titles: Vec<&str> =
                        table.columns.iter().map(|c| c.title.as_str()).collect();
                    let _ = writeln!(out, "| {} |", titles.join(" | "));
                    for row in &table.rows {
                        let _ = writeln!(out, "| {} |", row.join(" | ").replace('\n', " / "));
                    }
                    if let Some(footer) = &table.footer {
                        let _ = writeln!(out, "| **{}** |", footer.join(" | "));
                    }
                }
                Block::Signatures(signatures) => {
                    for s in signatures {
                        let _ = if s.caption.is_empty() {
                            writeln!(out, "________ {} · {}", s.name, s.role)
                        } else {
                            writeln!(out, "________ {} · {} · {}", s.name, s.caption, s.role)
                        };
                    }
                }
                Block::Pictures(entries) => {
                    for e in entries {
                        let _ = writeln!(out, "- {}", e.caption.join(" · "));
                        if e.pictures.is_empty() {
                            let _ = writeln!(out, "  [{}]", e.empty_note);
                        }
                        for p in &e.pictures {
                            let _ = match p {
                                Picture::Jpeg { sha256, .. } => {
                                    writeln!(out, "  [foto {}]", &sha256[..sha256.len().min(12)])
                                }
                                Picture::Missing { sha256 } => writeln!(
                                    out,
                                    "  [foto {} no disponible]",
                                    &sha256[..sha256.len().min(12)]
                                ),
                                Picture::InExpediente { sha256 } => writeln!(
                                    out,
                                    "  [foto {} en el expediente]",
                                    &sha256[..sha256.len().min(12)]
                                ),
                            };
                        }
                    }
                }
            }
        }
        out
    }
}

/// What a sealed document prints besides its content: a footer line on every page and
/// a verification box at the end ([`crate::seal`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealMark {
    /// `<CLUES>-XXXX-XXXX`.
    pub code: String,
    /// What the QR code holds: the verification address, or the code alone.
    pub qr_payload: String,
    /// "Generado el … con Cosabi … · Código de verificación …".
    pub footer_line: String,
    /// The box's heading.
    pub heading: String,
    /// How to verify, under the code.
    pub lines: Vec<String>,
    /// When it was generated (Unix seconds), for the PDF's metadata.
    pub generated_unix: i64,
    /// "Cosabi 0.1.0", the PDF's creator.
    pub creator: String,
}
