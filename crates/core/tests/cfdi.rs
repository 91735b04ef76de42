//! CFDI reading: the QR's verification address, the XML, and the hints for the
//! purchase form. Fixtures in `fixtures/` were written for these tests (SAT's published
//! test RFCs, placeholder seals).

use cosabi_core::cfdi::{
    parse_cfdi_amount, parse_cfdi_xml, parse_verification_url, purchase_hints, CfdiError, CfdiQr,
    CfdiSummary, CfdiVersion, QrParam, QrVersionHint,
};
use cosabi_core::Centavos;

const FERRETERIA: &str = include_str!("fixtures/cfdi40_ferreteria_iva.xml");
const PUBLICO: &str = include_str!("fixtures/cfdi40_publico_en_general.xml");
const CFDI33: &str = include_str!("fixtures/cfdi33_default_namespace.xml");

const UUID: &str = "5A3F1C2B-8D4E-4F6A-9B7C-1E2D3F4A5B6C";
const SAT: &str = "https://verificacfdi.facturaelectronica.sat.gob.mx/default.aspx";

fn qr(text: &str) -> CfdiQr {
    parse_verification_url(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn qr_code(text: &str) -> &'static str {
    parse_verification_url(text)
        .map(|q| panic!("{text} parsed as {q:?}"))
        .unwrap_err()
        .code()
}

mod amounts {
    use super::*;

    #[test]
    fn forms_of_one_amount() {
        for form in [
            "1234.5",
            "1234.50",
            "0000001234.500000",
            "1234.500",
            "01234.5",
        ] {
            assert_eq!(parse_cfdi_amount(form), Some(Centavos(123_450)), "{form}");
        }
        for (form, centavos) in [
            ("1234", 123_400),
            ("1234.", 123_400),
            (".5", 50),
            ("0", 0),
            ("0000000000.000000", 0),
            // Half a centavo and more rounds up; less rounds down.
            ("1234.005", 123_401),
            ("1234.004999", 123_400),
            ("0.995", 100),
            (" 99.999999 ", 10_000),
        ] {
            assert_eq!(parse_cfdi_amount(form), Some(Centavos(centavos)), "{form}");
        }
        for bad in [
            "",
            ".",
            "1234.0000001", // seven decimals
            "-1234.50",
            "+1234.50",
            "1,234.50",
            "1234,50",
            "12 34",
            "1e3",
            "$1234",
            "1234.5.0",
            "999999999999999999", // 18 digits: more than i64 centavos hold
        ] {
            assert_eq!(parse_cfdi_amount(bad), None, "{bad:?}");
        }
        assert_eq!(
            parse_cfdi_amount("92233720368547758.07"),
            Some(Centavos(i64::MAX))
        );
        assert_eq!(parse_cfdi_amount("92233720368547758.08"), None);
    }
}

mod qr {
    use super::*;

    #[test]
    fn cfdi40_address() {
        let q = qr(&format!(
            "{SAT}?id=5a3f1c2b-8d4e-4f6a-9b7c-1e2d3f4a5b6c&re=IIA040805DZ4&rr=URE180429TM6&tt=5766.94&fe=AbCd1234"
        ));
        assert_eq!(
            q,
            CfdiQr {
                uuid: UUID.into(),
                rfc_emisor: "IIA040805DZ4".into(),
                rfc_receptor: "URE180429TM6".into(),
                total: Centavos(576_694),
                sello_tail: Some("AbCd1234".into()),
                version_hint: QrVersionHint::Cfdi33Or40,
            }
        );
    }

    #[test]
    fn cfdi32_bare_query_in_any_order() {
        let q = qr(&format!(
            "?re=IIA040805DZ4&rr=URE180429TM6&tt=0000005766.940000&id={UUID}"
        ));
        assert_eq!(q.uuid, UUID);
        assert_eq!(q.total, Centavos(576_694));
        assert_eq!(q.sello_tail, None);
        assert_eq!(q.version_hint, QrVersionHint::Cfdi32);
        // Without the question mark too, and with SAT's host in front.
        let bare = qr(&format!(
            "tt=0000005766.940000&id={UUID}&rr=URE180429TM6&re=IIA040805DZ4"
        ));
        assert_eq!(bare, q);
        let hosted = qr(&format!(
            "{SAT}?re=IIA040805DZ4&rr=URE180429TM6&tt=0000005766.940000&id={UUID}"
        ));
        assert_eq!(hosted, q);
        // A 3.3/4.0 address that lost its `fe` says nothing about its version.
        let unknown = qr(&format!(
            "{SAT}?id={UUID}&re=IIA040805DZ4&rr=URE180429TM6&tt=5766.94"
        ));
        assert_eq!(unknown.version_hint, QrVersionHint::Unknown);
    }

    #[test]
    fn html_escaped_separators_and_ampersands_in_rfcs() {
        let expected = qr(&format!(
            "{SAT}?id={UUID}&re=H&E951128469&rr=&&&030828PX7&tt=3686.67&fe=Zx+/9Q=="
        ));
        assert_eq!(expected.rfc_emisor, "H&E951128469");
        assert_eq!(expected.rfc_receptor, "&&&030828PX7");
        assert_eq!(expected.sello_tail.as_deref(), Some("Zx+/9Q=="));
        for text in [
            // Copied from an HTML page or an XML attribute.
            format!("{SAT}?id={UUID}&amp;re=H&amp;E951128469&amp;rr=&amp;&amp;&amp;030828PX7&amp;tt=3686.67&amp;fe=Zx+/9Q=="),
            // Escaped twice.
            format!("{SAT}?id={UUID}&amp;amp;re=H&amp;amp;E951128469&amp;amp;rr=&amp;amp;&amp;amp;&amp;amp;030828PX7&amp;amp;tt=3686.67&amp;amp;fe=Zx+/9Q=="),
            // Separators escaped, RFC raw, and the other way round.
            format!("{SAT}?id={UUID}&amp;re=H&E951128469&amp;rr=&&&030828PX7&amp;tt=3686.67&amp;fe=Zx+/9Q=="),
            format!("{SAT}?id={UUID}&re=H&amp;E951128469&rr=&#38;&#x26;&amp;030828PX7&tt=3686.67&fe=Zx+/9Q=="),
            // Percent-encoded.
            format!("{SAT}?id={UUID}&re=H%26E951128469&rr=%26%26%26030828PX7&tt=3686.67&fe=Zx%2B%2F9Q%3D%3D"),
            // Parameter names in capitals, the order changed.
            format!("{SAT}?FE=Zx+/9Q==&TT=3686.67&RR=&&&030828PX7&RE=H&E951128469&ID={UUID}"),
        ] {
            assert_eq!(qr(&text), expected, "{text}");
        }
    }

    #[test]
    fn tolerated_variations() {
        let expected = qr(&format!(
            "{SAT}?id={UUID}&re=IIA040805DZ4&rr=URE180429TM6&tt=5766.94&fe=AbCd1234"
        ));
        for text in [
            format!("  \n{SAT}?id={UUID}&re=IIA040805DZ4&rr=URE180429TM6&tt=5766.94&fe=AbCd1234\r\n"),
            format!("http://VERIFICACFDI.FACTURAELECTRONICA.SAT.GOB.MX/Default.aspx?id={UUID}&re=IIA040805DZ4&rr=URE180429TM6&tt=5766.94&fe=AbCd1234"),
            format!("HTTPS://verificacfdi.facturaelectronica.sat.gob.mx:443/default.aspx?id={UUID}&re=IIA040805DZ4&rr=URE180429TM6&tt=5766.94&fe=AbCd1234"),
            format!("verificacfdi.facturaelectronica.sat.gob.mx/default.aspx?id={UUID}&re=IIA040805DZ4&rr=URE180429TM6&tt=5766.94&fe=AbCd1234"),
            format!("{SAT}?id={UUID}&re=iia040805dz4&rr=ure180429tm6&tt=005766.940&fe=AbCd1234"),
            format!("{SAT}?id= {UUID} &re= IIA040805DZ4&rr=URE180429TM6&tt=5766.94&fe=AbCd1234#top"),
            format!("{SAT}?utm_source=pdf&id={UUID}&re=IIA040805DZ4&lang=es&rr=URE180429TM6&tt=5766.94&fe=AbCd1234"),
            format!("{SAT}?id={UUID}&re=IIA040805DZ4&rr=URE180429TM6&tt=5766.94&fe=AbCd1234&re=IIA040805DZ4"),
        ] {
            assert_eq!(qr(&text), expected, "{text}");
        }
        // A scanner that form-decodes the address turns the seal's `+` into a space.
        let q = qr(&format!(
            "{SAT}?id={UUID}&re=IIA040805DZ4&rr=URE180429TM6&tt=1&fe=Zx /9Q=="
        ));
        assert_eq!(q.sello_tail.as_deref(), Some("Zx+/9Q=="));
    }

    #[test]
    fn enye_in_any_encoding() {
        for re in [
            "MUÑ110218LJ6",
            "mu%C3%B1110218lj6",
            "MU%D1110218LJ6",
            "MU&Ntilde;110218LJ6",
        ] {
            let q = qr(&format!(
                "{SAT}?id={UUID}&re={re}&rr=XAXX010101000&tt=10.00&fe=AbCd1234"
            ));
            assert_eq!(q.rfc_emisor, "MUÑ110218LJ6", "{re}");
        }
    }

    #[test]
    fn errors_name_what_is_missing() {
        let full = [
            ("id", UUID),
            ("re", "IIA040805DZ4"),
            ("rr", "URE180429TM6"),
            ("tt", "5766.94"),
        ];
        for (missing, code) in [
            ("id", "cfdi_qr_missing_folio"),
            ("re", "cfdi_qr_missing_rfc_emisor"),
            ("rr", "cfdi_qr_missing_rfc_receptor"),
            ("tt", "cfdi_qr_missing_total"),
        ] {
            let query: Vec<String> = full
                .iter()
                .filter(|(k, _)| *k != missing)
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let text = format!("{SAT}?{}", query.join("&"));
            assert_eq!(qr_code(&text), code, "{text}");
            // An empty value is as good as none.
            let text = format!("{text}&{missing}=");
            assert_eq!(qr_code(&text), code, "{text}");
        }
        let e = parse_verification_url(&format!("{SAT}?re=IIA040805DZ4")).unwrap_err();
        assert_eq!(e, CfdiError::MissingParam(QrParam::Id));
        assert_eq!(e.to_validation_error().field, "folio_fiscal");
    }

    #[test]
    fn refusals() {
        let tail = format!("id={UUID}&re=IIA040805DZ4&rr=URE180429TM6&tt=5766.94&fe=AbCd1234");
        for (text, code) in [
            ("".to_owned(), "cfdi_qr_not_verification_url"),
            ("Tlapalería La Esperanza".to_owned(), "cfdi_qr_not_verification_url"),
            (SAT.to_owned(), "cfdi_qr_not_verification_url"),
            ("=5766.94".to_owned(), "cfdi_qr_not_verification_url"),
            (format!("https://verificacfdi.facturaelectronica.sat.gob.mx.example.com/default.aspx?{tail}"), "cfdi_qr_not_sat"),
            (format!("https://example.com/?{tail}"), "cfdi_qr_not_sat"),
            (format!("{SAT}?{tail}&id=00000000-0000-0000-0000-000000000000"), "cfdi_qr_repeated"),
            (format!("{SAT}?id=5a3f1c2b8d4e4f6a9b7c1e2d3f4a5b6c&re=IIA040805DZ4&rr=URE180429TM6&tt=1"), "folio_format"),
            (format!("{SAT}?id={UUID}&re=IIA04O805DZ4&rr=URE180429TM6&tt=1"), "rfc_format"),
            (format!("{SAT}?id={UUID}&re=IIA041305DZ4&rr=URE180429TM6&tt=1"), "rfc_date"),
            (format!("{SAT}?id={UUID}&re=IIA040805DZ4&rr=URE18042&tt=1"), "rfc_format"),
            (format!("{SAT}?id={UUID}&re=IIA040805DZ4&rr=URE180429TM6&tt=1234.0000001"), "cfdi_amount_format"),
            (format!("{SAT}?id={UUID}&re=IIA040805DZ4&rr=URE180429TM6&tt=-5"), "cfdi_amount_format"),
            (format!("{SAT}?id={UUID}&re=IIA040805DZ4&rr=URE180429TM6&tt=1&fe=AbCd12345"), "cfdi_qr_sello_format"),
            (format!("{SAT}?id={UUID}&re=IIA040805DZ4&rr=URE180429TM6&tt=1&fe=Ab*d"), "cfdi_qr_sello_format"),
            (format!("{SAT}?{}", "x".repeat(5000)), "cfdi_too_large"),
        ] {
            assert_eq!(qr_code(&text), code, "{text}");
        }
        let e = parse_verification_url(&format!("https://sat.gob.mx.example.com/v?{tail}"))
            .unwrap_err()
            .to_validation_error();
        assert_eq!(
            e.detail,
            vec![("host".to_owned(), "sat.gob.mx.example.com".to_owned())]
        );
        let e =
            parse_verification_url(&format!("{SAT}?id={UUID}&re=IIA040805DZ4&rr=URE18042&tt=1"))
                .unwrap_err();
        assert_eq!(e.field(), "rfc_receptor");
    }

    #[test]
    fn check_digit_mismatch_is_not_refused() {
        // SIN9311169P8 is in use although its check digit does not match (see rfc.rs).
        let q = qr(&format!(
            "{SAT}?id={UUID}&re=SIN9311169P8&rr=XAXX010101000&tt=1"
        ));
        assert_eq!(q.rfc_emisor, "SIN9311169P8");
    }
}

mod xml {
    use super::*;
    use chrono::NaiveDate;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> chrono::NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, s)
            .unwrap()
    }

    #[test]
    fn hardware_store_invoice() {
        let c = parse_cfdi_xml(FERRETERIA).unwrap();
        assert_eq!(c.version, CfdiVersion::V40);
        assert_eq!(c.uuid, UUID);
        assert_eq!(c.stamped_at, Some(at(2025, 5, 2, 11, 33, 15)));
        assert_eq!(c.series.as_deref(), Some("F"));
        assert_eq!(c.folio.as_deref(), Some("10234"));
        assert_eq!(c.date, at(2025, 5, 2, 11, 32, 7));
        assert_eq!(c.voucher_type, "I");
        assert_eq!(c.rfc_emisor, "IIA040805DZ4");
        assert_eq!(
            c.nombre_emisor.as_deref(),
            Some("INDISTRIA ILUMINADORA DE ALMACENES")
        );
        assert_eq!(c.rfc_receptor, "URE180429TM6");
        assert_eq!(
            c.nombre_receptor.as_deref(),
            Some("UNIVERSIDAD ROBOTICA ESPAÑOLA")
        );
        assert_eq!(c.currency, "MXN");
        assert_eq!(c.exchange_rate, None);
        assert_eq!(c.subtotal, Centavos(497_150));
        assert_eq!(c.discount, None);
        assert_eq!(c.total, Centavos(576_694));
        // The receipt-level taxes, not a concept's.
        assert_eq!(c.taxes_transferred, Some(Centavos(79_544)));
        assert_eq!(c.taxes_withheld, None);
        assert_eq!(c.concepts.len(), 2);
        let cement = &c.concepts[0];
        assert_eq!(cement.description, "Cemento gris 50 kg");
        assert_eq!(cement.product_code.as_deref(), Some("30111601"));
        assert_eq!(cement.quantity, "10");
        assert_eq!(cement.unit_code.as_deref(), Some("H87"));
        assert_eq!(cement.unit.as_deref(), Some("Pieza"));
        assert_eq!(cement.unit_value, Centavos(24_500));
        assert_eq!(cement.amount, Centavos(245_000));
        let rebar = &c.concepts[1];
        assert_eq!(rebar.description, "Varilla corrugada 3/8\" de 12 m");
        assert_eq!(rebar.quantity, "15");
        assert_eq!(rebar.unit_value, Centavos(16_810));
        assert_eq!(rebar.amount, Centavos(252_150));
        let lines: i64 = c.concepts.iter().map(|k| k.amount.0).sum();
        assert_eq!(Centavos(lines), c.subtotal);
        assert_eq!(
            c.subtotal.checked_add(c.taxes_transferred.unwrap()),
            Some(c.total)
        );
    }

    #[test]
    fn general_public_with_six_decimals() {
        let c = parse_cfdi_xml(PUBLICO).unwrap();
        assert_eq!(c.uuid, "C0FFEE12-3456-4789-ABCD-EF0123456789");
        assert_eq!(c.rfc_emisor, "CACX7605101P8");
        assert_eq!(c.rfc_receptor, "XAXX010101000");
        assert_eq!(c.nombre_receptor.as_deref(), Some("PUBLICO EN GENERAL"));
        assert_eq!(c.series, None);
        assert_eq!(c.folio.as_deref(), Some("A-877"));
        assert_eq!(c.subtotal, Centavos(328_030));
        assert_eq!(c.taxes_transferred, Some(Centavos(52_485)));
        assert_eq!(c.total, Centavos(380_515));
        let paint = &c.concepts[0];
        assert_eq!(paint.description, "Pintura vinílica blanca 19 L");
        // 1078.017241 and 3234.051723 pesos, rounded to centavos.
        assert_eq!(paint.unit_value, Centavos(107_802));
        assert_eq!(paint.amount, Centavos(323_405));
        let cable = &c.concepts[1];
        assert_eq!(cable.quantity, "2.500");
        assert_eq!(cable.unit_code.as_deref(), Some("MTR"));
        assert_eq!(cable.amount, Centavos(4_625));
    }

    #[test]
    fn cfdi33_matched_by_namespace_not_prefix() {
        let c = parse_cfdi_xml(CFDI33).unwrap();
        assert_eq!(c.version, CfdiVersion::V33);
        assert_eq!(c.uuid, "0E2B9C71-44AA-4C1D-8F0E-3A5B7C9D1E2F");
        assert_eq!(c.rfc_emisor, "H&E951128469");
        assert_eq!(c.nombre_emisor.as_deref(), Some("HERRERIA & ELECTRICOS"));
        assert_eq!(c.rfc_receptor, "KIJ0906199R1");
        assert_eq!(c.date, at(2021, 11, 15, 9, 5, 0));
        assert_eq!(c.discount, Some(Centavos::ZERO));
        assert_eq!(c.subtotal, Centavos(350_000));
        assert_eq!(c.taxes_transferred, Some(Centavos(56_000)));
        assert_eq!(c.taxes_withheld, Some(Centavos(37_333)));
        assert_eq!(c.total, Centavos(368_667));
        assert_eq!(c.concepts.len(), 1);
        assert_eq!(
            c.concepts[0].description,
            "Mano de obra: instalación eléctrica del consultorio"
        );
    }

    #[test]
    fn a_bom_and_other_prefixes_are_fine() {
        let renamed = FERRETERIA
            .replace("cfdi:", "x:")
            .replace("xmlns:cfdi=", "xmlns:x=");
        let with_bom = format!("\u{feff}{renamed}");
        assert_eq!(
            parse_cfdi_xml(&with_bom).unwrap(),
            parse_cfdi_xml(FERRETERIA).unwrap()
        );
    }

    fn xml_code(xml: &str) -> &'static str {
        parse_cfdi_xml(xml)
            .map(|c| panic!("parsed as {c:?}"))
            .unwrap_err()
            .code()
    }

    #[test]
    fn not_a_cfdi() {
        for (xml, code) in [
            ("".to_owned(), "cfdi_xml_malformed"),
            ("hello".to_owned(), "cfdi_xml_malformed"),
            ("<a><b></a>".to_owned(), "cfdi_xml_malformed"),
            (r#"<rss version="2.0"><channel/></rss>"#.to_owned(), "cfdi_xml_not_cfdi"),
            // The usual prefix bound to another namespace is not a CFDI.
            (
                FERRETERIA.replace("http://www.sat.gob.mx/cfd/4", "http://example.com/cfd/4"),
                "cfdi_xml_not_cfdi",
            ),
            // A Comprobante without a namespace neither.
            (r#"<Comprobante Version="4.0" Total="1"/>"#.to_owned(), "cfdi_xml_not_cfdi"),
            (
                r#"<cfdi:Comprobante xmlns:cfdi="http://www.sat.gob.mx/cfd/3" version="3.2" total="1"/>"#
                    .to_owned(),
                "cfdi_xml_version",
            ),
            (FERRETERIA.replace(r#"Version="4.0""#, r#"Version="3.3""#), "cfdi_xml_version"),
            // A document type declaration is refused (CFDIs have none).
            (
                format!(
                    "<!DOCTYPE x [<!ENTITY a \"aaaa\">]>{}",
                    FERRETERIA.split_once("?>").unwrap().1
                ),
                "cfdi_xml_malformed",
            ),
        ] {
            assert_eq!(xml_code(&xml), code, "{xml}");
        }
    }

    #[test]
    fn incomplete_cfdis() {
        let unstamped = {
            let start = FERRETERIA.find("<cfdi:Complemento>").unwrap();
            let end = FERRETERIA.find("</cfdi:Complemento>").unwrap() + "</cfdi:Complemento>".len();
            format!("{}{}", &FERRETERIA[..start], &FERRETERIA[end..])
        };
        assert_eq!(xml_code(&unstamped), "cfdi_xml_not_stamped");
        // A stamp in another namespace is no stamp.
        assert_eq!(
            xml_code(&FERRETERIA.replace(
                "http://www.sat.gob.mx/TimbreFiscalDigital\" xsi",
                "http://example.com/TimbreFiscalDigital\" xsi"
            )),
            "cfdi_xml_not_stamped"
        );
        for (from, to, code, detail) in [
            (r#"Total="5766.94""#, "", "cfdi_xml_missing", "Total"),
            (
                r#"Rfc="IIA040805DZ4""#,
                "",
                "cfdi_xml_missing",
                "cfdi:Emisor/@Rfc",
            ),
            (
                r#"Total="5766.94""#,
                r#"Total="5,766.94""#,
                "cfdi_amount_format",
                "Total",
            ),
            (
                r#"Importe="2450.00""#,
                r#"Importe="2450.0000001""#,
                "cfdi_amount_format",
                "Importe",
            ),
            (
                r#"Cantidad="10""#,
                r#"Cantidad="diez""#,
                "cfdi_amount_format",
                "Cantidad",
            ),
            (
                r#"Fecha="2025-05-02T11:32:07""#,
                r#"Fecha="02/05/2025""#,
                "cfdi_xml_date",
                "Fecha",
            ),
            (
                r#"Rfc="URE180429TM6""#,
                r#"Rfc="URE18042""#,
                "rfc_format",
                "",
            ),
            (
                r#"UUID="5A3F1C2B-8D4E-4F6A-9B7C-1E2D3F4A5B6C""#,
                r#"UUID="5A3F1C2B""#,
                "folio_format",
                "",
            ),
        ] {
            assert!(FERRETERIA.contains(from), "{from}");
            let e = parse_cfdi_xml(&FERRETERIA.replacen(from, to, 1)).unwrap_err();
            assert_eq!(e.code(), code, "{from} → {to}");
            let v = e.to_validation_error();
            if !detail.is_empty() {
                assert_eq!(v.detail[0].1, detail, "{from} → {to}");
            }
        }
        let e = parse_cfdi_xml(&FERRETERIA.replace(r#"Rfc="URE180429TM6""#, r#"Rfc="URE18042""#))
            .unwrap_err();
        assert_eq!(e.field(), "rfc_receptor");
    }

    #[test]
    fn size_limit() {
        let padded = format!(
            "{FERRETERIA}<!--{}-->",
            "x".repeat(cosabi_core::cfdi::XML_BYTES_MAX)
        );
        assert_eq!(xml_code(&padded), "cfdi_too_large");
    }

    #[test]
    fn the_qr_agrees_with_the_xml() {
        let xml = parse_cfdi_xml(FERRETERIA).unwrap();
        let q = qr(&format!(
            "{SAT}?id={}&re={}&rr={}&tt={}&fe={}",
            xml.uuid.to_lowercase(),
            xml.rfc_emisor,
            xml.rfc_receptor,
            "5766.940000",
            "AbCd1234"
        ));
        let mut from_xml = CfdiSummary::from(&xml);
        from_xml.currency = None;
        from_xml.voucher_type = None;
        assert_eq!(CfdiSummary::from(&q), from_xml);
    }
}

mod hints {
    use super::*;

    fn codes(h: &[cosabi_core::cfdi::Hint]) -> Vec<&str> {
        h.iter().map(|h| h.code.as_str()).collect()
    }

    #[test]
    fn a_clean_receipt_has_no_hint() {
        let xml = parse_cfdi_xml(FERRETERIA).unwrap();
        let others = vec!["C0FFEE12-3456-4789-ABCD-EF0123456789".to_owned()];
        assert!(purchase_hints(&xml, &others, Some(Centavos(576_694))).is_empty());
        assert!(purchase_hints(&xml, &[], None).is_empty());
    }

    #[test]
    fn folio_already_used_and_total_differs() {
        let xml = parse_cfdi_xml(FERRETERIA).unwrap();
        let others = vec![format!(" {} ", UUID.to_lowercase())];
        let hints = purchase_hints(&xml, &others, Some(Centavos(500_000)));
        assert_eq!(
            codes(&hints),
            vec!["cfdi_folio_already_used", "cfdi_total_differs"]
        );
        assert_eq!(hints[0].field, "folio_fiscal");
        assert_eq!(hints[1].field, "total");
        assert_eq!(
            hints[1].detail,
            vec![
                ("receipt_total".to_owned(), "$5,766.94".to_owned()),
                ("purchase_total".to_owned(), "$5,000.00".to_owned()),
                ("difference".to_owned(), "$766.94".to_owned()),
            ]
        );
    }

    #[test]
    fn from_a_qr() {
        let q = qr(&format!(
            "{SAT}?id={UUID}&re=SIN9311169P8&rr=XAXX010101000&tt=1250.5&fe=AbCd1234"
        ));
        assert_eq!(
            codes(&purchase_hints(&q, &[], Some(Centavos(125_051)))),
            vec!["cfdi_total_differs", "rfc_check_digit"]
        );
        assert_eq!(
            codes(&purchase_hints(&q, &[], Some(Centavos(125_050)))),
            vec!["rfc_check_digit"]
        );
    }

    #[test]
    fn foreign_currency_and_other_voucher_types() {
        let usd = FERRETERIA.replace(r#"Moneda="MXN""#, r#"Moneda="USD" TipoCambio="17.2345""#);
        let xml = parse_cfdi_xml(&usd).unwrap();
        assert_eq!(xml.exchange_rate.as_deref(), Some("17.2345"));
        let hints = purchase_hints(&xml, &[], Some(Centavos(1)));
        assert_eq!(codes(&hints), vec!["cfdi_currency_not_mxn"]);
        assert_eq!(
            hints[0].detail,
            vec![("currency".to_owned(), "USD".to_owned())]
        );

        let credit_note =
            FERRETERIA.replace(r#"TipoDeComprobante="I""#, r#"TipoDeComprobante="E""#);
        let xml = parse_cfdi_xml(&credit_note).unwrap();
        assert_eq!(
            codes(&purchase_hints(&xml, &[], None)),
            vec!["cfdi_not_income"]
        );
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Every way a CFDI writes an amount of `micro` millionths of a peso.
    fn forms(micro: u64) -> Vec<String> {
        let pesos = micro / 1_000_000;
        let frac = micro % 1_000_000;
        let six = format!("{frac:06}");
        let trimmed = six.trim_end_matches('0');
        let mut forms = vec![
            format!("{pesos}.{six}"),
            format!("{pesos:010}.{six}"),
            format!("000{pesos}.{six}"),
        ];
        if trimmed.is_empty() {
            forms.push(format!("{pesos}"));
            forms.push(format!("{pesos}.00"));
            forms.push(format!("{pesos:010}"));
        } else {
            forms.push(format!("{pesos}.{trimmed}"));
            if trimmed.len() < 6 {
                forms.push(format!("{pesos}.{trimmed}0"));
            }
        }
        forms
    }

    fn rfc() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "IIA040805DZ4",
            "H&E951128469",
            "&&&030828PX7",
            "AA&0607148I0",
            "MUÑ110218LJ6",
            "XAXX010101000",
            "CACX7605101P8",
            "SIN9311169P8",
        ])
    }

    /// How a `&` inside an RFC may be written.
    fn escape_rfc(rfc: &str, how: u8) -> String {
        match how % 4 {
            0 => rfc.to_owned(),
            1 => rfc.replace('&', "&amp;"),
            2 => rfc.replace('&', "%26"),
            _ => rfc.replace('&', "&#38;"),
        }
    }

    proptest! {
        #[test]
        fn every_form_of_an_amount_is_the_same_centavos(
            // Up to ten integer digits, as CFDI 3.2 padded them.
            micro in 0u64..10_000_000_000_000_000,
            exact_centavos in any::<bool>(),
        ) {
            let micro = if exact_centavos { micro / 10_000 * 10_000 } else { micro };
            let expected = Centavos(((micro + 5_000) / 10_000) as i64);
            for form in forms(micro) {
                prop_assert_eq!(parse_cfdi_amount(&form), Some(expected), "{}", form);
                let text = format!("{SAT}?id={UUID}&re=IIA040805DZ4&rr=XAXX010101000&tt={form}");
                prop_assert_eq!(qr(&text).total, expected);
            }
        }

        #[test]
        fn parameter_order_and_escaping_do_not_matter(
            order in Just((0..5usize).collect::<Vec<_>>()).prop_shuffle(),
            escaped in prop::collection::vec(any::<bool>(), 5),
            re in rfc(),
            rr in rfc(),
            re_how in any::<u8>(),
            rr_how in any::<u8>(),
            micro in 0u64..100_000_000_000_000,
            lower_uuid in any::<bool>(),
            with_host in any::<bool>(),
        ) {
            let uuid = if lower_uuid { UUID.to_lowercase() } else { UUID.to_owned() };
            let tt = forms(micro)[0].clone();
            let params = [
                format!("id={uuid}"),
                format!("re={}", escape_rfc(re, re_how)),
                format!("rr={}", escape_rfc(rr, rr_how)),
                format!("tt={tt}"),
                "fe=Zx+/9Q==".to_owned(),
            ];
            let mut query = String::new();
            for (n, i) in order.iter().enumerate() {
                if n > 0 {
                    query.push_str(if escaped[n] { "&amp;" } else { "&" });
                }
                query.push_str(&params[*i]);
            }
            let text = if with_host { format!("{SAT}?{query}") } else { format!("?{query}") };
            let q = qr(&text);
            prop_assert_eq!(q.uuid.as_str(), UUID);
            prop_assert_eq!(q.rfc_emisor.as_str(), re);
            prop_assert_eq!(q.rfc_receptor.as_str(), rr);
            prop_assert_eq!(q.total, Centavos(((micro + 5_000) / 10_000) as i64));
            prop_assert_eq!(q.sello_tail.as_deref(), Some("Zx+/9Q=="));
        }

        #[test]
        fn random_text_never_panics(text in "\\PC{0,300}") {
            let _ = parse_verification_url(&text);
            let _ = parse_cfdi_xml(&text);
            let _ = parse_cfdi_amount(&text);
        }

        #[test]
        fn query_like_garbage_never_panics(
            parts in prop::collection::vec(
                prop::sample::select(vec![
                    "id=", "re=", "rr=", "tt=", "fe=", "&", "&amp;", "&amp", "%", "%2", "%26",
                    "%C3", "?", "#", "=", "Ñ", "é", "1234.5", "H&E", ";", "&#", "&#x", "&#1114112;",
                    "&#x110000;", "&Ntilde;", UUID,
                ]),
                0..30,
            ),
        ) {
            let query: String = parts.concat();
            let _ = parse_verification_url(&query);
            let _ = parse_verification_url(&format!("{SAT}?{query}"));
        }

        #[test]
        fn damaged_cfdis_never_panic(cut in 0usize..4_000, at in 0usize..4_000, c in any::<char>()) {
            let mut chars: Vec<char> = FERRETERIA.chars().collect();
            let at = at % chars.len();
            chars[at] = c;
            let damaged: String = chars.into_iter().collect();
            let _ = parse_cfdi_xml(&damaged);
            // Any cut before the closing `>` leaves an unfinished document.
            let cut = cut % FERRETERIA.trim_end().len();
            if FERRETERIA.is_char_boundary(cut) {
                prop_assert!(parse_cfdi_xml(&FERRETERIA[..cut]).is_err());
            }
        }
    }
}
