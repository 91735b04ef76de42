//! CFDI, Mexico's electronic invoice: what a receipt tells once it is read.
//!
//! - [`parse_verification_url`] reads the text of the QR code printed on every CFDI
//!   (SAT's verification address with the folio fiscal, both RFCs and the total) into
//!   a [`CfdiQr`], tolerating what scanners and PDF generators do to it.
//! - [`parse_cfdi_xml`] reads the invoice's XML (CFDI 4.0 and 3.3) into a
//!   [`CfdiXml`]: supplier, receiver, date, amounts, taxes, concepts and the folio
//!   fiscal from the stamp (`tfd:TimbreFiscalDigital`).
//! - [`purchase_hints`] compares either with the purchase being recorded and returns
//!   warnings ([`Hint`]) for the form: a folio already used, a different total.
//!
//! Failures are [`CfdiError`]s, each with a stable code the UI translates
//! (`error.<code>`). Nothing here panics on any input.
//!
//! Amounts on CFDIs (`tt` in the QR, `Total`, `Importe`, … in the XML) are decimals
//! with at most [`AMOUNT_DECIMALS_MAX`] decimals. They are read exactly (as millionths
//! of a peso, never through floating point) and rounded to centavos half up: `0.005`
//! is one centavo, `0.004999` none. An amount with more than six decimals is refused:
//! SAT's schemas allow six, so more means the text is not what it claims to be.

use crate::error::ValidationError;
use crate::ledger::validate_folio_fiscal;
use crate::money::Centavos;
use crate::rfc::{check_rfc, RfcProblem};
use serde::{Deserialize, Serialize};

/// SAT's verification host, printed in the QR of CFDI 3.3 and 4.0.
pub const SAT_VERIFICATION_HOST: &str = "verificacfdi.facturaelectronica.sat.gob.mx";
/// Namespace of a CFDI 4.0 `Comprobante`.
pub const NS_CFD_4: &str = "http://www.sat.gob.mx/cfd/4";
/// Namespace of a CFDI 3.3 (and 3.2) `Comprobante`.
pub const NS_CFD_3: &str = "http://www.sat.gob.mx/cfd/3";
/// Namespace of the stamp that holds the folio fiscal.
pub const NS_TFD: &str = "http://www.sat.gob.mx/TimbreFiscalDigital";

/// Most decimals an amount on a CFDI may carry.
pub const AMOUNT_DECIMALS_MAX: usize = 6;
/// Longest QR text read. SAT's address with its five parameters is under 200
/// characters; a longer text is not one.
pub const QR_TEXT_BYTES_MAX: usize = 2048;
/// Largest XML read. A CFDI with a thousand concepts is about 1 MiB.
pub const XML_BYTES_MAX: usize = 4 * 1024 * 1024;
/// Most XML nodes parsed, so a hostile file cannot exhaust memory inside the limit.
pub const XML_NODES_MAX: u32 = 200_000;
/// Longest `fe` (the last characters of the issuer's seal) in a QR: SAT prints 8.
pub const SELLO_TAIL_CHARS_MAX: usize = 8;

/// A parameter of the verification address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QrParam {
    /// `id`: the folio fiscal.
    Id,
    /// `re`: the issuer's (supplier's) RFC.
    Re,
    /// `rr`: the receiver's RFC.
    Rr,
    /// `tt`: the total.
    Tt,
    /// `fe`: the last 8 characters of the issuer's seal (CFDI 3.3 and 4.0).
    Fe,
}

impl QrParam {
    pub const ALL: [QrParam; 5] = [
        QrParam::Id,
        QrParam::Re,
        QrParam::Rr,
        QrParam::Tt,
        QrParam::Fe,
    ];

    /// The parameter's name in the address.
    pub const fn key(self) -> &'static str {
        match self {
            QrParam::Id => "id",
            QrParam::Re => "re",
            QrParam::Rr => "rr",
            QrParam::Tt => "tt",
            QrParam::Fe => "fe",
        }
    }

    /// The form field a problem with this parameter belongs to.
    pub const fn field(self) -> &'static str {
        match self {
            QrParam::Id => "folio_fiscal",
            QrParam::Re => "rfc_emisor",
            QrParam::Rr => "rfc_receptor",
            QrParam::Tt => "total",
            QrParam::Fe => "sello",
        }
    }

    fn from_key(key: &str) -> Option<QrParam> {
        QrParam::ALL
            .into_iter()
            .find(|p| p.key().eq_ignore_ascii_case(key))
    }
}

