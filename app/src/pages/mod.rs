pub mod architecture;
pub mod data_views;
pub mod home;
pub mod not_found;
pub mod pirate;
pub mod placeholder;
pub mod support;
pub mod text_to_image;
