//! Server functions: called from the browser, run on the server.

pub mod backends;
pub mod data;
pub mod pirate;
