//! The HTML document around the app, rendered on the server only (the module is compiled with
//! the `ssr` feature alone): what loads in which order.
//!
//! - The stylesheet is the first request and the only render-blocking one.
//! - Two tiny inline scripts run before the first paint: the colour scheme (so dark mode never
//!   flashes white) and the frame's menu and theme buttons, which therefore work before any
//!   WebAssembly has arrived, and on pages that never load it.
//! - The WebAssembly starts downloading only once the page's largest paint has been presented,
//!   so it never competes with the HTML and CSS for a slow phone connection: what the visitor
//!   sees first is the server's paint, and hydration follows. Only a page with an island
//!   (`crate::routes`) loads it at all: the script looks for `<leptos-island>` elements, so a
//!   page without one (Home, Architecture, Data Views, the desk's sign-in page, the 404 page)
//!   downloads no WebAssembly, and no list of pages can go stale. It then calls each island's
//!   exported function by name, which fetches that island's chunk and hydrates it.

use leptos::prelude::*;
use leptos_meta::MetaTags;

/// Sets the colour scheme before the first paint (stored choice, else the system's).
const THEME_SCRIPT: &str = "(function(){try{var t=localStorage.getItem('theme');\
var d=t?t==='dark':window.matchMedia('(prefers-color-scheme: dark)').matches;\
document.documentElement.classList.toggle('dark',d);}catch(e){}})();";

/// The frame's two buttons, by event delegation so they work from the first paint, whether or
/// not the page hydrates: the theme toggle (remembered in localStorage) and the phone menu,
/// which closes when a link in it is followed.
const FRAME_SCRIPT: &str = "document.addEventListener('click',function(e){\
var t=e.target instanceof Element?e.target:null;if(!t)return;\
if(t.closest('[data-testid=theme-toggle]')){\
var d=document.documentElement.classList.toggle('dark');\
try{localStorage.setItem('theme',d?'dark':'light');}catch(_){}return;}\
var nav=document.getElementById('site-nav'),b=document.querySelector('[data-testid=menu-button]');\
if(!nav||!b)return;\
if(t.closest('[data-testid=menu-button]')){var open=nav.classList.toggle('hidden')===false;\
b.setAttribute('aria-expanded',String(open));return;}\
if(t.closest('#site-nav a')){nav.classList.add('hidden');b.setAttribute('aria-expanded','false');}\
});";

/// On a page with islands: loads the main module once the browser reports the page's largest
/// paint as presented (its first `largest-contentful-paint` entry; the first `paint` entry where
/// that is not reported, as in Safari; the next frame where neither is), then hydrates each
/// island through its exported function, named in the element's `data-component`. In a
/// background tab, which paints nothing, it loads at once; if no entry comes within 3 s, it
/// loads anyway.
///
/// Why wait for the entry: the first frame's `requestAnimationFrame` (and even the `load`
/// event) can come before that frame is presented, and when the download began before the
/// largest paint in a trace, Lighthouse's simulation counted the whole WebAssembly on slow 4G
/// into the Largest Contentful Paint (0.8 s becoming 1.7-3.5 s in one run of four).
///
/// A module script runs once the document is parsed, so every island is in it by then. Islands
/// are never nested here.
fn hydration_script(pkg: &str, js: &str, wasm: &str) -> String {
    format!(
        "(function(){{var islands=document.querySelectorAll('leptos-island');if(!islands.length)return;\
var started=false;var go=function(){{if(started)return;started=true;import('/{pkg}/{js}').then(function(m){{\
return m.default({{module_or_path:'/{pkg}/{wasm}'}}).then(function(){{m.hydrate();\
islands.forEach(function(el){{var f=m[el.dataset.component];\
if(f){{f(el);}}else{{console.error('No code for the island '+el.dataset.component);}}}});}});}});}};\
var soon=function(){{setTimeout(go,0);}};\
if(document.visibilityState==='hidden'){{go();return;}}\
var kinds=(window.PerformanceObserver&&PerformanceObserver.supportedEntryTypes)||[];\
var kind=kinds.indexOf('largest-contentful-paint')>=0?'largest-contentful-paint':kinds.indexOf('paint')>=0?'paint':null;\
if(!kind){{requestAnimationFrame(soon);return;}}\
var seen=new PerformanceObserver(function(){{seen.disconnect();soon();}});\
seen.observe({{type:kind,buffered:true}});setTimeout(go,3000);}})();"
    )
}

/// The Content-Security-Policy for a page whose inline scripts carry `nonce`: scripts only from
/// this origin or with the nonce, WASM allowed to compile, nothing framed, no plugins.
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; \
         font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// The whole document for one request.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let nonce = leptos::nonce::use_nonce();
    if let (Some(nonce), Some(response)) = (
        nonce.as_ref(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) && let Ok(value) =
        http::HeaderValue::from_str(&content_security_policy(&nonce.to_string()))
    {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
    let pkg = options.site_pkg_dir.to_string();
    let name = options.output_name.to_string();
    let stylesheet = format!("/{pkg}/{name}.css");
    let hydration = hydration_script(&pkg, &format!("{name}.js"), &format!("{name}_bg.wasm"));
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="stylesheet" href=stylesheet/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <script nonce=nonce.clone()>{THEME_SCRIPT}</script>
                <script nonce=nonce.clone()>{FRAME_SCRIPT}</script>
                <script type="module" nonce=nonce.clone()>{hydration}</script>
                <MetaTags/>
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
                <crate::App/>
            </body>
        </html>
    }
}
