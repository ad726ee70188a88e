//! Text-to-Image: a prompt to an image through the configured provider (Stability SD3, OpenAI
//! Images or an OpenAI-compatible image server), cached by content, with a gallery of past
//! images. With no provider the page says so and still shows the gallery; it never shows a
//! placeholder as if it were generated.

use crate::components::page_header::PageHeader;
use crate::models::BackendKind;
use leptos::either::EitherOf3;
use leptos::prelude::*;

const ASPECT_RATIOS: &[&str] = &[
    "1:1", "16:9", "21:9", "3:2", "5:4", "4:5", "2:3", "9:16", "9:21",
];

use domain::api::images::{Generated, Image, ProviderInfo};

#[component]
pub fn TextToImagePage() -> impl IntoView {
    let backends = Resource::new(|| (), |_| crate::functions::backends::get_backends());
    view! {
        <PageHeader
            title="Text-to-Image"
            description="Turn a prompt into an image with Stability AI SD3, OpenAI Images or an OpenAI-compatible image server; results are cached and kept in a gallery."
        >
            "Describe an image and pick a provider. The same prompt, settings and seed come back from the cache at once; every image you make is kept in your own gallery below (other visitors don't see it), to download or delete."
        </PageHeader>
        <noscript>
            <p class="mb-4 rounded-lg bg-amber-100 p-3 text-sm text-amber-900">"Generating images needs JavaScript; please enable it."</p>
        </noscript>
        // Known on the server (the route renders once its data is in), so the notice is in the
        // first paint; it is the server's alone, outside the island.
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let missing = backends
                    .await
                    .ok()
                    .and_then(|list| list.into_iter().find(|b| b.slug == "text-to-image"))
                    .is_some_and(|b| b.kind == BackendKind::Missing);
                missing.then(|| view! {
                    <section class="mb-6 rounded-xl border border-amber-300 bg-amber-50 p-4 text-sm text-amber-950 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100" data-testid="no-provider">
                        <h2 class="font-semibold">"No image provider is configured"</h2>
                        <p class="mt-1">"No package registry carries diffusion model weights, so this demo needs a provider. Set one of these and restart the server:"</p>
                        <ul class="mt-2 list-disc pl-5">
                            <li><code>"STABILITY_KEY"</code>" — Stability AI SD3 (paid per image)"</li>
                            <li><code>"OPENAI_API_KEY"</code>" — OpenAI Images ("<code>"OPENAI_IMAGE_MODEL"</code>", default gpt-image-1; paid per image)"</li>
                            <li><code>"OPENAI_IMAGE_BASE_URL"</code>" — any OpenAI-compatible image server, such as a local stable-diffusion server"</li>
                        </ul>
                        <p class="mt-2">"The gallery below still shows the images made earlier."</p>
                    </section>
                })
            })}
        </Suspense>
        <Studio/>
    }
}

