//! The chat's code that waits for its first use: drawing the conversation's lines, reading a
//! turn, the team's live stream. A visitor who reads the page without writing downloads none of
//! it; the first message (or a stored conversation resuming) fetches it. One `#[lazy]` split
//! point for all three, not one each: they are first needed at the same moment, and each split
//! point multiplies the chunk files a page fetches (measured: three points, 23 shared chunks for
//! /support; docs/benchmarks.md, eleventh pass).

use super::lines::{Part, draw};
use leptos::prelude::*;
#[cfg(feature = "hydrate")]
use {
    super::Chat, crate::components::live::LiveStream, domain::api::support::ChatRequest,
    std::future::Future, std::pin::Pin, web_sys::AbortController,
};

/// A turn being read (`turn::read_turn`).
#[cfg(feature = "hydrate")]
type Turn = Pin<Box<dyn Future<Output = ()>>>;

/// The entry points into the code loaded on first use.
pub(super) struct Later {
    pub draw: fn(Part) -> AnyView,
    #[cfg(feature = "hydrate")]
    pub read_turn: fn(ChatRequest, AbortController, Chat) -> Turn,
    #[cfg(feature = "hydrate")]
    pub open_team_stream: fn(Chat) -> Option<LiveStream>,
}

/// Loads the code (the first call) and hands out its entry points.
#[lazy]
pub(super) fn later() -> Later {
    Later {
        draw,
        #[cfg(feature = "hydrate")]
        read_turn: |request, controller, chat| {
            Box::pin(super::turn::read_turn(request, controller, chat))
        },
        #[cfg(feature = "hydrate")]
        open_team_stream: super::turn::open_team_stream,
    }
}

/// A part of the conversation, drawn once the code is loaded (at once after the first time).
pub(super) fn drawn(part: Part) -> impl IntoView {
    Suspend::new(async move { (later().await.draw)(part) })
}
