pub mod chart;
pub mod layout;
#[cfg(feature = "hydrate")]
pub mod sse;
pub mod theme;
