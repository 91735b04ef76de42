//! Every text printed on a document, in Spanish (es-MX), in one table so the documents
//! can be translated later without touching the layout code.
//!
//! Codes stored in the replica (categories, roles, statuses…) are turned into words
//! here too; an unknown code (from a newer app) is printed as it is.

/// Fixed phrases. A `{name}` in a text is filled by [`fill`].
pub mod t {
    pub const PROGRAMME_LINE: &str =
        "Comité de Salud para el Bienestar · Programa La Clínica es Nuestra";

    // Clinic header.
    pub const CLUES: &str = "CLUES";
    pub const CLINIC: &str = "Centro de salud";
    pub const LOCALITY: &str = "Localidad";
    pub const MUNICIPALITY: &str = "Municipio";
    pub const STATE: &str = "Estado";
    pub const CONSULTORIOS: &str = "Consultorios";

    // Page footer.
    pub const PAGE_OF: &str = "Página {n} de {m}";

    // The acta.
    pub const ACTA_TITLE: &str = "Acta de {kind}";
    pub const ACTA_STATUS: &str = "Estado del acta";
    pub const ACTA_DRAFT: &str = "Borrador (sin validez)";
    pub const ACTA_OPENED_DRAFT: &str = "{opened}; borrador (sin validez)";
    pub const ACTA_SIGNED: &str = "{closed}; firmada (foto del acta firmada en el expediente)";
    pub const ACTA_OPENING: &str = "Apertura";
    /// Opened: when (local date and time) and by whom, said as the closing is.
    pub const OPENED_AT_BY: &str = "Abierta el {date} a las {time} por {name}";
    /// Closed: when (local date and time) and by whom, with the office they held.
    pub const CLOSED_AT_BY: &str = "Cerrada el {date} a las {time} por {name}";
    /// Added after `CLOSED_AT_BY` when the closer's office is known.
    pub const CLOSER_OFFICE: &str = ", {role}";
    /// Closed by an app that did not record the time yet.
    pub const CLOSED_BY: &str = "Cerrada por {name} (sin hora de cierre registrada)";
    pub const NOT_RECORDED: &str = "No se registró";
    pub const UNKNOWN_PERSON: &str = "(integrante no registrado)";
    pub const ATTENDANCE: &str = "Lista de asistencia";
    pub const COL_NUMBER: &str = "#";
    pub const COL_SIGNATURE: &str = "Firma o huella";
    pub const PRESENT: &str = "Presente";
    pub const ABSENT: &str = "Ausente";
    pub const MEMBERS_PRESENT: &str = "Integrantes del comité presentes";
    pub const MEMBERS_PRESENT_VALUE: &str = "{present} de {active}";
    pub const COMMUNITY_NAMED: &str = "{count} ({named} con nombre)";
    pub const COMMUNITY_LIST: &str = "Asistentes de la comunidad que dieron su nombre";
    pub const NO_MEMBER_PRESENT: &str =
        "No se registró la asistencia de ningún integrante: firman en la lista de asistencia.";
    pub const QUORUM: &str = "Quórum";
    pub const QUORUM_VALUE_REACHED: &str =
        "Sí hay quórum: se requieren {needed} integrantes ({percent} % de los integrantes activos más uno)";
    pub const QUORUM_VALUE_MISSING: &str =
        "No hay quórum: se requieren {needed} integrantes ({percent} % de los integrantes activos más uno)";
    pub const AGENDA_EMPTY: &str = "No se registró orden del día.";
    pub const AGREEMENTS: &str = "Acuerdos";
    pub const AGREEMENTS_EMPTY: &str = "No se registraron acuerdos.";
    pub const CARRIED_OVER: &str = "(acuerdo que viene de una asamblea anterior)";
    pub const MINUTES_EMPTY: &str = "No se registró el desarrollo de la asamblea.";
    pub const AMENDMENTS: &str = "Enmiendas posteriores al cierre";
    pub const AMENDMENT_ITEM: &str = "{date}: {text}";
    pub const SIGNATURES: &str = "Firmas";
    pub const SIGNATURES_PRESENT: &str = "Firmas de los integrantes presentes";
    pub const PREPARED_BY: &str = "Elaboró";
    pub const REVIEWED_BY: &str = "Revisó";
    pub const APPROVED_BY: &str = "Vo. Bo.";
    pub const VACANT: &str = "(cargo sin ocupar)";