/// Which CFDI version printed a QR, as far as the QR tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QrVersionHint {
    /// CFDI 3.2: no `fe`, `tt` zero-padded to 10 integer digits and 6 decimals.
    Cfdi32,
    /// CFDI 3.3 or 4.0: the `fe` parameter is present.
    Cfdi33Or40,
    /// Neither pattern: a 3.2-style QR without padding, or a 3.3/4.0 one without `fe`.
    Unknown,
}

/// What the QR code of a CFDI says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CfdiQr {
    /// The folio fiscal, upper case, 8-4-4-4-12.
    pub uuid: String,
    /// The issuer's (supplier's) RFC, normalised.
    pub rfc_emisor: String,
    /// The receiver's RFC, normalised (`XAXX010101000` for the general public).
    pub rfc_receptor: String,
    /// `tt`, rounded to centavos (see the module docs).
    pub total: Centavos,
    /// `fe`: the last characters of the issuer's seal (CFDI 3.3 and 4.0).
    pub sello_tail: Option<String>,
    pub version_hint: QrVersionHint,
}

/// The version of a CFDI XML.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CfdiVersion {
    V33,
    V40,
}

/// One line (concepto) of a CFDI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CfdiConcept {
    /// `ClaveProdServ`: SAT's product or service code.
    pub product_code: Option<String>,
    /// `Descripcion`.
    pub description: String,
    /// `Cantidad`, as written (a decimal with up to six decimals).
    pub quantity: String,
    /// `ClaveUnidad` (SAT's unit code, like `H87` for a piece).
    pub unit_code: Option<String>,
    /// `Unidad`: the unit as the supplier names it.
    pub unit: Option<String>,
    /// `ValorUnitario`, rounded to centavos.
    pub unit_value: Centavos,
    /// `Importe` (quantity × unit value, before taxes), rounded to centavos.
    pub amount: Centavos,
    /// `Descuento`, if any.
    pub discount: Option<Centavos>,
}

/// What a CFDI XML says that the committee's records need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CfdiXml {
    pub version: CfdiVersion,
    /// The folio fiscal from the stamp, upper case, 8-4-4-4-12.
    pub uuid: String,
    /// `FechaTimbrado` of the stamp.
    pub stamped_at: Option<chrono::NaiveDateTime>,
    /// `Serie` and `Folio`: the supplier's own numbering.
    pub series: Option<String>,
    pub folio: Option<String>,
    /// `Fecha`: when the supplier issued the invoice (local time of the place of issue).
    pub date: chrono::NaiveDateTime,
    /// `TipoDeComprobante`: `I` (ingreso: a sale), `E` (egreso: a credit note),
    /// `T`, `N`, `P` (a payment receipt).
    pub voucher_type: String,
    /// The supplier: `cfdi:Emisor/@Rfc` (normalised) and `@Nombre`.
    pub rfc_emisor: String,
    pub nombre_emisor: Option<String>,
    /// The buyer: `cfdi:Receptor/@Rfc` and `@Nombre`.
    pub rfc_receptor: String,
    pub nombre_receptor: Option<String>,
    /// `Moneda`: `MXN` for pesos; other currencies make the amounts foreign.
    pub currency: String,
    /// `TipoCambio`, as written, when the currency is not MXN.
    pub exchange_rate: Option<String>,
    pub subtotal: Centavos,
    pub discount: Option<Centavos>,
    pub total: Centavos,
    /// `cfdi:Impuestos/@TotalImpuestosTrasladados` (IVA, IEPS charged).
    pub taxes_transferred: Option<Centavos>,
    /// `cfdi:Impuestos/@TotalImpuestosRetenidos` (ISR, IVA withheld).
    pub taxes_withheld: Option<Centavos>,
    pub concepts: Vec<CfdiConcept>,
}

