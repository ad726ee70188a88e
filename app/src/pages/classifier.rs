//! Image Classifier: drop, paste or pick a picture; EfficientNet-Lite0 on the server answers
//! bird / plane / superman / other (or a class taught here) with a bar per class, the threshold
//! under which the answer is "other" as a slider, and the backbone's own ImageNet guesses as an
//! explanation. A class can be taught from a few example pictures.

use crate::components::icon::{Icon, IconSvg};
use crate::components::page_header::PageHeader;
use domain::classifier::SAMPLES;
use leptos::either::{Either, EitherOf4};
use leptos::prelude::*;

// The wire is `domain::classifier`'s, shared with the server.
use domain::classifier::{ClassifierInfo as Info, Prediction};

fn class_icon(class: &str) -> Icon {
    match class {
        "bird" => Icon::Bird,
        "plane" => Icon::Plane,
        "superman" => Icon::Shield,
        "other" => Icon::Question,
        _ => Icon::Tag,
    }
}

fn percent(p: f32) -> String {
    format!("{:.1}%", p * 100.0)
}

#[component]
pub fn ClassifierPage() -> impl IntoView {
    view! {
        <PageHeader
            title="Image Classifier"
            description="Is it a bird? Is it a plane? EfficientNet-Lite0 on candle answers bird, plane, superman or other, and learns new classes from a few examples."
        >
            "Is it a bird? Is it a plane? Drop, paste or pick a picture. An EfficientNet-Lite0 network (ImageNet weights, run with candle on this server's CPU) reads it, and a head trained by this project on its features answers "
            <b>"bird"</b>", "<b>"plane"</b>", "<b>"superman"</b>" or "<b>"other"</b>"."
        </PageHeader>
        <noscript>
            <p class="mb-4 rounded-lg bg-amber-100 p-3 text-sm text-amber-900">"Classifying pictures needs JavaScript; please enable it."</p>
        </noscript>
        <Classifier/>
    }
}

/// What a confidence means, in the terms of the held-out photos the temperature was fitted on.
fn calibration_note(threshold: f32, ece: Option<f64>) -> String {
    let in_ten = (threshold * 10.0).round() as u32;
    match ece {
        Some(ece) => format!(
            "The probabilities are calibrated on held-out photos (off by {:.1} points on average): of answers given at {}, about {in_ten} in 10 are right.",
            ece * 100.0,
            percent(threshold)
        ),
        None => format!(
            "Of answers given at {}, about {in_ten} in 10 should be right.",
            percent(threshold)
        ),
    }
}

