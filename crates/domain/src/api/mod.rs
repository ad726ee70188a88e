//! The JSON the server and the pages exchange, typed once for both sides: requests, answers and
//! the one error shape. A field renamed here breaks the build on both sides instead of going
//! silently empty in the browser.

/// A closed set of words stored as text (a status, a role): parsing names what was not known, so
/// a bad row in the database is an error that says which value, not a silent default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
}

impl std::fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown {} {:?}", self.what, self.value)
    }
}

impl std::error::Error for UnknownValue {}

/// Declares an enum stored and sent as snake_case text, with `as_str`, `ALL`, `NAMES`, `FromStr` and
/// `TryFrom<String>` (what the database rows decode through).
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and sent words, in the same order as `ALL`.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::api::UnknownValue;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                match text {
                    $($text => Ok($name::$variant),)+
                    other => Err($crate::api::UnknownValue { what: $what, value: other.to_owned() }),
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::api::UnknownValue;

            fn try_from(text: String) -> Result<Self, Self::Error> {
                text.parse()
            }
        }
    };
}

// After the macro: the modules below see it by textual order.
pub mod analytics_export;
pub mod desk;
pub mod error;
pub mod feedback;
pub mod gpt;
pub mod images;
pub mod jobs;
pub mod knowledge;
pub mod routes;
pub mod snippet;
pub mod support;
pub mod v1;

pub use error::{ErrorBody, ErrorCode, ErrorDetail};