/// Why a QR text or an XML is not a readable CFDI. [`CfdiError::code`] is the stable
/// code the UI translates; [`CfdiError::to_validation_error`] gives the usual shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CfdiError {
    #[error("the text is not a CFDI verification address: scan the QR code of the invoice")]
    NotVerificationUrl,
    #[error("the address points to {host}, not to SAT's verification site: check the invoice")]
    NotSatHost { host: String },
    #[error("the verification address has no `{}` parameter", .0.key())]
    MissingParam(QrParam),
    #[error("the verification address gives `{}` twice with different values", .0.key())]
    RepeatedParam(QrParam),
    #[error("the folio fiscal is not 8-4-4-4-12 hexadecimal digits")]
    FolioFormat,
    #[error("the RFC in `{field}` is not valid ({})", .problem.code())]
    Rfc {
        field: &'static str,
        problem: RfcProblem,
    },
    #[error("the amount `{field}` is not a decimal with at most six decimals")]
    Amount { field: &'static str },
    #[error("the seal characters (`fe`) are not what SAT prints")]
    SelloFormat,
    #[error("the text is too large to be a CFDI")]
    TooLarge,
    #[error("the file is not well-formed XML: {detail}")]
    XmlMalformed { detail: String },
    #[error("the XML is not a CFDI (no cfdi:Comprobante of SAT)")]
    NotCfdi,
    #[error("CFDI version {version} is not supported: only 3.3 and 4.0 are read")]
    UnsupportedVersion { version: String },
    #[error("the CFDI has no {what}")]
    XmlMissing { what: &'static str },
    #[error("the CFDI date `{field}` is not a date and time")]
    XmlDate { field: &'static str },
    #[error("the CFDI has no stamp (tfd:TimbreFiscalDigital), so no folio fiscal")]
    NotStamped,
}

impl CfdiError {
    /// Stable code, also the translation key suffix (`error.<code>`).
    pub fn code(&self) -> &'static str {
        match self {
            CfdiError::NotVerificationUrl => "cfdi_qr_not_verification_url",
            CfdiError::NotSatHost { .. } => "cfdi_qr_not_sat",
            CfdiError::MissingParam(QrParam::Id) => "cfdi_qr_missing_folio",
            CfdiError::MissingParam(QrParam::Re) => "cfdi_qr_missing_rfc_emisor",
            CfdiError::MissingParam(QrParam::Rr) => "cfdi_qr_missing_rfc_receptor",
            CfdiError::MissingParam(QrParam::Tt) => "cfdi_qr_missing_total",
            CfdiError::MissingParam(QrParam::Fe) => "cfdi_qr_missing_sello",
            CfdiError::RepeatedParam(_) => "cfdi_qr_repeated",
            CfdiError::FolioFormat => "folio_format",
            CfdiError::Rfc { problem, .. } => problem.code(),
            CfdiError::Amount { .. } => "cfdi_amount_format",
            CfdiError::SelloFormat => "cfdi_qr_sello_format",
            CfdiError::TooLarge => "cfdi_too_large",
            CfdiError::XmlMalformed { .. } => "cfdi_xml_malformed",
            CfdiError::NotCfdi => "cfdi_xml_not_cfdi",
            CfdiError::UnsupportedVersion { .. } => "cfdi_xml_version",
            CfdiError::XmlMissing { .. } => "cfdi_xml_missing",
            CfdiError::XmlDate { .. } => "cfdi_xml_date",
            CfdiError::NotStamped => "cfdi_xml_not_stamped",
        }
    }

    /// The form field the problem belongs to.
    pub fn field(&self) -> &'static str {
        match self {
            CfdiError::MissingParam(p) | CfdiError::RepeatedParam(p) => p.field(),
            CfdiError::FolioFormat | CfdiError::NotStamped => "folio_fiscal",
            CfdiError::Rfc { field, .. } => field,
            CfdiError::Amount { .. } => "total",
            CfdiError::SelloFormat => "sello",
            _ => "cfdi",
        }
    }

    /// The problem as a [`ValidationError`], with the values its message needs.
    pub fn to_validation_error(&self) -> ValidationError {
        let e = ValidationError::new(self.field(), self.code());
        match self {
            CfdiError::NotSatHost { host } => e.with("host", host.clone()),
            CfdiError::RepeatedParam(p) => e.with("param", p.key()),
            CfdiError::Amount { field } => e.with("amount", *field),
            CfdiError::UnsupportedVersion { version } => e.with("version", version.clone()),
            CfdiError::XmlMissing { what } => e.with("missing", *what),
            CfdiError::XmlDate { field } => e.with("attribute", *field),
            _ => e,
        }
    }
}

