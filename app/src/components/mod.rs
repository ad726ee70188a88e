pub mod chart;
#[cfg(feature = "hydrate")]
pub mod http;
pub mod layout;
#[cfg(feature = "hydrate")]
pub mod sse;
pub mod theme;
