pub mod chart;
pub mod layout;
pub mod theme;