    // The cuadernillo.
    pub const CUADERNILLO_TITLE: &str = "Cuadernillo de control de gastos";
    pub const FISCAL_YEAR: &str = "Ejercicio fiscal {year}";
    pub const ASSIGNED: &str = "Monto asignado";
    pub const COMMITTEE_MEMBERS: &str = "Integrantes del comité";
    pub const CARD_MOVEMENTS: &str = "Movimientos de la tarjeta";
    pub const CARD_MOVEMENTS_EMPTY: &str = "No se registraron movimientos de la tarjeta.";
    pub const CARD_MOVEMENTS_NOTE: &str = "Depósitos y cambio devuelto suman (+); retiros, reintegros y compras pagadas con tarjeta restan (−). El último saldo es el saldo en la tarjeta y debe coincidir con el estado de cuenta.";
    pub const CARD_PURCHASE: &str = "Compra con tarjeta";
    pub const COL_SIGNED_AMOUNT: &str = "Cargo (−) / abono (+)";
    pub const COL_RUNNING_BALANCE: &str = "Saldo";
    pub const COL_MOVEMENT: &str = "Movimiento";
    pub const PURCHASES: &str = "Compras";
    pub const PURCHASES_EMPTY: &str = "No se registraron compras en el ejercicio.";
    pub const COL_QUANTITY_SHORT: &str = "Cant.";
    pub const COL_SUPPLIER_RFC: &str = "Proveedor y RFC";
    pub const COL_RECEIPTS: &str = "Comprobantes";
    pub const COL_RECEIPTS_FOLIOS: &str = "Comprobantes y folio fiscal";

    pub const COL_IN_WORDS: &str = "Importe con letra";
    pub const TOTAL: &str = "Total";
    pub const BALANCE: &str = "Saldo del ejercicio";
    pub const DEPOSITS: &str = "Depósitos recibidos";
    pub const WITHDRAWALS: &str = "Retiros en efectivo";
    pub const CHANGE_RETURNED: &str = "Cambio devuelto a la tarjeta";
    pub const REINTEGROS: &str = "Reintegros";
    pub const RECEIPT_INDEX: &str = "Índice de comprobantes";
    pub const RECEIPT_INDEX_EMPTY: &str = "No hay comprobantes registrados.";
    pub const RECEIPT_NUMBER: &str = "Comprobante {n}";
    pub const RECEIPT_OF: &str = "Compra: {concept} ({date})";
    pub const RECEIPT_KIND_TOTAL: &str = "{kind} por {total}";
    pub const RECEIPT_FOLIO: &str = "Folio fiscal: {folio}";
    pub const RECEIPT_ISSUED: &str = "Expedido el {date}";
    pub const PURCHASE_PHOTOS: &str = "Fotos de la compra {concept} ({date})";
    pub const NO_PHOTO: &str = "Sin foto registrada";
    pub const PHOTO_NOT_HERE: &str = "Foto no disponible en este equipo";
    pub const PHOTO_IN_EXPEDIENTE: &str = "Foto en la carpeta «fotos» de este expediente";
    pub const NONE: &str = "—";

