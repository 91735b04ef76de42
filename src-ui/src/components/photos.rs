//! Photos of a record: thumbnails, full view on tap, and adding with the camera (phones:
//! `capture`) or a file (desktop). The shell resizes and compresses before storing;
//! a photo not yet on this device shows a placeholder and is fetched when tapped.

use crate::api;
use crate::api::photos::PhotoView;
use crate::components::session::use_session;
use crate::i18n::use_i18n;
use leptos::prelude::*;
use uuid::Uuid;
use wasm_bindgen_futures::JsFuture;

/// Reads every chosen file of a file input as bytes.
pub async fn read_files(input: &web_sys::HtmlInputElement) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let Some(files) = input.files() else {
        return out;
    };
    for i in 0..files.length() {
        let Some(file) = files.get(i) else { continue };
        if let Ok(buf) = JsFuture::from(file.array_buffer()).await {
            out.push((file.name(), js_sys::Uint8Array::new(&buf).to_vec()));
        }
    }
    out
}

/// Now, as the device's clock gives it, RFC 3339 (when the photo was added).
pub fn now_rfc3339() -> String {
    js_sys::Date::new_0()
        .to_iso_string()
        .as_string()
        .unwrap_or_default()
}

/// The photos of one record, with an "add photo" button when `can_add`.
#[component]
pub fn PhotoStrip(
    /// The owner's table id (`cosabi_core::schema::*.id`).
    owner_table: u16,
    /// The owner's id.
    owner: Uuid,
    /// The photo kind: `receipt`, `before`, `after` or `acta`.
    kind: &'static str,
    /// Whether the signed-in member may add photos here.
    #[prop(into)]
    can_add: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let error = RwSignal::new(None::<String>);
    let viewing = RwSignal::new(None::<String>);
    let input_ref = NodeRef::<leptos::html::Input>::new();

    // The owner's photos of this kind, read again whenever the replica changes and
    // after photos are added here.
    let loaded = LocalResource::new(move || {
        session.track();
        api::photos::list_photos(owner_table, owner)
    });
    let photos = move || {
        loaded
            .get()
            .and_then(|l| l.ok())
            .unwrap_or_default()
            .into_iter()
            .filter(|p: &PhotoView| p.photo.kind == kind)
            .collect::<Vec<_>>()
    };
    let add = Action::new_local(move |input: &web_sys::HtmlInputElement| {
        let input = input.clone();
        async move {
            let files = read_files(&input).await;
            let taken = now_rfc3339();
            for (_, bytes) in files {
                if let Err(e) =
                    api::photos::attach_photo(owner_table, owner, kind, &taken, &bytes).await
                {
                    let text = i18n.api_error_text(&e);
                    error.set(Some(text));
                }
            }
            input.set_value("");
            loaded.refetch();
        }
    });
    let busy = add.pending();
    let on_pick = move |_| {
        if let Some(input) = input_ref.get_untracked() {
            error.set(None);
            add.dispatch_local(input);
        }
    };

    let input_id = format!("photo-input-{kind}-{owner}");
    let input_id2 = input_id.clone();
    view! {
        <div class="photo-strip" data-kind=kind>
            <ul class="thumbs">
                <For each=photos key=|p| p.photo.id
                    children=move |p: PhotoView| view! { <Thumb view=p viewing=viewing/> }/>
            </ul>
            <Show when=move || photos().is_empty()>
                <p class="muted small">{move || i18n.t(&format!("photo.none.{kind}"))}</p>
            </Show>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <Show when=move || can_add.get()>
                <label class="button secondary photo-add" for=input_id.clone()>
                    {move || if busy.get() { i18n.t("photo.adding") } else { i18n.t(&format!("photo.add.{kind}")) }}
                </label>
            </Show>
            <input type="file" accept="image/*" capture="environment" multiple=true class="photo-input"
                id=input_id2 node_ref=input_ref on:change=on_pick disabled=move || busy.get() || !can_add.get()/>
            {move || viewing.get().map(|src| view! {
                <div class="viewer" id="photo-viewer" on:click=move |_| viewing.set(None)>
                    <img src=src alt=""/>
                    <button type="button" class="icon-button viewer-close" aria-label=move || i18n.t("common.close")>"×"</button>
                </div>
            })}
        </div>
    }
}

/// One thumbnail: the image if it is on this device, else a placeholder that fetches it.
#[component]
fn Thumb(view: PhotoView, viewing: RwSignal<Option<String>>) -> impl IntoView {
    let i18n = use_i18n();
    // The thumbnail on this device, or the full photo once fetched for viewing.
    let src = RwSignal::new(None::<String>);
    let failed = RwSignal::new(None::<String>);
    let sha = view.photo.sha256.clone();
    let local = view.local;
    let thumbnail = LocalResource::new({
        let sha = sha.clone();
        move || {
            let sha = sha.clone();
            async move {
                if local {
                    api::photos::thumbnail(&sha).await.ok().flatten()
                } else {
                    None
                }
            }
        }
    });
    let fetch = Action::new_local(move |sha: &String| {
        let sha = sha.clone();
        async move {
            match api::photos::full(&sha).await {
                Ok(url) => {
                    // A photo with no thumbnail here shows what was fetched.
                    if src.get_untracked().is_none()
                        && thumbnail.get_untracked().flatten().is_none()
                    {
                        src.set(Some(url.clone()));
                    }
                    viewing.set(Some(url));
                }
                Err(e) => failed.set(Some(i18n.t(&format!("error.{}", e.code)))),
            }
        }
    });
    let open = move |_| {
        failed.set(None);
        fetch.dispatch(sha.clone());
    };
    let shown_src = move || src.get().or_else(|| thumbnail.get().flatten());
    view! {
        <li class="thumb">
            <button type="button" class="thumb-button" on:click=open
                aria-label=move || i18n.t("photo.open")>
                {move || match shown_src() {
                    Some(s) => view! { <img src=s alt="" class="thumb-img"/> }.into_any(),
                    None => view! { <span class="thumb-placeholder">{i18n.t("photo.not_here")}</span> }.into_any(),
                }}
            </button>
            {move || failed.get().map(|e| view! { <span class="field-error small">{e}</span> })}
        </li>
    }
}

/// Reads the chosen file of `input` (for sync files and QR images).
pub async fn read_first_file(input: &web_sys::HtmlInputElement) -> Option<Vec<u8>> {
    read_files(input).await.into_iter().next().map(|(_, b)| b)
}