/// Reads a CFDI amount exactly: digits, optionally a point and at most
/// [`AMOUNT_DECIMALS_MAX`] decimals, leading and trailing zeros allowed
/// (`0000001234.500000` = `1234.5` = `1234.50`). Rounded to centavos half up.
/// `None` for anything else, negative amounts included (CFDI amounts are not).
pub fn parse_cfdi_amount(text: &str) -> Option<Centavos> {
    let s = text.trim();
    let (int_part, frac_part) = s.split_once('.').unwrap_or((s, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if !digits(int_part) || !digits(frac_part) || frac_part.len() > AMOUNT_DECIMALS_MAX {
        return None;
    }
    let int_part = int_part.trim_start_matches('0');
    // i64 centavos end at about 92 quadrillion pesos: 17 digits.
    if int_part.len() > 17 {
        return None;
    }
    let pesos: i128 = if int_part.is_empty() {
        0
    } else {
        int_part.parse().ok()?
    };
    let mut millionths: i128 = 0;
    for i in 0..AMOUNT_DECIMALS_MAX {
        let d = frac_part.as_bytes().get(i).map_or(0, |b| b - b'0');
        millionths = millionths * 10 + i128::from(d);
    }
    let micro_pesos = pesos * 1_000_000 + millionths;
    // Half up: 5 000 millionths of a peso are half a centavo.
    let centavos = (micro_pesos + 5_000) / 10_000;
    i64::try_from(centavos).ok().map(Centavos)
}

/// Reads the text of a CFDI's QR code (see [`CfdiQr`]).
///
/// Accepted: SAT's address (`http` or `https`, the host in any case, any path) with
/// `id`, `re`, `rr`, `tt` and optionally `fe` in any order, or the bare query that
/// CFDI 3.2 printed (`?re=…&rr=…&tt=…&id=…`); `&` or HTML-escaped `&amp;` between
/// parameters; percent-encoding (`%26`, UTF-8 or Latin-1 `Ñ`); surrounding
/// whitespace. Unknown parameters are ignored.
///
/// RFCs may contain `&` (`R&S…`), written `&amp;` in an escaped address. A `&` (or
/// `&amp;`) is a separator only when a parameter name and `=` follow it, which an RFC
/// never contains, so the position decides.
pub fn parse_verification_url(text: &str) -> Result<CfdiQr, CfdiError> {
    if text.len() > QR_TEXT_BYTES_MAX {
        return Err(CfdiError::TooLarge);
    }
    let query = query_of(text.trim())?;
    let mut values: [Option<String>; 5] = Default::default();
    for (key, raw) in split_query(query) {
        let Some(param) = QrParam::from_key(&decode_value(key)) else {
            continue;
        };
        let value = decode_value(raw).trim().to_owned();
        let slot = &mut values[param as usize];
        match slot {
            Some(previous) if *previous != value => return Err(CfdiError::RepeatedParam(param)),
            _ => *slot = Some(value),
        }
    }
    let [id, re, rr, tt, fe] = values;
    let present = |v: Option<String>, p: QrParam| {
        v.filter(|v| !v.is_empty())
            .ok_or(CfdiError::MissingParam(p))
    };
    let id = present(id, QrParam::Id)?;
    let re = present(re, QrParam::Re)?;
    let rr = present(rr, QrParam::Rr)?;
    let tt = present(tt, QrParam::Tt)?;

    let uuid = match validate_folio_fiscal(&id) {
        Ok(Some(uuid)) => uuid,
        _ => return Err(CfdiError::FolioFormat),
    };
    let rfc_emisor = checked_rfc(&re, QrParam::Re.field())?;
    let rfc_receptor = checked_rfc(&rr, QrParam::Rr.field())?;
    let total = parse_cfdi_amount(&tt).ok_or(CfdiError::Amount { field: "tt" })?;
    // A scanner that form-decodes the address turns the seal's `+` into a space.
    let sello_tail = match fe.map(|f| f.replace(' ', "+")).filter(|f| !f.is_empty()) {
        None => None,
        Some(f) if f.chars().count() <= SELLO_TAIL_CHARS_MAX && f.chars().all(is_base64) => Some(f),
        Some(_) => return Err(CfdiError::SelloFormat),
    };
    let version_hint = if sello_tail.is_some() {
        QrVersionHint::Cfdi33Or40
    } else if is_cfdi32_total(&tt) {
        QrVersionHint::Cfdi32
    } else {
        QrVersionHint::Unknown
    };
    Ok(CfdiQr {
        uuid,
        rfc_emisor,
        rfc_receptor,
        total,
        sello_tail,
        version_hint,
    })
}

/// The query part of a QR text: after SAT's address, or the text itself when it is
/// a bare query (CFDI 3.2 printed only `?re=…`).
fn query_of(text: &str) -> Result<&str, CfdiError> {
    let lower = text.to_ascii_lowercase();
    let after_scheme = ["https://", "http://"]
        .iter()
        .find(|s| lower.starts_with(*s))
        .map(|s| s.len());
    let starts_with_host = lower.starts_with(SAT_VERIFICATION_HOST);
    if after_scheme.is_some() || starts_with_host {
        let rest = &text[after_scheme.unwrap_or(0)..];
        let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let host = &rest[..host_end];
        let host_name = host.split(':').next().unwrap_or(host);
        if !host_name
            .trim_end_matches('.')
            .eq_ignore_ascii_case(SAT_VERIFICATION_HOST)
        {
            return Err(CfdiError::NotSatHost {
                host: host.to_owned(),
            });
        }
        let after_host = &rest[host_end..];
        return match after_host.find('?') {
            Some(q) => Ok(&after_host[q + 1..]),
            None => Err(CfdiError::NotVerificationUrl),
        };
    }
    if let Some(query) = text.strip_prefix('?') {
        return Ok(query);
    }
    if key_at(text, 0).is_some() {
        return Ok(text);
    }
    Err(CfdiError::NotVerificationUrl)
}

/// Splits a query into raw (still encoded) `(key, value)` pairs. A separator is `&`,
/// possibly HTML-escaped (`&amp;`, `&#38;`, `&#x26;`, even twice), followed by a
/// parameter name and `=`; any other `&` belongs to the value. A fragment (`#…`)
/// ends the query: no parameter contains `#` other than in `&#38;`.
fn split_query(query: &str) -> Vec<(&str, &str)> {
    let fragment = query
        .match_indices('#')
        .find(|(at, _)| !query[..*at].ends_with('&'))
        .map_or(query.len(), |(at, _)| at);
    let query = &query[..fragment];
    let mut segments = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while let Some(offset) = query[i..].find('&') {
        let amp = i + offset;
        let next = skip_amp_escapes(query, amp + 1);
        if key_at(query, next).is_some() {
            segments.push(&query[start..amp]);
            start = next;
            i = next;
        } else {
            i = amp + 1;
        }
    }
    segments.push(&query[start..]);
    segments
        .into_iter()
        .filter_map(|segment| segment.split_once('='))
        .collect()
}

/// After a `&`, skips the rest of its HTML escapes (`amp;`, `#38;`, `#x26;`, as
/// often as they repeat).
fn skip_amp_escapes(s: &str, mut at: usize) -> usize {
    'outer: loop {
        for escape in ["amp;", "#38;", "#x26;"] {
            if s.get(at..at + escape.len())
                .is_some_and(|t| t.eq_ignore_ascii_case(escape))
            {
                at += escape.len();
                continue 'outer;
            }
        }
        return at;
    }
}

/// The parameter name that starts at `at`, if a name (a letter, then letters,
/// digits or `_`, at most 16) followed by `=` starts there.
fn key_at(s: &str, at: usize) -> Option<&str> {
    let rest = s.get(at..)?;
    let end = rest.find('=')?;
    let key = &rest[..end];
    let mut chars = key.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    (first_ok && key.len() <= 16 && chars.all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then_some(key)
}

/// Decodes a raw query value: percent-encoding first (UTF-8, or Latin-1 when the
/// bytes are not UTF-8, as SAT's own site expects), then the HTML escapes of `&` and
/// `Ñ` that escaped addresses carry, repeatedly for doubly escaped text.
fn decode_value(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    let mut text = match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => e.into_bytes().into_iter().map(char::from).collect(),
    };
    // Each round undoes one level of escaping; three covers any real generator.
    for _ in 0..3 {
        let unescaped = unescape_html(&text);
        if unescaped == text {
            break;
        }
        text = unescaped;
    }
    text
}

/// Undoes the HTML escapes an RFC can need: `&amp;`, `&Ntilde;`, `&ntilde;` and
/// numeric references. Anything else stays as it is.
fn unescape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semicolon = after.find(';').filter(|&n| n <= 8);
        let decoded = semicolon.and_then(|n| {
            let name = &after[..n];
            let c = match name {
                "amp" | "AMP" => Some('&'),
                "Ntilde" => Some('Ñ'),
                "ntilde" => Some('ñ'),
                _ => {
                    let number = name.strip_prefix('#')?;
                    let code = match number.strip_prefix(['x', 'X']) {
                        Some(h) => u32::from_str_radix(h, 16).ok()?,
                        None => number.parse().ok()?,
                    };
                    char::from_u32(code)
                }
            }?;
            Some((c, n))
        });
        match decoded {
            Some((c, n)) => {
                out.push(c);
                rest = &after[n + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn is_base64(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=')
}

/// `tt` as CFDI 3.2 printed it: 10 integer digits, a point, 6 decimals.
fn is_cfdi32_total(tt: &str) -> bool {
    let b = tt.as_bytes();
    b.len() == 17
        && b[10] == b'.'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 10 || c.is_ascii_digit())
}

/// An RFC read from a CFDI: a wrong format or date is an error (the text was misread
/// or is not a CFDI); a check digit mismatch is left to [`purchase_hints`].
fn checked_rfc(value: &str, field: &'static str) -> Result<String, CfdiError> {
    let check = check_rfc(value);
    match check.error() {
        None => Ok(check.normalized),
        Some(problem) => Err(CfdiError::Rfc { field, problem }),
    }
}

/// Reads a CFDI 4.0 or 3.3 XML (see [`CfdiXml`]). Elements are matched by namespace
/// URI, never by prefix. A document type declaration is refused (CFDIs have none),
/// which also keeps entity expansion out.
pub fn parse_cfdi_xml(xml: &str) -> Result<CfdiXml, CfdiError> {
    if xml.len() > XML_BYTES_MAX {
        return Err(CfdiError::TooLarge);
    }
    let text = xml.trim_start_matches('\u{feff}').trim();
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: XML_NODES_MAX,
        ..Default::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, options).map_err(|e| {
        CfdiError::XmlMalformed {
            detail: e.to_string(),
        }
    })?;
    let root = doc.root_element();
    let ns = match root.tag_name().namespace() {
        Some(ns @ (NS_CFD_4 | NS_CFD_3)) if root.tag_name().name() == "Comprobante" => ns,
        _ => return Err(CfdiError::NotCfdi),
    };
    let version = match (ns, root.attribute("Version")) {
        (NS_CFD_4, Some("4.0")) => CfdiVersion::V40,
        (NS_CFD_3, Some("3.3")) => CfdiVersion::V33,
        (_, v) => {
            // CFDI 3.2 wrote its attributes in lower camel case.
            let version = v.or(root.attribute("version")).unwrap_or("?");
            return Err(CfdiError::UnsupportedVersion {
                version: version.chars().take(8).collect(),
            });
        }
    };

    let emisor = child(root, ns, "Emisor").ok_or(CfdiError::XmlMissing {
        what: "cfdi:Emisor",
    })?;
    let receptor = child(root, ns, "Receptor").ok_or(CfdiError::XmlMissing {
        what: "cfdi:Receptor",
    })?;
    let rfc_emisor = checked_rfc(
        required(emisor, "Rfc", "cfdi:Emisor/@Rfc")?,
        QrParam::Re.field(),
    )?;
    let rfc_receptor = checked_rfc(
        required(receptor, "Rfc", "cfdi:Receptor/@Rfc")?,
        QrParam::Rr.field(),
    )?;

    let stamp = child(root, ns, "Complemento")
        .into_iter()
        .flat_map(|c| c.children())
        .find(|n| n.is_element() && is(n, NS_TFD, "TimbreFiscalDigital"))
        .ok_or(CfdiError::NotStamped)?;
    let uuid = match validate_folio_fiscal(stamp.attribute("UUID").unwrap_or("")) {
        Ok(Some(uuid)) => uuid,
        Ok(None) => return Err(CfdiError::NotStamped),
        Err(_) => return Err(CfdiError::FolioFormat),
    };
    let stamped_at = stamp
        .attribute("FechaTimbrado")
        .map(|t| date_time(t, "FechaTimbrado"))
        .transpose()?;

    let taxes = child(root, ns, "Impuestos");
    let concepts = match child(root, ns, "Conceptos") {
        Some(c) => c
            .children()
            .filter(|n| n.is_element() && is(n, ns, "Concepto"))
            .map(concept)
            .collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };

    Ok(CfdiXml {
        version,
        uuid,
        stamped_at,
        series: optional_text(root, "Serie"),
        folio: optional_text(root, "Folio"),
        date: date_time(required(root, "Fecha", "Fecha")?, "Fecha")?,
        voucher_type: required(root, "TipoDeComprobante", "TipoDeComprobante")?
            .trim()
            .to_owned(),
        rfc_emisor,
        nombre_emisor: optional_text(emisor, "Nombre"),
        rfc_receptor,
        nombre_receptor: optional_text(receptor, "Nombre"),
        currency: required(root, "Moneda", "Moneda")?.trim().to_owned(),
        exchange_rate: optional_text(root, "TipoCambio"),
        subtotal: amount(required(root, "SubTotal", "SubTotal")?, "SubTotal")?,
        discount: optional_amount(root, "Descuento")?,
        total: amount(required(root, "Total", "Total")?, "Total")?,
        taxes_transferred: taxes
            .map(|t| optional_amount(t, "TotalImpuestosTrasladados"))
            .transpose()?
            .flatten(),
        taxes_withheld: taxes
            .map(|t| optional_amount(t, "TotalImpuestosRetenidos"))
            .transpose()?
            .flatten(),
        concepts,
    })
}

fn concept(node: roxmltree::Node<'_, '_>) -> Result<CfdiConcept, CfdiError> {
    let quantity = required(node, "Cantidad", "cfdi:Concepto/@Cantidad")?.trim();
    // A quantity is a decimal like an amount (six decimals at most); it stays text.
    if parse_cfdi_amount(quantity).is_none() {
        return Err(CfdiError::Amount { field: "Cantidad" });
    }
    Ok(CfdiConcept {
        product_code: optional_text(node, "ClaveProdServ"),
        description: required(node, "Descripcion", "cfdi:Concepto/@Descripcion")?
            .trim()
            .to_owned(),
        quantity: quantity.to_owned(),
        unit_code: optional_text(node, "ClaveUnidad"),
        unit: optional_text(node, "Unidad"),
        unit_value: amount(
            required(node, "ValorUnitario", "cfdi:Concepto/@ValorUnitario")?,
            "ValorUnitario",
        )?,
        amount: amount(
            required(node, "Importe", "cfdi:Concepto/@Importe")?,
            "Importe",
        )?,
        discount: optional_amount(node, "Descuento")?,
    })
}

fn is(node: &roxmltree::Node<'_, '_>, ns: &str, name: &str) -> bool {
    node.tag_name().namespace() == Some(ns) && node.tag_name().name() == name
}

/// The first child element `name` in namespace `ns`.
fn child<'a, 'input>(
    node: roxmltree::Node<'a, 'input>,
    ns: &str,
    name: &str,
) -> Option<roxmltree::Node<'a, 'input>> {
    node.children().find(|n| n.is_element() && is(n, ns, name))
}

fn required<'a>(
    node: roxmltree::Node<'a, '_>,
    attribute: &str,
    what: &'static str,
) -> Result<&'a str, CfdiError> {
    node.attribute(attribute)
        .filter(|v| !v.trim().is_empty())
        .ok_or(CfdiError::XmlMissing { what })
}

