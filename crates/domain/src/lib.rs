//! Domain types of the AI Portfolio store, shared by the server and the browser.

pub mod chat;
pub mod classifier;
pub mod csv;
pub mod money;
pub mod records;
pub mod view;

pub use money::Cents;
