//! The chat's code that waits for its first use: drawing the conversation's lines, reading a
//! turn, the team's live stream. A visitor who reads the page without writing downloads none of
//! it; focusing the message box, sending, or a stored conversation resuming fetches it. One
//! `#[lazy]` split point for all three, not one each: they are first needed at the same moment,
//! and each split point multiplies the chunk files a page fetches (measured: three points, 23
//! shared chunks for /support; docs/benchmarks.md, eleventh pass).

use super::lines::{Drawn, draw};
use super::{Chat, turn};
use crate::components::live::LiveStream;
use domain::api::support::ChatRequest;
use leptos::prelude::*;
use std::future::Future;
use std::pin::Pin;
use web_sys::{AbortController, HtmlDivElement};

/// A turn being read (`turn::read_turn`).
type Turn = Pin<Box<dyn Future<Output = ()>>>;

/// The entry points into the code loaded on first use.
pub(super) struct Later {
    pub draw: fn(HtmlDivElement, Chat, Callback<(String, bool)>) -> Drawn,
    pub read_turn: fn(ChatRequest, AbortController, Chat) -> Turn,
    pub open_team_stream: fn(Chat) -> Option<LiveStream>,
}

/// Loads the code (the first call) and hands out its entry points.
#[lazy]
pub(super) fn later() -> Later {
    Later {
        draw,
        read_turn: |request, controller, chat| Box::pin(turn::read_turn(request, controller, chat)),
        open_team_stream: turn::open_team_stream,
    }
}
