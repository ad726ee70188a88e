//! Inline SVG icons. Emoji render as empty boxes where no emoji font is installed (Debian's
//! headless Chromium, many Linux desktops); these draw with the text colour everywhere.

use leptos::prelude::*;

/// The icons the app draws, each a few strokes on a 24×24 grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Icon {
    Home,
    Headset,
    Flag,
    Chip,
    Eye,
    Picture,
    BarChart,
    Layers,
    Inbox,
    Dice,
    Bird,
    Plane,
    Shield,
    Question,
    Tag,
    Menu,
    Moon,
    Sun,
    ThumbUp,
    ThumbDown,
    Star,
    Microphone,
    Speaker,
}

impl Icon {
    /// The strokes, as SVG path data.
    fn paths(self) -> &'static [&'static str] {
        match self {
            Icon::Home => &["M3 11l9-7 9 7", "M5 10v10h5v-6h4v6h5V10"],
            Icon::Headset => &[
                "M4 15v-3a8 8 0 0 1 16 0v3",
                "M4 14h3v6H5a1 1 0 0 1-1-1z",
                "M20 14h-3v6h2a1 1 0 0 0 1-1z",
            ],
            Icon::Flag => &["M5 21V4", "M5 4h12l-2.5 4 2.5 4H5"],
            Icon::Chip => &[
                "M7 7h10v10H7z",
                "M10 10h4v4h-4z",
                "M9 3v4M15 3v4M9 17v4M15 17v4M3 9h4M3 15h4M17 9h4M17 15h4",
            ],
            Icon::Eye => &[
                "M2 12s3.6-7 10-7 10 7 10 7-3.6 7-10 7S2 12 2 12z",
                "M12 9a3 3 0 1 0 0 6 3 3 0 0 0 0-6z",
            ],
            Icon::Picture => &[
                "M4 5h16v14H4z",
                "M4 16l5-5 4 4 3-3 4 4",
                "M15.5 7.5a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z",
            ],
            Icon::BarChart => &["M4 20h16", "M7 16v-5M12 16V6M17 16V9"],
            Icon::Layers => &["M12 3l9 5-9 5-9-5z", "M3 13l9 5 9-5", "M3 17.5l9 5 9-5"],
            Icon::Inbox => &["M3 13h5l1.5 3h5l1.5-3h5", "M5.5 5h13L21 13v6H3v-6z"],
            Icon::Dice => &[
                "M5 4h14a1 1 0 0 1 1 1v14a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1z",
                "M8.5 8.5h.01M15.5 8.5h.01M12 12h.01M8.5 15.5h.01M15.5 15.5h.01",
            ],
            Icon::Bird => &[
                "M16 7h.01",
                "M3.5 20 11 13",
                "M20 8l-2-3a4 4 0 0 0-7 2.5V10L3 18c5 1 10 0 12-4l1-3 4-3z",
            ],
            Icon::Plane => &[
                "M21 15.5V14l-8-5V4a1 1 0 0 0-2 0v5l-8 5v1.5l8-2.5v5l-2.5 2V21l3.5-1 3.5 1v-1.5L13 18v-5z",
            ],
            Icon::Shield => &[
                "M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z",
                "M9 12l2 2 4-4",
            ],
            Icon::Question => &[
                "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z",
                "M9.5 9.5a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .9-1 1.6v.6",
                "M12 17h.01",
            ],
            Icon::Tag => &["M3 12V4a1 1 0 0 1 1-1h8l9 9-9 9z", "M7.5 7.5h.01"],
            Icon::Menu => &["M4 6h16M4 12h16M4 18h16"],
            Icon::Moon => &["M21 12.8A9 9 0 1 1 11.2 3a7 7 0 0 0 9.8 9.8z"],
            Icon::ThumbUp => &[
                "M7 11v9H4v-9z",
                "M7 11l4-8a2 2 0 0 1 2 2v4h5.5a2 2 0 0 1 2 2.3l-1.2 7A2 2 0 0 1 17.3 20H7",
            ],
            Icon::ThumbDown => &[
                "M7 13V4H4v9z",
                "M7 13l4 8a2 2 0 0 0 2-2v-4h5.5a2 2 0 0 0 2-2.3l-1.2-7A2 2 0 0 0 17.3 4H7",
            ],
            Icon::Star => {
                &["M12 3l2.8 5.7 6.2.9-4.5 4.4 1.1 6.2L12 17.3 6.4 20.2l1.1-6.2L3 9.6l6.2-.9z"]
            }
            Icon::Microphone => &[
                "M12 3a3 3 0 0 0-3 3v6a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3z",
                "M5 11a7 7 0 0 0 14 0",
                "M12 18v3",
            ],
            Icon::Speaker => &[
                "M4 9h4l5-4v14l-5-4H4z",
                "M16.5 8.5a5 5 0 0 1 0 7",
                "M19 6a8.5 8.5 0 0 1 0 12",
            ],
            Icon::Sun => &[
                "M12 8a4 4 0 1 0 0 8 4 4 0 0 0 0-8z",
                "M12 2v2m0 16v2M4.9 4.9l1.4 1.4m11.4 11.4l1.4 1.4M2 12h2m16 0h2M4.9 19.1l1.4-1.4m11.4-11.4l1.4-1.4",
            ],
        }
    }
}

/// Draws `icon` at the size `class` gives it (e.g. `h-5 w-5`), hidden from screen readers: the
/// text beside it says what it means.
#[component]
pub fn IconSvg(
    icon: Icon,
    #[prop(into, default = "h-5 w-5".into())] class: String,
) -> impl IntoView {
    view! {
        <svg
            class=class
            viewBox="0 0 24 24"
            fill="none"
            stroke="currentColor"
            stroke-width="1.8"
            stroke-linecap="round"
            stroke-linejoin="round"
            aria-hidden="true"
            focusable="false"
        >
            {icon.paths().iter().map(|d| view! { <path d=*d/> }).collect_view()}
        </svg>
    }
}