/// The classifier itself: an island, the page's only WebAssembly (its own chunk).
#[island(lazy)]
fn Classifier() -> impl IntoView {
    crate::mark_hydrated();
    let info = RwSignal::new(None::<Info>);
    let threshold = RwSignal::new(0.6f32);
    let preview = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let prediction = RwSignal::new(None::<Prediction>);
    let error = RwSignal::new(None::<String>);
    let dragging = RwSignal::new(false);

    // Answers that arrive after the visitor has left the page are dropped.
    #[cfg(feature = "hydrate")]
    let scope = crate::components::task::PageScope::here();
    #[cfg(feature = "hydrate")]
    let load_info = move || {
        scope.spawn(async move {
            match crate::components::http::ask::<Info>(
                domain::api::routes::classifier_api::INFO.url(&[]),
            )
            .await
            {
                Ok(i) => {
                    if info.get_untracked().is_none() && i.ready {
                        threshold.set(i.confidence_threshold);
                    }
                    info.set(Some(i));
                }
                Err(e) => info.set(Some(Info {
                    state: "failed".into(),
                    error: Some(e),
                    ..Default::default()
                })),
            }
        });
    };
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| load_info());

    // Classifies a picture: shows it at once, then the server's answer.
    #[cfg(feature = "hydrate")]
    let classify = move |blob: web_sys::Blob| {
        if let Some(old) = preview.get_untracked() {
            let _ = web_sys::Url::revoke_object_url(&old);
        }
        preview.set(web_sys::Url::create_object_url_with_blob(&blob).ok());
        error.set(None);
        if blob.size() > 10.0 * 1024.0 * 1024.0 {
            prediction.set(None);
            error.set(Some(format!(
                "This file is {:.1} MB; the limit is 10 MB.",
                blob.size() / 1_048_576.0
            )));
            return;
        }
        busy.set(true);
        scope.spawn(async move {
            let answer = match web_sys::FormData::new() {
                Ok(form) => match form.append_with_blob("file", &blob) {
                    Ok(()) => {
                        crate::components::http::upload::<Prediction>(
                            domain::api::routes::classifier_api::PREDICT.url(&[]),
                            &form,
                        )
                        .await
                    }
                    Err(_) => Err("The picture could not be attached.".into()),
                },
                Err(_) => Err("This browser cannot send forms.".into()),
            };
            match answer {
                Ok(p) => prediction.set(Some(p)),
                Err(e) => {
                    prediction.set(None);
                    error.set(Some(e));
                }
            }
            busy.set(false);
        });
    };
    #[cfg(feature = "hydrate")]
    let classify_files = move |files: Option<web_sys::FileList>| {
        if let Some(file) = files.and_then(|f| f.get(0)) {
            classify(file.into());
        }
    };
    #[cfg(feature = "hydrate")]
    {
        // Paste a picture anywhere on the page (not into the teach form's text box).
        let handle =
            window_event_listener(leptos::ev::paste, move |ev: web_sys::ClipboardEvent| {
                let files = ev.clipboard_data().and_then(|d| d.files());
                if files.as_ref().is_some_and(|f| f.length() > 0) {
                    ev.prevent_default();
                    classify_files(files);
                }
            });
        on_cleanup(move || handle.remove());
    }

    let on_pick = move |_ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            if let Some(input) = _ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            {
                classify_files(input.files());
                input.set_value("");
            }
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        #[cfg(feature = "hydrate")]
        classify_files(ev.data_transfer().and_then(|d| d.files()));
    };
    let pick_sample = move |id: &'static str| {
        #[cfg(feature = "hydrate")]
        scope.spawn(async move {
            match crate::components::http::file(
                domain::api::routes::classifier_api::SAMPLE.url(&[&format!("{id}.png")]),
            )
            .await
            {
                Ok(blob) => classify(blob),
                Err(e) => error.set(Some(e)),
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = id;
    };
    let file_input = NodeRef::<leptos::html::Input>::new();

    view! {
        {move || info.get().filter(|i| !i.ready).map(|i| view! {
            <section class="mb-6 rounded-xl border border-amber-300 bg-amber-50 p-4 text-sm text-amber-950 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100" data-testid="classifier-unavailable">
                <h2 class="font-semibold">{if i.state == "loading" { "The classifier is loading" } else { "The classifier is unavailable" }}</h2>
                <p class="mt-1">{i.error.clone().unwrap_or_else(|| "It takes a moment after the server starts; reload the page shortly.".to_string())}</p>
            </section>
        })}
        <div class="grid gap-6 lg:grid-cols-[26rem_1fr]">
            <section class="space-y-4">
                {move || info.get().filter(|i| i.ready).map(|i| view! {
                    <p class="text-xs text-slate-600 dark:text-slate-400" data-testid="backend">"Answered by: "{i.backbone}", with the head trained by this project; no key or network needed."</p>
                })}
                <button type="button" data-testid="drop-zone"
                    class=move || format!("flex w-full flex-col items-center justify-center gap-2 rounded-xl border-2 border-dashed p-6 text-center transition focus:outline-none focus:ring-2 focus:ring-indigo-500 {}",
                        if dragging.get() { "border-indigo-500 bg-indigo-50 dark:bg-indigo-950" } else { "border-slate-300 bg-white hover:border-indigo-400 dark:border-slate-600 dark:bg-slate-900" })
                    on:click=move |_| { if let Some(input) = file_input.get() { input.click(); } }
                    on:dragover=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); dragging.set(true); }
                    on:dragleave=move |_| dragging.set(false)
                    on:drop=on_drop>
                    {move || match preview.get() {
                        Some(url) => Either::Left(view! { <img src=url alt="The picture being classified" class="h-48 max-w-full rounded-lg object-contain" data-testid="preview"/> }),
                        None => Either::Right(view! {
                            <IconSvg icon=Icon::Picture class="h-10 w-10 text-slate-500 dark:text-slate-400"/>
                            <span class="font-medium">"Drop a picture here, paste one, or click to choose"</span>
                            <span class="text-xs text-slate-600 dark:text-slate-400">"JPEG, PNG, GIF or WebP, up to 10 MB"</span>
                        }),
                    }}
                </button>
                <input type="file" accept="image/jpeg,image/png,image/gif,image/webp" class="sr-only" node_ref=file_input data-testid="file-input" aria-label="Choose a picture" on:change=on_pick/>
                <div>
                    <h2 class="mb-2 text-sm font-semibold">"Or try a sample"</h2>
                    <div class="flex flex-wrap gap-3">
                        {SAMPLES.iter().map(|(id, caption)| {
                            let id = *id;
                            view! {
                                <button type="button" class="w-24 overflow-hidden rounded-lg border border-slate-200 bg-white text-xs hover:border-indigo-400 focus:outline-none focus:ring-2 focus:ring-indigo-500 dark:border-slate-700 dark:bg-slate-900" data-testid=format!("sample-{id}")
                                    on:click=move |_| pick_sample(id)>
                                    <img src=domain::api::routes::classifier_api::SAMPLE.url(&[&format!("{id}.png")]).to_string() alt="" loading="lazy" class="aspect-square w-full object-cover"/>
                                    <span class="block p-1">{*caption}</span>
                                </button>
                            }
                        }).collect_view()}
                    </div>
                    <p class="mt-2 text-xs text-slate-600 dark:text-slate-400">"The samples are drawn by the server: no package registry carries photos this project may ship."</p>
                </div>
                <label class="block text-sm font-medium">
                    <span class="flex justify-between"><span>"Confidence threshold"</span><span data-testid="threshold-value">{move || percent(threshold.get())}</span></span>
                    <input type="range" min="0" max="1" step="0.01" class="mt-1 w-full accent-indigo-600" data-testid="threshold"
                        prop:value=move || threshold.get().to_string()
                        on:input=move |ev| threshold.set(event_target_value(&ev).parse().unwrap_or(0.6))/>
                    <span class="text-xs font-normal text-slate-600 dark:text-slate-400">"Under it the answer is “other”. It moves the answer below at once: the probabilities do not change."</span>
                    <span class="mt-1 block text-xs font-normal text-slate-600 dark:text-slate-400" data-testid="calibration-note">{move || calibration_note(threshold.get(), info.with(|i| i.as_ref().and_then(|i| i.shipped.get("expected_calibration_error").and_then(|e| e.parse::<f64>().ok()))))}</span>
                </label>
            </section>
            <section class="rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-700 dark:bg-slate-900" aria-live="polite" data-testid="result">
                {move || match (busy.get(), prediction.get(), error.get()) {
                    (true, _, _) => EitherOf4::A(view! {
                        <div class="flex h-64 flex-col items-center justify-center gap-3 text-slate-600 dark:text-slate-400" data-testid="classifying">
                            <div class="h-10 w-10 animate-spin rounded-full border-4 border-indigo-200 border-t-indigo-600"></div>
                            <p>"Classifying…"</p>
                        </div>
                    }),
                    (false, _, Some(e)) => EitherOf4::B(view! {
                        <p role="alert" class="rounded bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-200" data-testid="classifier-error">{e}</p>
                    }),
                    (false, Some(p), None) => EitherOf4::C(view! { <Answer prediction=p threshold=threshold/> }),
                    (false, None, None) => EitherOf4::D(view! {
                        <div class="flex h-64 items-center justify-center text-center text-slate-600 dark:text-slate-400" data-testid="result-empty">
                            <p>"The answer will appear here."</p>
                        </div>
                    }),
                }}
            </section>
        </div>
        <Teach info=info/>
    }
}

