//! A page that hydrates in one synchronous pass once its code is here.
//!
//! The router hydrates a lazy route through `hydrate_async`, because a route's code may still be
//! on its way. Every view type reached that way is compiled twice into the page's WASM: once as
//! `hydrate_async` (the router's path) and once as `hydrate`, which `AnyView` keeps for each type
//! it erases, and the route's view is erased. By the time a page's view exists its chunk has
//! arrived (`routes::Page::view` awaits it), and nothing inside a page waits for code while it
//! hydrates: resources read what the server serialised into the HTML and resolve at once, and the
//! desk's signed-in view is fetched after hydration. So a page hydrates synchronously: this
//! wrapper's `hydrate_async` is the trait's default, which calls `hydrate`, and the async copy of
//! the page's views is never compiled. Everything else is passed straight to the page's view.

use leptos::tachys::{
    html::attribute::{Attribute, any_attribute::AnyAttribute},
    hydration::Cursor,
    ssr::StreamBuilder,
    view::{Position, PositionState, Render, RenderHtml, add_attr::AddAnyAttr},
};

/// A page's view, hydrated by `hydrate` even where the router asks for `hydrate_async`.
pub struct HydrateAtOnce<V>(pub V);

impl<V: Render> Render for HydrateAtOnce<V> {
    type State = V::State;

    fn build(self) -> Self::State {
        self.0.build()
    }

    fn rebuild(self, state: &mut Self::State) {
        self.0.rebuild(state);
    }
}

impl<V: AddAnyAttr> AddAnyAttr for HydrateAtOnce<V> {
    type Output<SomeNewAttr: Attribute> = HydrateAtOnce<V::Output<SomeNewAttr>>;

    fn add_any_attr<NewAttr: Attribute>(self, attr: NewAttr) -> Self::Output<NewAttr>
    where
        Self::Output<NewAttr>: RenderHtml,
    {
        HydrateAtOnce(self.0.add_any_attr(attr))
    }
}

impl<V: RenderHtml> RenderHtml for HydrateAtOnce<V> {
    type AsyncOutput = HydrateAtOnce<V::AsyncOutput>;
    type Owned = HydrateAtOnce<V::Owned>;

    const MIN_LENGTH: usize = V::MIN_LENGTH;
    const EXISTS: bool = V::EXISTS;

    fn dry_resolve(&mut self) {
        self.0.dry_resolve();
    }

    async fn resolve(self) -> Self::AsyncOutput {
        HydrateAtOnce(self.0.resolve().await)
    }

    fn html_len(&self) -> usize {
        self.0.html_len()
    }

    fn to_html_with_buf(
        self,
        buf: &mut String,
        position: &mut Position,
        escape: bool,
        mark_branches: bool,
        extra_attrs: Vec<AnyAttribute>,
    ) {
        self.0
            .to_html_with_buf(buf, position, escape, mark_branches, extra_attrs);
    }

    fn to_html_async_with_buf<const OUT_OF_ORDER: bool>(
        self,
        buf: &mut StreamBuilder,
        position: &mut Position,
        escape: bool,
        mark_branches: bool,
        extra_attrs: Vec<AnyAttribute>,
    ) where
        Self: Sized,
    {
        self.0.to_html_async_with_buf::<OUT_OF_ORDER>(
            buf,
            position,
            escape,
            mark_branches,
            extra_attrs,
        );
    }

    fn hydrate<const FROM_SERVER: bool>(
        self,
        cursor: &Cursor,
        position: &PositionState,
    ) -> Self::State {
        self.0.hydrate::<FROM_SERVER>(cursor, position)
    }

    fn into_owned(self) -> Self::Owned {
        HydrateAtOnce(self.0.into_owned())
    }
}