    // The money terms, from the app's glossary: one name per concept.
    pub fn col_category() -> &'static str {
        cosabi_core::glossary::term("category")
    }
    pub fn totals_by_category() -> &'static str {
        cosabi_core::glossary::term("categories_total")
    }
    pub fn card_balance() -> &'static str {
        cosabi_core::glossary::term("card_balance")
    }
    pub fn cash_on_hand() -> &'static str {
        cosabi_core::glossary::term("cash")
    }
    pub fn total_spent() -> &'static str {
        cosabi_core::glossary::term("total_spent")
    }
    /// A column's heading as the app's forms call the field (`column.<name>` in the
    /// glossary): "Concepto", "Pagado con".
    pub fn column(name: &'static str) -> &'static str {
        cosabi_core::glossary::es(&format!("column.{name}")).unwrap_or(name)
    }
    /// Any other word of the glossary by its key (`asm.kind`: "Tipo de asamblea").
    pub fn glossary(key: &'static str) -> &'static str {
        cosabi_core::glossary::es(key).unwrap_or(key)
    }

    // XLSX sheets.
    pub const SHEET_PURCHASES: &str = "Compras";
    pub const SHEET_MOVEMENTS: &str = "Movimientos";
    pub const SHEET_TOTALS: &str = "Totales";
    pub const COL_CONCEPT_TOTAL: &str = "Concepto";

    // The expediente.
    pub const EXPEDIENTE_TITLE: &str = "Expediente del ejercicio {year}";
    pub const INDEX_TITLE: &str = "Índice del expediente";
    pub const COL_FILE: &str = "Archivo";
    pub const COL_KIND: &str = "Tipo";
    pub const COL_TABLE: &str = "Registro";
    pub const COL_DESCRIPTION: &str = "Descripción";
    pub const COMPLETENESS_TITLE: &str = "Revisión de completitud";
    pub const COMPLETENESS_OK: &str = "No se encontraron faltantes.";
    pub const COMPLETENESS_ONE: &str = "Se encontró 1 faltante.";
    pub const COMPLETENESS_COUNT: &str = "Se encontraron {n} faltantes.";
    pub const COL_GAP: &str = "Faltante";
    pub const FILE_ACTA: &str = "Acta de asamblea";
    pub const FILE_CUADERNILLO_PDF: &str = "Cuadernillo de control de gastos (PDF)";
    pub const FILE_CUADERNILLO_XLSX: &str = "Cuadernillo de control de gastos (hoja de cálculo)";
    pub const FILE_RECEIPT_PHOTO: &str = "Foto de comprobante";
    pub const FILE_BEFORE_PHOTO: &str = "Foto de antes";
    pub const FILE_AFTER_PHOTO: &str = "Foto de después";
    pub const FILE_ACTA_PHOTO: &str = "Foto del acta firmada";
    pub const FILE_INDEX: &str = "Índice del expediente";
    pub const FILE_COMPLETENESS: &str = "Revisión de completitud";
    pub const RECORD_ASSEMBLY: &str = "Asamblea";
    pub const RECORD_PURCHASE: &str = "Compra";
    pub const RECORD_RECEIPT: &str = "Comprobante";
    pub const RECORD_ACTION: &str = "Acción";
    pub const RECORD_CLINIC: &str = "Centro de salud";
    pub const RECORD_MEMBER: &str = "Integrante del comité";
    pub const RECORD_ATTENDANCE: &str = "Asistencia";
    pub const RECORD_AMENDMENT: &str = "Enmienda";
    pub const RECORD_AGREEMENT: &str = "Acuerdo";
    pub const RECORD_CARD_MOVEMENT: &str = "Movimiento de la tarjeta";
    pub const RECORD_PHOTO: &str = "Foto";
    pub const RECORD_DOCUMENT_SEAL: &str = "Documento generado";
    pub const RECORD_PIN_EVENT: &str = "NIP en un equipo";
    pub const RECORD_DEVICE: &str = "Nombre de un equipo";
    pub const RECORD_OTHER: &str = "Otro registro";
    pub const RECORD_NONE: &str = "";
    pub const FIELD_OTHER: &str = "otro dato";

    // Gaps in the expediente.
    pub const GAP_PURCHASE_WITHOUT_RECEIPT: &str = "Compra sin comprobante";
    pub const GAP_RECEIPT_TOTAL_DIFFERS: &str =
        "El total de los comprobantes no coincide con la compra";
    pub const GAP_RECEIPT_WITHOUT_PHOTO: &str = "Comprobante sin foto";
    pub const GAP_PHOTO_NOT_ON_DEVICE: &str = "Foto registrada que no está en este equipo";
    pub const GAP_ACTION_WITHOUT_AFTER_PHOTO: &str = "Acción sin foto de después";
    pub const GAP_ACTA_NOT_CLOSED: &str = "Acta sin cerrar";
    pub const GAP_UNRESOLVED_CONFLICT: &str = "Conflicto de sincronización sin resolver";
    pub const GAP_REVIEW_ITEM: &str = "Dato por revisar después de sincronizar";
    pub const GAP_PURCHASE: &str = "{concept} del {date} por {total}";
    pub const GAP_TOTALS: &str =
        "{concept} del {date}: compra por {total}, comprobantes por {receipts}";
    pub const GAP_RECEIPT: &str = "{kind} de {concept} del {date}";
    pub const GAP_ACTION: &str = "{description} ({status})";
    pub const GAP_ACTA: &str = "{kind} del {date}";
    pub const GAP_CONFLICT: &str = "{table}, {column}: quedó «{winner}», se perdió «{loser}»";
    pub const GAP_REVIEW: &str = "{what} ({table})";
    pub const GAP_PHOTO: &str = "{kind} ({sha})";

    // Amounts in words.
    pub const CURRENCY_ONE: &str = "peso";
    pub const CURRENCY_MANY: &str = "pesos";
    pub const CURRENCY_OF: &str = "de";
    pub const CURRENCY_TAIL: &str = "M.N.";
    pub const MINUS: &str = "menos";
}

/// Replaces each `{key}` in `template` by its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (k, v) in values {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

/// Each kind of thing the review inbox flags, in words (the inbox's own text needs
/// the record's values; this names the problem).
const REVIEW_ITEMS: [(&str, &str); 5] = [
    (
        "purchase_total_mismatch",
        "Importe de una compra que no es cantidad por costo unitario",
    ),
    (
        "seat_held_twice",
        "Cargo del comité ocupado por dos personas",
    ),
    ("folio_used_twice", "Folio fiscal usado en dos comprobantes"),
    (
        "acta_edited_while_closing",
        "Acta editada en otro equipo mientras se cerraba",
    ),
    (
        "change_set_aside",
        "Cambio de otro equipo apartado por datos no válidos",
    ),
];

/// Tables by their catalog name, as the record people know.
const TABLES: [(&str, &str); 14] = [
    ("clinic", t::RECORD_CLINIC),
    ("member", t::RECORD_MEMBER),
    ("assembly", t::RECORD_ASSEMBLY),
    ("attendance", t::RECORD_ATTENDANCE),
    ("amendment", t::RECORD_AMENDMENT),
    ("agreement", t::RECORD_AGREEMENT),
    ("action", t::RECORD_ACTION),
    ("card_movement", t::RECORD_CARD_MOVEMENT),
    ("purchase", t::RECORD_PURCHASE),
    ("receipt", t::RECORD_RECEIPT),
    ("photo", t::RECORD_PHOTO),
    ("document_seal", t::RECORD_DOCUMENT_SEAL),
    ("pin_event", t::RECORD_PIN_EVENT),
    ("device", t::RECORD_DEVICE),
];

/// Words used in file names inside the expediente (already slugs).
pub mod file_words {
    pub const ACTAS_DIR: &str = "actas";
    pub const CUADERNILLO_DIR: &str = "cuadernillo";
    pub const PHOTOS_DIR: &str = "fotos";
    pub const ACTA: &str = "acta";
    pub const SIGNED: &str = "firmada";
    pub const BEFORE: &str = "antes";
    pub const AFTER: &str = "despues";
    pub const CUADERNILLO: &str = "cuadernillo-de-control-de-gastos";
    pub const INDEX: &str = "indice";
    pub const COMPLETENESS: &str = "completitud";
    pub const NO_DATE: &str = "sin-fecha";
    pub const UNTITLED: &str = "sin-nombre";
}

/// The glossary's word (shared with the app), or a code this version does not know
/// printed as stored.
fn glossary_or_code<'a>(word: Option<&'static str>, code: &'a str) -> std::borrow::Cow<'a, str> {
    word.map_or(std::borrow::Cow::Borrowed(code), std::borrow::Cow::Borrowed)
}

/// A member's role as it is said of them: by their gender (a [`Gender::code`]), or
/// the office's name when not said ([`role`]). Unknown roles are printed as stored.
///
/// [`Gender::code`]: cosabi_core::committee::Gender::code
pub fn role_of<'a>(code: &'a str, gender: &str) -> std::borrow::Cow<'a, str> {
    glossary_or_code(cosabi_core::glossary::role(code, gender), code)
}