#[component]
fn Answer(prediction: Prediction, threshold: RwSignal<f32>) -> impl IntoView {
    let p = prediction;
    let mut bars: Vec<(String, f32)> = p.all_probs.clone().into_iter().collect();
    bars.sort_by(|a, b| b.1.total_cmp(&a.1));
    let top_class = p.top_class.clone();
    let top_prob = p.top_prob;
    let answer = Memo::new(move |_| {
        let under = top_prob < threshold.get() && top_class != "other";
        (
            if under {
                "other".to_string()
            } else {
                top_class.clone()
            },
            under,
        )
    });
    let top_for_note = p.top_class.clone();
    view! {
        <div class="flex items-center gap-4">
            <span class="text-indigo-600 dark:text-indigo-400">{move || view! { <IconSvg icon=class_icon(&answer.get().0) class="h-12 w-12"/> }}</span>
            <div>
                <p class="text-sm text-slate-600 dark:text-slate-400">"It is…"</p>
                <p class="text-3xl font-bold capitalize" data-testid="predicted-class">{move || answer.get().0}</p>
                <p class="text-sm text-slate-600 dark:text-slate-300" data-testid="confidence">{format!("Top guess {} at {}", p.top_class, percent(p.top_prob))}</p>
            </div>
        </div>
        <Show when=move || answer.get().1>
            <p class="mt-3 rounded bg-amber-50 p-2 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100" data-testid="threshold-applied">
                {let top = top_for_note.clone(); move || format!("The top guess, {top}, is under the {} threshold, so the answer is “other”.", percent(threshold.get()))}
            </p>
        </Show>
        <h3 class="mt-5 text-sm font-semibold">"Probability per class"</h3>
        <ul class="mt-2 space-y-2" data-testid="bars">
            {bars.into_iter().map(|(class, prob)| view! {
                <li class="text-sm" data-testid=format!("prob-{class}")>
                    <div class="flex justify-between"><span class="inline-flex items-center gap-1.5"><IconSvg icon=class_icon(&class) class="h-4 w-4"/>{class.clone()}</span><span class="tabular-nums">{percent(prob)}</span></div>
                    <div class="relative mt-1 h-3 rounded bg-slate-100 dark:bg-slate-800">
                        <div class="h-3 rounded bg-indigo-500" style=format!("width: {:.1}%", prob * 100.0)></div>
                        <div class="absolute -top-1 h-5 w-0.5 bg-amber-500" title="threshold" style=move || format!("left: {:.1}%", threshold.get() * 100.0)></div>
                    </div>
                </li>
            }).collect_view()}
        </ul>
        <details class="mt-5 text-sm" open>
            <summary class="cursor-pointer font-semibold">"What the backbone saw (ImageNet)"</summary>
            <ol class="mt-2 space-y-1" data-testid="imagenet">
                {p.imagenet_top.iter().map(|g| view! {
                    <li class="flex justify-between gap-4"><span>{g.label.clone()}</span><span class="tabular-nums text-slate-600 dark:text-slate-400">{percent(g.probability)}</span></li>
                }).collect_view()}
            </ol>
            <p class="mt-2 text-xs text-slate-600 dark:text-slate-400">{format!("ImageNet's bird species together: {}; aircraft: {}. The head decides from the 1280 features behind these guesses.", percent(p.imagenet_bird), percent(p.imagenet_plane))}</p>
        </details>
        <p class="mt-4 text-xs text-slate-600 dark:text-slate-400" data-testid="timing">{format!("{}×{} px · inference {:.0} ms on the server's CPU (EfficientNet-Lite0, candle)", p.width, p.height, p.inference_ms)}</p>
    }
}