fn optional_text(node: roxmltree::Node<'_, '_>, attribute: &str) -> Option<String> {
    node.attribute(attribute)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

fn amount(text: &str, field: &'static str) -> Result<Centavos, CfdiError> {
    parse_cfdi_amount(text).ok_or(CfdiError::Amount { field })
}

fn optional_amount(
    node: roxmltree::Node<'_, '_>,
    attribute: &'static str,
) -> Result<Option<Centavos>, CfdiError> {
    node.attribute(attribute)
        .map(|t| amount(t, attribute))
        .transpose()
}

/// `Fecha` and `FechaTimbrado`: `YYYY-MM-DDThh:mm:ss`, no time zone.
fn date_time(text: &str, field: &'static str) -> Result<chrono::NaiveDateTime, CfdiError> {
    chrono::NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M:%S")
        .map_err(|_| CfdiError::XmlDate { field })
}

/// What [`purchase_hints`] compares: the common part of a [`CfdiQr`] and a
/// [`CfdiXml`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CfdiSummary {
    pub uuid: String,
    pub rfc_emisor: String,
    pub rfc_receptor: String,
    pub total: Centavos,
    /// Known from the XML only.
    pub currency: Option<String>,
    /// `TipoDeComprobante`, known from the XML only.
    pub voucher_type: Option<String>,
}

