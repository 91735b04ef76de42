//! A document the app just wrote, as people need it: its name, the folder it is in
//! (by the folder's name, not a path), "Abrir" to see it in the system's program
//! for it, and "Guardar una copia…" to put a copy where the person chooses (a USB
//! stick for the municipal office) through the system's save dialog. The full path
//! is not shown: people look for a folder, not a path.

use crate::api;
use crate::i18n::use_i18n;
use leptos::prelude::*;

/// The last part of a path (a file's or a folder's name), for `/` and `\` paths.
fn last_part(path: &str) -> &str {
    path.trim_end_matches(['/', '\\'])
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(path)
}

/// The folder holding `path`, by its name.
fn folder_of(path: &str) -> &str {
    let name = last_part(path);
    let parent = path[..path.len() - name.len()].trim_end_matches(['/', '\\']);
    last_part(parent)
}

/// A written file's name and its folder's name, as the screens say them.
pub fn name_and_folder(path: &str) -> (String, String) {
    (last_part(path).to_owned(), folder_of(path).to_owned())
}

/// In the web build a document is not a file on disk but the worker's object URL
/// with the file's name after `#` (`blob:…#acta-….pdf`): its URL and its name.
pub fn download_of(path: &str) -> Option<(&str, &str)> {
    if !path.starts_with("blob:") {
        return None;
    }
    let (_, name) = path.rsplit_once('#')?;
    Some((path, name))
}

/// One written document: name, folder, "Abrir" (PDF, XLSX, ZIP), and `detail` (e.g.
/// how many files a ZIP holds) when given. In the web build: its name and
/// "Descargar" (the browser's download is where a phone keeps or shares a file).
#[component]
pub fn SavedFile(
    path: String,
    #[prop(optional_no_strip)] detail: Option<String>,
    #[prop(default = true)] openable: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    if let Some((url, name)) = download_of(&path) {
        let (url, name) = (url.to_owned(), name.to_owned());
        return view! {
            <li class="saved-file banner ok">
                <span class="saved-name wrap">"✓ "{name.clone()}</span>
                <span class="saved-folder small">{move || i18n.t("doc.ready_to_download")}</span>
                {detail.map(|d| view! { <span class="small">{d}</span> })}
                <span class="saved-actions">
                    <a class="button secondary download-document" href=url download=name>{move || i18n.t("doc.download")}</a>
                </span>
            </li>
        }
        .into_any();
    }
    let error = RwSignal::new(None::<String>);
    let name = last_part(&path).to_owned();
    let folder = folder_of(&path).to_owned();
    let open_document = Action::new_local(move |path: &String| {
        let path = path.clone();
        async move {
            match api::reports::open_document(&path).await {
                Ok(()) => error.set(None),
                Err(e) => error.set(Some(i18n.api_error_text(&e))),
            }
        }
    });
    let open = {
        let path = path.clone();
        move |_| {
            open_document.dispatch(path.clone());
        }
    };
    // Saving a copy waits on the dialog; a second tap meanwhile does nothing.
    let copied = RwSignal::new(None::<String>);
    let save_as = Action::new_local(move |path: &String| {
        let path = path.clone();
        async move {
            let title = i18n.t("doc.save_as_title");
            match api::reports::save_document_as(&path, &title).await {
                Ok(Some(to)) => {
                    error.set(None);
                    copied.set(Some(folder_of(&to).to_owned()));
                }
                Ok(None) => {}
                Err(e) => error.set(Some(i18n.api_error_text(&e))),
            }
        }
    });
    view! {
        <li class="saved-file banner ok">
            <span class="saved-name wrap">"✓ "{name}</span>
            <span class="saved-folder small">{move || i18n.t_with("doc.saved_in", &[("folder", folder.clone())])}</span>
            {detail.map(|d| view! { <span class="small">{d}</span> })}
            {openable.then(|| view! {
                <span class="saved-actions">
                    <button type="button" class="secondary open-document" on:click=open>{move || i18n.t("doc.open")}</button>
                    <button type="button" class="secondary save-document-as"
                        disabled=move || save_as.pending().get()
                        on:click=move |_| { save_as.dispatch(path.clone()); }>
                        {move || i18n.t("doc.save_as")}
                    </button>
                </span>
            })}
            {move || copied.get().map(|f| view! {
                <span class="small copied-to" role="status">{i18n.t_with("doc.copied_to", &[("folder", f)])}</span>
            })}
            {move || error.get().map(|e| view! { <span class="error-text" role="alert">{e}</span> })}
        </li>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_folders_of_paths() {
        let p = "/home/rosa/Descargas/acta-VZIMB001234-2026-03-15.pdf";
        assert_eq!(last_part(p), "acta-VZIMB001234-2026-03-15.pdf");
        assert_eq!(folder_of(p), "Descargas");
        assert_eq!(folder_of(r"C:\Users\rosa\Downloads\a.pdf"), "Downloads");
        assert_eq!(folder_of("a.pdf"), "");
    }

    #[test]
    fn a_web_document_is_its_url_and_its_name() {
        let p = "blob:http://127.0.0.1:8787/5b1c#acta-VZIMB001234-2026-03-15.pdf";
        assert_eq!(download_of(p), Some((p, "acta-VZIMB001234-2026-03-15.pdf")));
        assert_eq!(download_of("/home/rosa/Descargas/a.pdf"), None);
    }
}