#[component]
fn Teach(info: RwSignal<Option<Info>>) -> impl IntoView {
    let class = RwSignal::new(String::new());
    let count = RwSignal::new(0u32);
    let busy = RwSignal::new(false);
    let message = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let confirm_reset = RwSignal::new(false);
    let files = NodeRef::<leptos::html::Input>::new();

    #[cfg(feature = "hydrate")]
    let send_examples = move || {
        let Some(input) = files.get_untracked() else {
            return;
        };
        let Some(list) = input.files().filter(|l| l.length() > 0) else {
            error.set(Some("Choose one or more example pictures.".into()));
            return;
        };
        let Ok(form) = web_sys::FormData::new() else {
            return;
        };
        let _ = form.append_with_str("class", &class.get_untracked());
        for i in 0..list.length() {
            if let Some(file) = list.get(i) {
                let _ = form.append_with_blob("file", &file);
            }
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            match crate::components::http::upload(
                domain::api::routes::classifier_api::TEACH.url(&[]),
                &form,
            )
            .await
            {
                Ok(report) => {
                    message.set(Some(format!(
                        "Taught “{}” with {} picture(s); the head retrained in {:.1} s.",
                        report.class,
                        report.images_added,
                        report.train_ms / 1000.0
                    )));
                    let classes = report.classes;
                    info.update(|i| {
                        if let Some(i) = i {
                            i.classes = classes;
                        }
                    });
                    input.set_value("");
                    count.set(0);
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let teach = move || {
        error.set(None);
        message.set(None);
        if class.get_untracked().trim().is_empty() {
            error.set(Some(
                "Name the class first (for example “cat” or “superman”).".into(),
            ));
        } else {
            #[cfg(feature = "hydrate")]
            send_examples();
        }
    };
    let reset = move || {
        if !confirm_reset.get_untracked() {
            confirm_reset.set(true);
            return;
        }
        confirm_reset.set(false);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let answer =
                crate::components::http::ask(domain::api::routes::classifier_api::RESET.url(&[]))
                    .await;
            match answer {
                Ok(list) => {
                    let classes = list.classes;
                    info.update(|i| {
                        if let Some(i) = i {
                            i.classes = classes;
                        }
                    });
                    message.set(Some("Back to the shipped classes.".into()));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let input_class = "rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-600 dark:bg-slate-950";

    view! {
        <section class="mt-8 grid gap-6 lg:grid-cols-[26rem_1fr]" data-testid="teach">
            <form class="space-y-3 rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-700 dark:bg-slate-900"
                on:submit=move |ev| { ev.prevent_default(); teach(); }>
                <h2 class="text-xl font-semibold">"Teach a class"</h2>
                <p class="text-sm text-slate-600 dark:text-slate-300">"Give a few example pictures of a new class, or more of an existing one. The head retrains in seconds on the shipped examples plus yours, and keeps them across restarts."</p>
                <label class="flex flex-col gap-1 text-sm font-medium">"Class name"
                    <input type="text" maxlength="32" list="known-classes" class=input_class data-testid="teach-class" placeholder="cat"
                        prop:value=move || class.get() on:input=move |ev| class.set(event_target_value(&ev))/>
                    <datalist id="known-classes">
                        {move || info.get().map(|i| i.classes.into_iter().map(|c| view! { <option value=c.name/> }).collect_view())}
                    </datalist>
                </label>
                <label class="flex flex-col gap-1 text-sm font-medium">"Example pictures (up to 20)"
                    <input type="file" multiple accept="image/jpeg,image/png,image/gif,image/webp" class="text-sm" node_ref=files data-testid="teach-files"
                        on:change=move |_ev| {
                            #[cfg(feature = "hydrate")]
                            if let Some(input) = files.get_untracked() { count.set(input.files().map_or(0, |l| l.length())); }
                        }/>
                </label>
                <button type="submit" data-testid="teach-submit" class="w-full rounded-lg bg-indigo-600 px-4 py-2 font-semibold text-white hover:bg-indigo-700 disabled:opacity-50"
                    disabled=move || busy.get()>
                    {move || if busy.get() { "Retraining the head…".to_string() } else if count.get() > 0 { format!("Teach with {} picture(s)", count.get()) } else { "Teach".to_string() }}
                </button>
                <Show when=move || message.get().is_some()>
                    <p class="rounded bg-emerald-50 p-2 text-sm text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100" data-testid="teach-message">{move || message.get()}</p>
                </Show>
                <Show when=move || error.get().is_some()>
                    <p role="alert" class="rounded bg-red-50 p-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200" data-testid="teach-error">{move || error.get()}</p>
                </Show>
            </form>
            <div class="rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-700 dark:bg-slate-900">
                <h2 class="text-xl font-semibold">"Classes"</h2>
                <table class="mt-2 w-full text-left text-sm" data-testid="classes">
                    <thead><tr class="text-slate-600 dark:text-slate-400"><th class="py-1">"Class"</th><th>"Shipped pictures"</th><th>"Taught pictures"</th></tr></thead>
                    <tbody>
                        {move || info.get().map(|i| i.classes.into_iter().map(|c| view! {
                            <tr class="border-t border-slate-100 dark:border-slate-800" data-testid=format!("class-{}", c.name)>
                                <td class="py-1"><span class="inline-flex items-center gap-1.5"><IconSvg icon=class_icon(&c.name) class="h-4 w-4"/>{c.name.clone()}</span></td>
                                <td class="tabular-nums">{c.shipped_examples}</td>
                                <td class="tabular-nums">{c.taught_images}</td>
                            </tr>
                        }).collect_view())}
                    </tbody>
                </table>
                <p class="mt-3 text-sm text-slate-600 dark:text-slate-300" data-testid="superman-note">
                    "Where Superman comes from: no package registry carries photos of him, so this project drew his first examples — the red-and-yellow emblem on a blue suit, at random sizes, angles and shades (the samples show two). Until you teach him real photos here, he is an emblem detector. Bird, plane and other were learnt from CIFAR-10 photos."
                </p>
                {move || info.get().and_then(|i| i.shipped.get("validation_accuracy").cloned()).map(|acc| view! {
                    <p class="mt-2 text-xs text-slate-600 dark:text-slate-400">{format!("The shipped head scored {:.1}% on its held-out validation photos.", acc.parse::<f64>().unwrap_or(0.0) * 100.0)}</p>
                })}
                <p class="mt-3 text-xs text-slate-600 dark:text-slate-400" data-testid="classes-owner">"What you teach is yours: other visitors don't see it, and nobody else can reset it. It is kept for this browser (a cookie), and removed after some weeks unused."</p>
                <button type="button" data-testid="reset" class="mt-2 rounded-lg border border-red-300 px-3 py-1 text-sm text-red-700 hover:bg-red-50 dark:border-red-700 dark:text-red-300 dark:hover:bg-red-950"
                    on:click=move |_| reset()>
                    {move || if confirm_reset.get() { "Click again to forget the pictures you taught" } else { "Reset my classes" }}
                </button>
            </div>
        </section>
    }
}
