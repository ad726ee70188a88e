//! Browser work that ends with the part of the page that started it.
//!
//! An answer can arrive after its view is gone: the visitor moved to another page, the desk
//! switched tabs, an effect ran again for a new filter. Reading a signal of a view that no longer
//! exists panics, and in the browser a panic stops the whole app (CI saw it: the desk's ticket
//! list read its filter after the Tickets tab had been left). Work that reads its view's signals
//! after an `.await` is therefore cancelled with that view instead of finishing late.

use leptos::prelude::*;
use leptos::reactive::owner::{Owner, WeakOwner};
use std::future::Future;

/// Runs `work` until it ends or the current owner (the effect or view running this) is cleaned
/// up. Signals read inside `work` are never tracked: an effect that starts a request must not
/// come to depend on what the request's handling happens to read.
pub fn spawn_scoped(work: impl Future<Output = ()> + 'static) {
    untrack(|| leptos::task::spawn_local_scoped_with_cancellation(work));
}

/// A page's own lifetime, taken while the page is built. Work started from a button inside a list
/// row or a suggestion chip belongs to the page, not to the row: the row may be redrawn while a
/// reply streams in, and the reply must go on.
#[derive(Clone, Copy)]
pub struct PageScope(StoredValue<Option<WeakOwner>>);

impl PageScope {
    /// The scope of the view being built now.
    pub fn here() -> Self {
        Self(StoredValue::new(Owner::current().map(|o| o.downgrade())))
    }

    /// Runs `work` until it ends or the page is gone; once the page is gone, nothing starts.
    pub fn spawn(self, work: impl Future<Output = ()> + 'static) {
        if let Some(owner) = self.0.try_get_value().flatten().and_then(|w| w.upgrade()) {
            owner.with(|| spawn_scoped(work));
        }
    }
}