/// The office of a role, whoever holds it ("Tesorería"): what a document says when
/// it names the seat rather than the person.
pub fn role(code: &str) -> std::borrow::Cow<'_, str> {
    role_of(code, "")
}

/// A table of the catalog as the record people know; never the catalog's name.
pub fn table_label(table: &str) -> &'static str {
    TABLES
        .iter()
        .find(|(c, _)| *c == table)
        .map_or(t::RECORD_OTHER, |(_, l)| l)
}

/// A column of the catalog as the app's forms call it (the glossary's `column.*`),
/// lowercased to sit inside a sentence ("importe", but "CLUES" and "RFC" as they
/// are); never the catalog's name.
pub fn column_label(column: &str) -> std::borrow::Cow<'static, str> {
    cosabi_core::glossary::es(&format!("column.{column}"))
        .map_or(std::borrow::Cow::Borrowed(t::FIELD_OTHER), in_sentence)
}

/// A word as it reads inside a sentence: its first letter lowercased, unless the
/// word opens with an acronym ("CLUES", "RFC", "NIP en un equipo").
pub fn in_sentence(word: &'static str) -> std::borrow::Cow<'static, str> {
    let mut chars = word.chars();
    let Some(first) = chars.next() else {
        return std::borrow::Cow::Borrowed(word);
    };
    let acronym = chars.clone().next().is_some_and(char::is_uppercase);
    if !first.is_uppercase() || acronym {
        return std::borrow::Cow::Borrowed(word);
    }
    std::borrow::Cow::Owned(first.to_lowercase().chain(chars).collect())
}

/// A review item's kind in words; an unknown one (from a newer app) is a generic
/// "dato por revisar", never its code.
pub fn review_item(code: &str) -> &'static str {
    REVIEW_ITEMS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(t::GAP_REVIEW_ITEM, |(_, l)| l)
}
/// An assembly's kind as the app names it ("Asamblea ordinaria").
pub fn assembly_kind(code: &str) -> std::borrow::Cow<'_, str> {
    glossary_or_code(cosabi_core::glossary::code("asm.kind", code), code)
}
/// The kind inside a sentence or a title: "Acta de asamblea ordinaria".
pub fn assembly_kind_lower(code: &str) -> std::borrow::Cow<'_, str> {
    cosabi_core::glossary::code("asm.kind", code).map_or(std::borrow::Cow::Borrowed(code), |w| {
        std::borrow::Cow::Owned(in_sentence(w).into_owned())
    })
}
/// An agreement's follow-up as the app names it ("Cumplido").
pub fn agreement_status(code: &str) -> std::borrow::Cow<'_, str> {
    glossary_or_code(cosabi_core::glossary::code("asm.agr_status", code), code)
}
pub fn action_status(code: &str) -> std::borrow::Cow<'_, str> {
    glossary_or_code(cosabi_core::glossary::code("act.status", code), code)
}
pub fn category(code: &str) -> std::borrow::Cow<'_, str> {
    glossary_or_code(cosabi_core::glossary::code("category", code), code)
}
pub fn movement(code: &str) -> std::borrow::Cow<'_, str> {
    glossary_or_code(cosabi_core::glossary::code("movement", code), code)
}
pub fn paid_from(code: &str) -> std::borrow::Cow<'_, str> {
    glossary_or_code(cosabi_core::glossary::code("paid_from", code), code)
}
pub fn receipt_kind(code: &str) -> std::borrow::Cow<'_, str> {
    glossary_or_code(cosabi_core::glossary::code("receipt_kind", code), code)
}