impl From<&CfdiQr> for CfdiSummary {
    fn from(qr: &CfdiQr) -> Self {
        CfdiSummary {
            uuid: qr.uuid.clone(),
            rfc_emisor: qr.rfc_emisor.clone(),
            rfc_receptor: qr.rfc_receptor.clone(),
            total: qr.total,
            currency: None,
            voucher_type: None,
        }
    }
}

impl From<&CfdiXml> for CfdiSummary {
    fn from(xml: &CfdiXml) -> Self {
        CfdiSummary {
            uuid: xml.uuid.clone(),
            rfc_emisor: xml.rfc_emisor.clone(),
            rfc_receptor: xml.rfc_receptor.clone(),
            total: xml.total,
            currency: Some(xml.currency.clone()),
            voucher_type: Some(xml.voucher_type.clone()),
        }
    }
}

/// A warning for the purchase form: the purchase can still be saved. Same shape as
/// [`ValidationError`]: the UI shows `error.<code>` with `detail` interpolated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hint {
    /// The form field it concerns.
    pub field: String,
    /// Stable code, also the translation key suffix.
    pub code: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub detail: Vec<(String, String)>,
}

impl Hint {
    fn new(field: &str, code: &str) -> Self {
        Hint {
            field: field.to_owned(),
            code: code.to_owned(),
            detail: Vec::new(),
        }
    }

    fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.detail.push((key.to_owned(), value.into()));
        self
    }
}

/// Warnings about a read CFDI before it backs a purchase:
///
/// - `cfdi_folio_already_used`: its folio fiscal is among `existing_folios` (the
///   folios of the clinic's other purchases; compared without regard to case or
///   surrounding spaces).
/// - `cfdi_total_differs`: `purchase_total` is given and differs from the CFDI's
///   total (details `receipt_total`, `purchase_total`, `difference`, es-MX format).
///   Not given for a foreign currency, where the amounts cannot be compared.
/// - `cfdi_currency_not_mxn`: the CFDI is in another currency (detail `currency`).
/// - `cfdi_not_income`: the CFDI is not a sale (`TipoDeComprobante` other than `I`:
///   a credit note, a payment receipt…; detail `voucher_type`).
/// - `rfc_check_digit`: the supplier's RFC has a check digit that does not match.
pub fn purchase_hints(
    receipt: impl Into<CfdiSummary>,
    existing_folios: &[String],
    purchase_total: Option<Centavos>,
) -> Vec<Hint> {
    let receipt: CfdiSummary = receipt.into();
    let mut hints = Vec::new();
    if existing_folios
        .iter()
        .any(|f| f.trim().eq_ignore_ascii_case(&receipt.uuid))
    {
        hints.push(
            Hint::new("folio_fiscal", "cfdi_folio_already_used").with("folio", &receipt.uuid),
        );
    }
    let foreign = receipt
        .currency
        .as_deref()
        .is_some_and(|c| !c.eq_ignore_ascii_case("MXN"));
    if let Some(purchase_total) = purchase_total {
        if !foreign && purchase_total != receipt.total {
            let difference = Centavos(receipt.total.0.saturating_sub(purchase_total.0));
            hints.push(
                Hint::new("total", "cfdi_total_differs")
                    .with("receipt_total", receipt.total.to_string())
                    .with("purchase_total", purchase_total.to_string())
                    .with("difference", difference.to_string()),
            );
        }
    }
    if let (true, Some(currency)) = (foreign, &receipt.currency) {
        hints.push(Hint::new("total", "cfdi_currency_not_mxn").with("currency", currency));
    }
    if let Some(kind) = receipt.voucher_type.as_deref().filter(|k| *k != "I") {
        hints.push(Hint::new("cfdi", "cfdi_not_income").with("voucher_type", kind));
    }
    if let Some(code) = crate::rfc::rfc_warning(&receipt.rfc_emisor) {
        hints.push(Hint::new("rfc_emisor", code));
    }
    hints
}
