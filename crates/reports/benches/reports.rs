//! Report figures on the benchmark's clinic-year (`workload::clinic_year`: 400
//! purchases, 800 receipts, 1,600 receipt photos recorded but not on this device, 24
//! assemblies of 40 people). Prints `name value unit` lines (median of REPS runs).

use cosabi_replica::{workload, Replica};
use std::io::Cursor;
use std::time::Instant;

const SEED: u64 = 42;
const REPS: usize = 5;

fn median_ms(mut f: impl FnMut() -> usize) -> (f64, usize) {
    let mut times = Vec::with_capacity(REPS);
    let mut size = 0;
    for _ in 0..REPS {
        let t = Instant::now();
        size = f();
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    (times[REPS / 2], size)
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = Replica::open(&dir.path().join("year.sqlite3")).unwrap();
    workload::clinic_year(&mut r, SEED).unwrap();
    let year = workload::YEAR;
    let assembly = r.assemblies().unwrap()[0].id;

    let (ms, bytes) = median_ms(|| cosabi_reports::cuadernillo_pdf(&r, year).unwrap().len());
    println!("reports_cuadernillo_pdf_ms {ms:.1} ms");
    println!("reports_cuadernillo_pdf_bytes {bytes} bytes");
    let (ms, bytes) = median_ms(|| cosabi_reports::cuadernillo_xlsx(&r, year).unwrap().len());
    println!("reports_cuadernillo_xlsx_ms {ms:.1} ms");
    println!("reports_cuadernillo_xlsx_bytes {bytes} bytes");
    let (ms, bytes) = median_ms(|| cosabi_reports::acta_pdf(&r, assembly).unwrap().len());
    println!("reports_acta_pdf_ms {ms:.1} ms");
    println!("reports_acta_pdf_bytes {bytes} bytes");
    let (ms, bytes) = median_ms(|| {
        let mut out = Cursor::new(Vec::new());
        cosabi_reports::expediente_zip(&r, year, &mut out).unwrap();
        out.into_inner().len()
    });
    println!("reports_expediente_zip_ms {ms:.1} ms");
    println!("reports_expediente_zip_bytes {bytes} bytes");

    // Sealing: the digest over every row a clinic-year's expediente reads (their
    // whole change history), and verifying it again (what `/verificar` does once
    // the clinic is folded). Baseline: the unsealed cuadernillo above.
    let issuer = cosabi_reports::Issuer::now(None);
    let kind = cosabi_core::seal::DocKind::Expediente;
    let (ms, records) = median_ms(|| {
        cosabi_reports::seal::seal(&r, kind, &year.to_string(), &issuer)
            .unwrap()
            .seal
            .records
    });
    println!("reports_seal_expediente_ms {ms:.1} ms");
    println!("reports_seal_expediente_records {records} records");
    let sealing = cosabi_reports::seal::seal(&r, kind, &year.to_string(), &issuer).unwrap();
    let seal = r.record_seal(&sealing.seal).unwrap();
    let (ms, _) = median_ms(|| {
        let v = cosabi_reports::verify(&r, &seal).unwrap();
        assert_eq!(v.verdict, cosabi_reports::Verdict::Matches);
        v.records as usize
    });
    println!("reports_verify_expediente_ms {ms:.1} ms");
}