/// The seal of a document and what verifying one says ([`crate::seal`]).
pub mod v {
    pub const FOOTER: &str = "Generado el {when} con {app} · Código de verificación {code}";
    pub const BOX_HEADING: &str = "Verificación de este documento";
    pub const BOX_HOW_ONLINE: &str =
        "Escanee el código QR o escriba el código en {url}: dice si este documento coincide con los registros que el comité sincronizó.";
    pub const BOX_HOW_OFFLINE: &str =
        "Para verificarlo, escriba el código o escanee el código QR en Cosabi (Documentos → Verificar un documento) o en la página de verificación del programa.";
    pub const BOX_RECORDS: &str = "Hecho a partir de {records} del comité.";
    pub const RECORD_ONE: &str = "1 registro";
    pub const RECORD_MANY: &str = "{n} registros";
    pub const CENTRAL_TIME: &str = "{when} (hora del centro de México)";

    pub const DOC_ACTA: &str = "Acta de {kind} del {date}";
    pub const DOC_ACTA_UNKNOWN: &str = "Acta de una asamblea que ya no está registrada";
    pub const DOC_CUADERNILLO: &str = "Cuadernillo de control de gastos {year}";
    pub const DOC_EXPEDIENTE: &str = "Expediente {year}";

    pub const FIELDS_CHANGED: &str = "{record}: {fields}";
    pub const CHANGE_AT: &str = "{what} — {when}";
    pub const CHANGE_BY: &str = "{what} — {when}, por {role}";
    pub const NEW_RECORD: &str = "registro nuevo";
    pub const DELETED: &str = "borrado";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_every_key() {
        assert_eq!(fill(t::PAGE_OF, &[("n", "2"), ("m", "7")]), "Página 2 de 7");
        assert_eq!(fill("{a}{a}", &[("a", "x")]), "xx");
    }

