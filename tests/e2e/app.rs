//! The real app under Xvfb, driven over WebDriver (tauri-driver + WebKitWebDriver).

use anyhow::Result;
use cosabi_e2e::{App, Driver};

const PHONE: (u32, u32) = (360, 740);
const DESKTOP: (u32, u32) = (1280, 800);

async fn create_clinic(app: &App) -> Result<()> {
    app.type_into("#clues", "vzimb001234").await?;
    app.type_into("#clinic-name", "Centro de Salud Tlaquilpa")
        .await?;
    app.choose("#state", "VZ").await?;
    app.type_into("#municipality", "Tlaquilpa").await?;
    app.type_into("#locality", "Tlaquilpa").await?;
    app.type_into("#consultorios", "2").await?;
    app.wait_for_text("#allocation", "$600,000.00").await?;
    app.click("#create-clinic").await?;
    app.wait_for("#clinic-card").await?;
    Ok(())
}

async fn add_member(app: &App, name: &str, role: &str) -> Result<()> {
    app.type_into("#member-name", name).await?;
    app.choose("#member-role", role).await?;
    app.click("#add-member").await?;
    Ok(())
}

#[tokio::test]
async fn clinic_and_members_survive_a_restart() -> Result<()> {
    let data = tempfile::tempdir()?;
    let driver = Driver::start(data.path())?;

    let app = driver.launch().await?;
    app.wait_for("#clinic-form").await?;
    app.screenshot("setup-desktop").await?;
    create_clinic(&app).await?;
    // Text is read once painted: WebDriver reports "" for an element not yet laid out.
    app.wait_for_text("#clinic-clues", "VZIMB001234").await?;
    app.wait_for_text("#clinic-allocation", "$600,000.00")
        .await?;
    app.wait_for("#no-members").await?;

    // A term typed the way people write dates here; a bad one is explained first.
    app.type_into("#term-start", "31/02/2024").await?;
    add_member(&app, "Juana Tzompaxtle Xocua", "presidente").await?;
    app.wait_for_text("#error-term_start", "dd/mm/aaaa").await?;
    app.type_into("#term-start", "12/04/2024").await?;
    app.type_into("#term-end", "11/04/2026").await?;
    add_member(&app, "Juana Tzompaxtle Xocua", "presidente").await?;
    app.wait_for_count(".member-row", 1).await?;
    app.wait_for_text("#members", "Periodo: 12/04/2024 a 11/04/2026")
        .await?;
    add_member(&app, "María Cuaquehua", "tesorero").await?;
    app.wait_for_count(".member-row", 2).await?;
    app.wait_for_text("#seats", "2 de 7").await?;
    app.quit().await?;

    // A new process on the same data directory: everything is still there.
    let app = driver.launch().await?;
    app.wait_for_count(".member-row", 2).await?;
    let members = app.wait_for_text("#members", "Tesorero(a)").await?;
    assert!(members.contains("Juana Tzompaxtle Xocua"), "{members}");
    assert!(members.contains("Presidente(a)"), "{members}");
    assert!(members.contains("María Cuaquehua"), "{members}");
    assert!(members.contains("Tesorero(a)"), "{members}");
    app.wait_for_text("#clinic-clues", "VZIMB001234").await?;
    app.quit().await?;
    Ok(())
}

#[tokio::test]
async fn invalid_input_is_explained_in_spanish_and_nothing_is_saved() -> Result<()> {
    let data = tempfile::tempdir()?;
    let driver = Driver::start(data.path())?;
    let app = driver.launch().await?;

    // A bad CLUES and a missing name: both explained, nothing saved, input kept.
    app.type_into("#clues", "VZ12").await?;
    app.choose("#state", "VZ").await?;
    app.type_into("#municipality", "Tlaquilpa").await?;
    app.type_into("#locality", "Tlaquilpa").await?;
    app.click("#create-clinic").await?;
    app.wait_for_text("#error-clues", "11 caracteres").await?;
    app.wait_for_text("#error-name", "obligatorio").await?;
    assert_eq!(app.value("#clues").await?, "VZ12");
    assert_eq!(app.value("#municipality").await?, "Tlaquilpa");
    app.screenshot("setup-errors-desktop").await?;

    // A CLUES of another state than the one chosen.
    app.type_into("#clues", "OCIMB001234").await?;
    app.type_into("#clinic-name", "Centro de Salud").await?;
    app.click("#create-clinic").await?;
    app.wait_for_text("#error-clues", "Oaxaca").await?;

    app.type_into("#clues", "VZIMB001234").await?;
    app.click("#create-clinic").await?;
    app.wait_for("#clinic-card").await?;

    // An empty member, then a second presidente.
    app.click("#add-member").await?;
    app.wait_for_text("#error-name", "obligatorio").await?;
    app.wait_for_text("#error-role", "Elija el cargo").await?;
    add_member(&app, "Juan Xocua", "presidente").await?;
    app.wait_for_count(".member-row", 1).await?;
    add_member(&app, "Pedro Temoxtle", "presidente").await?;
    let role_error = app.wait_for_text("#error-role", "ya lo ocupa").await?;
    assert!(role_error.contains("Juan Xocua"), "{role_error}");
    assert_eq!(app.value("#member-name").await?, "Pedro Temoxtle");
    app.wait_for_count(".member-row", 1).await?;
    app.screenshot("member-error-desktop").await?;
    app.resize(PHONE.0, PHONE.1).await?;
    // Show the refused field, as a person scrolling to it would see it.
    app.client
        .execute(
            "document.getElementById('error-role').scrollIntoView({block: 'center'})",
            vec![],
        )
        .await?;
    app.screenshot("member-error-phone").await?;
    app.quit().await?;

    // Still exactly one member after a restart.
    let app = driver.launch().await?;
    app.wait_for_count(".member-row", 1).await?;
    app.quit().await?;
    Ok(())
}

#[tokio::test]
async fn demo_clinic_in_one_tap_in_both_layouts_and_languages() -> Result<()> {
    let data = tempfile::tempdir()?;
    let driver = Driver::start(data.path())?;
    let app = driver.launch().await?;
    app.resize(PHONE.0, PHONE.1).await?;
    app.wait_for("#load-demo").await?;
    app.screenshot("setup-phone").await?;
    app.click("#load-demo").await?;
    app.wait_for_count(".member-row", 9).await?;
    app.wait_for_text("#seats", "Comité instalado").await?;
    // No horizontal scrolling at phone width.
    let overflow = app
        .client
        .execute(
            "return document.documentElement.scrollWidth - window.innerWidth",
            vec![],
        )
        .await?;
    assert_eq!(
        overflow.as_i64(),
        Some(0),
        "page scrolls sideways on a phone"
    );
    app.screenshot("committee-phone").await?;
    app.resize(DESKTOP.0, DESKTOP.1).await?;
    app.screenshot("committee-desktop").await?;

    // English is one switch away, and remembered.
    app.choose("#lang-switch", "en").await?;
    app.wait_for_text("#seats", "Committee installed").await?;
    app.screenshot("committee-desktop-en").await?;
    app.quit().await?;
    let app = driver.launch().await?;
    app.wait_for_text("#seats", "Committee installed").await?;
    app.quit().await?;
    Ok(())
}