/// The prompt, the result and the gallery: an island, the page's only WebAssembly (its own
/// chunk).
#[island(lazy)]
fn Studio() -> impl IntoView {
    crate::mark_hydrated();
    let providers = RwSignal::new(Vec::<ProviderInfo>::new());
    let provider = RwSignal::new(String::new());
    let prompt = RwSignal::new(String::new());
    let negative = RwSignal::new(String::new());
    let aspect = RwSignal::new("1:1".to_string());
    let format = RwSignal::new("png".to_string());
    let random_seed = RwSignal::new(true);
    let seed = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let elapsed = RwSignal::new(0u32);
    let result = RwSignal::new(None::<Generated>);
    let error = RwSignal::new(None::<String>);
    let gallery = RwSignal::new(Vec::<Image>::new());
    let total = RwSignal::new(0i64);

    #[cfg(feature = "hydrate")]
    let refresh_gallery = move || {
        leptos::task::spawn_local(async move {
            let answer = crate::components::http::ask(
                domain::api::routes::images_api::GALLERY
                    .url(&[])
                    .query("limit", &48),
            )
            .await;
            if let Ok(g) = answer {
                gallery.set(g.images);
                total.set(g.total);
            }
        });
    };
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            let answer =
                crate::components::http::ask(domain::api::routes::images_api::PROVIDERS.url(&[]))
                    .await;
            match answer {
                Ok(v) => {
                    let list: Vec<ProviderInfo> = v.providers;
                    if let Some(first) = list.first() {
                        provider.set(first.id.clone());
                    }
                    providers.set(list);
                }
                Err(e) => error.set(Some(format!("The providers could not be loaded: {e}"))),
            }
        });
        refresh_gallery();
    });

    let generate = move || {
        if busy.get_untracked() || prompt.get_untracked().trim().is_empty() {
            if prompt.get_untracked().trim().is_empty() {
                error.set(Some("Describe the image you want first.".into()));
            }
            return;
        }
        error.set(None);
        busy.set(true);
        elapsed.set(0);
        #[cfg(feature = "hydrate")]
        {
            let seed_value: Option<u32> = if random_seed.get_untracked() {
                None
            } else {
                seed.get_untracked().trim().parse().ok()
            };
            if !random_seed.get_untracked() && seed_value.is_none() {
                error.set(Some(
                    "The seed must be a whole number from 1 to 4294967294, or tick Random.".into(),
                ));
                busy.set(false);
                return;
            }
            let body = domain::api::images::ImageInput {
                prompt: prompt.get_untracked(),
                negative_prompt: negative.get_untracked(),
                aspect_ratio: Some(aspect.get_untracked()),
                seed: seed_value,
                format: Some(format.get_untracked()),
                provider: Some(provider.get_untracked()).filter(|p| !p.is_empty()),
            };
            // A visible clock while the provider works (images take seconds).
            let ticker = leptos::prelude::set_interval_with_handle(
                move || elapsed.update(|s| *s += 1),
                std::time::Duration::from_secs(1),
            )
            .ok();
            leptos::task::spawn_local(async move {
                let answer = crate::components::http::send::<_, Generated>(
                    domain::api::routes::images_api::GENERATE.url(&[]),
                    &body,
                )
                .await;
                if let Some(t) = ticker {
                    t.clear();
                }
                match answer {
                    Ok(generated) => {
                        result.set(Some(generated));
                        refresh_gallery();
                    }
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        }
    };

    let delete = move |id: i64| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let url = domain::api::routes::images_api::DELETE.url(&[&id]);
            match crate::components::http::ask(url).await {
                Ok(_) => {
                    gallery.update(|g| g.retain(|i| i.id != id));
                    total.update(|t| *t -= 1);
                    result.update(|r| {
                        if r.as_ref().is_some_and(|r| r.image.id == id) {
                            *r = None;
                        }
                    });
                }
                Err(e) => error.set(Some(e)),
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = id;
    };

    let chosen = Memo::new(move |_| providers.get().into_iter().find(|p| p.id == provider.get()));
    let input_class = "rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-600 dark:bg-slate-950";

    view! {
        <div class="grid gap-6 lg:grid-cols-[24rem_1fr]">
            <form class="space-y-3 rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-700 dark:bg-slate-900" data-testid="image-form"
                on:submit=move |ev| { ev.prevent_default(); generate(); }>
                <label class="flex flex-col gap-1 text-sm font-medium">"Prompt"
                    <textarea rows="4" maxlength="2000" class=input_class data-testid="prompt" placeholder="A lighthouse on a cliff at dusk, oil painting"
                        prop:value=move || prompt.get() on:input=move |ev| prompt.set(event_target_value(&ev))></textarea>
                </label>
                <label class="flex flex-col gap-1 text-sm font-medium">"Negative prompt (optional)"
                    <input type="text" maxlength="2000" class=input_class placeholder="blurry, text, watermark"
                        prop:value=move || negative.get() on:input=move |ev| negative.set(event_target_value(&ev))/>
                </label>
                <div class="grid grid-cols-2 gap-3">
                    <label class="flex flex-col gap-1 text-sm font-medium">"Aspect ratio"
                        <select class=input_class on:change=move |ev| aspect.set(event_target_value(&ev)) prop:value=move || aspect.get()>
                            {ASPECT_RATIOS.iter().map(|r| view! { <option value=*r>{*r}</option> }).collect_view()}
                        </select>
                    </label>
                    <label class="flex flex-col gap-1 text-sm font-medium">"Format"
                        <select class=input_class on:change=move |ev| format.set(event_target_value(&ev)) prop:value=move || format.get()>
                            <option value="png">"PNG"</option><option value="jpeg">"JPEG"</option><option value="webp">"WebP"</option>
                        </select>
                    </label>
                </div>
                <div class="flex items-end gap-3">
                    <label class="flex flex-1 flex-col gap-1 text-sm font-medium">"Seed"
                        <input type="number" min="1" max="4294967294" class=input_class data-testid="seed" prop:disabled=move || random_seed.get()
                            prop:value=move || seed.get() on:input=move |ev| seed.set(event_target_value(&ev))/>
                    </label>
                    <label class="flex items-center gap-2 pb-2 text-sm">
                        <input type="checkbox" data-testid="random-seed" prop:checked=move || random_seed.get() on:change=move |ev| random_seed.set(event_target_checked(&ev))/>
                        "Random"
                    </label>
                </div>
                <label class="flex flex-col gap-1 text-sm font-medium">"Provider"
                    <select class=input_class data-testid="provider" prop:disabled=move || providers.with(Vec::is_empty)
                        on:change=move |ev| provider.set(event_target_value(&ev)) prop:value=move || provider.get()>
                        {move || providers.get().into_iter().map(|p| view! { <option value=p.id.clone()>{p.label.clone()}</option> }).collect_view()}
                    </select>
                </label>
                {move || chosen.get().map(|p| view! {
                    <p class="text-xs text-slate-600 dark:text-slate-300" data-testid="provider-note">
                        {if p.paid { "Each image from this provider costs money on its account. " } else { "" }}
                        {if p.honours_seed { "" } else { "This provider ignores the seed and negative prompt; the cache still answers a repeated request." }}
                    </p>
                })}
                <button type="submit" data-testid="generate" class="w-full rounded-lg bg-indigo-600 px-4 py-2 font-semibold text-white hover:bg-indigo-700 disabled:opacity-50"
                    disabled=move || busy.get() || providers.with(Vec::is_empty)>
                    {move || if busy.get() { format!("Generating… {}s", elapsed.get()) } else { "Generate".to_string() }}
                </button>
                <Show when=move || error.get().is_some()>
                    <p role="alert" class="rounded bg-red-50 p-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200" data-testid="image-error">{move || error.get()}</p>
                </Show>
            </form>
            <section class="rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-700 dark:bg-slate-900" aria-live="polite" data-testid="result">
                {move || match (busy.get(), result.get()) {
                    (true, _) => EitherOf3::A(view! {
                        <div class="flex h-80 flex-col items-center justify-center gap-3 text-slate-600 dark:text-slate-400" data-testid="progress">
                            <div class="h-10 w-10 animate-spin rounded-full border-4 border-indigo-200 border-t-indigo-600"></div>
                            <p>{move || format!("The provider is painting… {}s", elapsed.get())}</p>
                        </div>
                    }),
                    (false, Some(r)) => {
                        let seed_value = r.image.seed;
                        EitherOf3::B(view! {
                            <figure>
                                <img src=r.image.url.clone() alt=r.image.prompt.clone() class="mx-auto max-h-[32rem] rounded-lg" data-testid="result-image"/>
                                <figcaption class="mt-3 flex flex-wrap items-center gap-2 text-sm">
                                    <span class="rounded-full bg-slate-100 px-2 py-0.5 dark:bg-slate-800" data-testid="result-source">
                                        {if r.cached { format!("From the cache in {:.0} ms", r.elapsed_ms) } else { format!("Generated in {:.1} s", r.elapsed_ms / 1000.0) }}
                                    </span>
                                    <span class="rounded-full bg-slate-100 px-2 py-0.5 dark:bg-slate-800">{format!("{} · {}", r.image.provider, r.image.model)}</span>
                                    <span class="rounded-full bg-slate-100 px-2 py-0.5 dark:bg-slate-800" data-testid="result-seed">{format!("seed {}", r.image.seed)}</span>
                                    <a href=r.image.download_url.clone() download="" class="rounded-lg bg-indigo-600 px-3 py-1 font-medium text-white hover:bg-indigo-700" data-testid="download">"Download"</a>
                                    <button type="button" class="rounded-lg border border-slate-300 px-3 py-1 hover:bg-slate-50 dark:border-slate-600 dark:hover:bg-slate-800"
                                        on:click=move |_| { random_seed.set(false); seed.set(seed_value.to_string()); }>"Keep this seed"</button>
                                </figcaption>
                                {r.image.filtered.then(|| view! {
                                    <p class="mt-2 rounded bg-amber-50 p-2 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100" data-testid="filtered">
                                        "The provider's content filter blurred or withheld this image. Try a different prompt."
                                    </p>
                                })}
                            </figure>
                        })
                    }
                    (false, None) => EitherOf3::C(view! {
                        <div class="flex h-80 items-center justify-center text-center text-slate-600 dark:text-slate-400" data-testid="result-empty">
                            <p>"Your image will appear here."</p>
                        </div>
                    }),
                }}
            </section>
        </div>
        <section class="mt-8" data-testid="gallery">
            <h2 class="mb-3 text-xl font-semibold">{move || format!("Gallery ({})", total.get())}</h2>
            <Show when=move || !gallery.with(Vec::is_empty) fallback=|| view! {
                <p class="rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-600 dark:text-slate-400 dark:border-slate-700" data-testid="gallery-empty">"No images yet."</p>
            }>
                <ul class="grid grid-cols-2 gap-4 sm:grid-cols-3 lg:grid-cols-4">
                    <For each=move || gallery.get() key=|i| i.id let(image)>
                        <li class="overflow-hidden rounded-lg border border-slate-200 bg-white dark:border-slate-700 dark:bg-slate-900" data-testid="gallery-item">
                            <img src=image.url.clone() alt=image.prompt.clone() loading="lazy" class="aspect-square w-full object-cover"/>
                            <div class="space-y-1 p-2 text-xs">
                                <p class="line-clamp-2 text-slate-700 dark:text-slate-200" title=image.prompt.clone()>{image.prompt.clone()}</p>
                                <p class="text-slate-600 dark:text-slate-400">{format!("{} · {} · seed {} · {}", image.provider, image.aspect_ratio, image.seed, image.format)}</p>
                                <div class="flex gap-2">
                                    <a href=image.download_url.clone() download="" class="text-indigo-700 underline dark:text-indigo-300">"Download"</a>
                                    <button type="button" class="text-red-700 underline dark:text-red-300" data-testid="delete"
                                        on:click={ let id = image.id; move |_| delete(id) }>"Delete"</button>
                                </div>
                            </div>
                        </li>
                    </For>
                </ul>
            </Show>
        </section>
    }
}