    #[test]
    fn unknown_codes_are_printed_as_stored() {
        assert_eq!(category("equipamiento"), "Equipamiento");
        assert_eq!(category("vehiculos"), "vehiculos");
    }

    #[test]
    fn roles_follow_gender_or_name_the_office() {
        assert_eq!(role_of("presidente", "f"), "Presidenta");
        assert_eq!(role_of("presidente", "m"), "Presidente");
        assert_eq!(role_of("presidente", ""), "Presidencia");
        assert_eq!(role_of("secretario", "f"), "Secretaria");
        assert_eq!(role("secretario"), "Secretaría");
        assert_eq!(role_of("tesorero", "f"), "Tesorera");
        assert_eq!(role("tesorero"), "Tesorería");
        assert_eq!(role_of("contraloria_social", "f"), "Contralora social");
        assert_eq!(role_of("contraloria_social", "m"), "Contralor social");
        assert_eq!(role("contraloria_social"), "Contraloría social");
        assert_eq!(role_of("vocal_salud", "m"), "Vocal de salud");
        assert_eq!(role_of("vocal_transporte", "f"), "vocal_transporte");
    }

    /// One name per concept: a field, an assembly's kind and an agreement's
    /// follow-up are named in the documents as the app's forms name them.
    #[test]
    fn documents_use_the_apps_words() {
        use cosabi_core::glossary::es;
        for table in cosabi_core::schema::TABLES.iter().filter(|t| t.id < 100) {
            for c in table.columns {
                let app = es(&format!("column.{}", c.name)).expect(c.name);
                assert_eq!(column_label(c.name).to_lowercase(), app.to_lowercase());
            }
        }
        assert_eq!(column_label("total"), "importe");
        assert_eq!(column_label("paid_from"), "pagado con");
        assert_eq!(column_label("clues"), "CLUES");
        assert_eq!(column_label("rfc"), "RFC");
        assert_eq!(t::column("paid_from"), "Pagado con");
        assert_eq!(in_sentence("NIP en un equipo"), "NIP en un equipo");
        assert_eq!(in_sentence("Órden"), "órden");
        assert_eq!(in_sentence(""), "");
        for (code, word) in [
            ("constitutiva", "Asamblea constitutiva"),
            ("ordinaria", "Asamblea ordinaria"),
            ("extraordinaria", "Asamblea extraordinaria"),
        ] {
            assert_eq!(assembly_kind(code), word);
            assert_eq!(es(&format!("asm.kind.{code}")), Some(word));
        }
        assert_eq!(assembly_kind_lower("ordinaria"), "asamblea ordinaria");
        assert_eq!(assembly_kind("nueva"), "nueva");
        for code in ["pendiente", "en_proceso", "cumplido", "cancelado"] {
            assert_eq!(
                Some(agreement_status(code).as_ref()),
                es(&format!("asm.agr_status.{code}"))
            );
        }
        assert_eq!(agreement_status("cumplido"), "Cumplido");
        assert_eq!(t::glossary("asm.agr_status"), "Seguimiento");
    }

    #[test]
    fn every_catalog_name_has_words() {
        use cosabi_core::schema::TABLES as CATALOG;
        let (other_table, other_column) = (table_label("no_such"), column_label("no_such"));
        for table in CATALOG.iter().filter(|t| t.id < 100) {
            assert_ne!(table_label(table.name), other_table, "{}", table.name);
            for c in table.columns {
                assert_ne!(
                    column_label(c.name),
                    other_column,
                    "{}.{}",
                    table.name,
                    c.name
                );
            }
        }
        assert_eq!(
            review_item("seat_held_twice"),
            "Cargo del comité ocupado por dos personas"
        );
        assert_eq!(review_item("something_new"), t::GAP_REVIEW_ITEM);
    }
}
