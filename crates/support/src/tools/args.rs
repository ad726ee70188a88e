//! Validation of tool arguments at the edge: each check answers with a sentence a customer (or a
//! model) can act on.

use domain::Cents;

pub use domain::view::CATEGORIES;
pub const PRIORITIES: &[&str] = domain::api::desk::Priority::NAMES;
/// A ticket's category is a message category (see `classify`).
pub use crate::understanding::classify::CATEGORIES as TICKET_CATEGORIES;

/// A product and a quantity, as tools take them (extraction reads them from a message).
pub use crate::understanding::extract::ItemArg;

pub fn email(value: &str) -> Result<String, String> {
    let value = value.trim();
    let valid = value.len() <= 254
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.starts_with('.')
                && domain.contains('.')
                && !domain.ends_with('.')
                && !value.contains(char::is_whitespace)
        });
    if valid {
        Ok(value.to_lowercase())
    } else {
        Err(format!("\"{value}\" is not a valid email address"))
    }
}

pub fn zip(value: &str) -> Result<String, String> {
    let value = value.trim();
    let five = value.get(..5).unwrap_or(value);
    let rest = value.get(5..).unwrap_or("");
    let valid_rest = rest.is_empty()
        || (rest.len() == 5
            && rest.starts_with('-')
            && rest[1..].chars().all(|c| c.is_ascii_digit()));
    if five.len() == 5 && five.chars().all(|c| c.is_ascii_digit()) && valid_rest {
        Ok(five.to_string())
    } else {
        Err(format!("\"{value}\" is not a US ZIP code (5 digits)"))
    }
}

pub fn order_id(value: i64) -> Result<i64, String> {
    if (1..=i64::from(i32::MAX)).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} is not an order number"))
    }
}

pub fn category(value: &str) -> Result<String, String> {
    let v = value.trim().to_lowercase();
    let v = v.strip_suffix('s').map(str::to_string).unwrap_or(v);
    let v = if v == "accessorie" {
        "accessory".into()
    } else {
        v
    };
    if CATEGORIES.contains(&v.as_str()) {
        Ok(v)
    } else {
        Err(format!(
            "unknown category \"{value}\" (one of {})",
            CATEGORIES.join(", ")
        ))
    }
}

pub fn dollars(value: f64, field: &str) -> Result<Cents, String> {
    if value.is_finite() && (0.0..=1_000_000.0).contains(&value) {
        Ok(Cents((value * 100.0).round() as i64))
    } else {
        Err(format!(
            "{field} must be an amount between 0 and 1,000,000 dollars"
        ))
    }
}

pub fn text(value: &str, field: &str, max: usize) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() {
        Err(format!("{field} is empty"))
    } else if value.chars().count() > max {
        Err(format!("{field} is longer than {max} characters"))
    } else {
        Ok(value.to_string())
    }
}

pub fn phone(value: &str) -> Result<String, String> {
    let digits = value.chars().filter(char::is_ascii_digit).count();
    if (7..=15).contains(&digits)
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
    {
        Ok(value.trim().to_string())
    } else {
        Err(format!("\"{value}\" is not a phone number"))
    }
}

pub fn state(value: &str) -> Result<String, String> {
    let v = value.trim().to_uppercase();
    if v.len() == 2 && v.chars().all(|c| c.is_ascii_uppercase()) {
        Ok(v)
    } else {
        Err(format!("\"{value}\" is not a two-letter state code"))
    }
}

pub fn priority(value: &str) -> Result<String, String> {
    let v = value.trim().to_lowercase();
    if PRIORITIES.contains(&v.as_str()) {
        Ok(v)
    } else {
        Err(format!("priority must be one of {}", PRIORITIES.join(", ")))
    }
}

pub fn ticket_category(value: &str) -> String {
    let v = value.trim().to_lowercase();
    if TICKET_CATEGORIES.contains(&v.as_str()) {
        v
    } else {
        "general".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_and_normalised() {
        assert_eq!(
            email(" Maya.Chen@Example.com "),
            Ok("maya.chen@example.com".into())
        );
        assert!(email("maya").is_err());
        assert!(email("a@b").is_err());
        assert!(email("a b@c.com").is_err());
    }

    #[test]
    fn zips_take_five_digits_or_zip_plus_four() {
        assert_eq!(zip("94103"), Ok("94103".into()));
        assert_eq!(zip("94103-1234"), Ok("94103".into()));
        assert!(zip("9410").is_err());
        assert!(zip("abcde").is_err());
    }

    #[test]
    fn categories_accept_plurals() {
        assert_eq!(category("Monitors"), Ok("monitor".into()));
        assert_eq!(category("accessories"), Ok("accessory".into()));
        assert!(category("laptop").is_err());
    }

    #[test]
    fn amounts_and_phones_are_bounded() {
        assert_eq!(dollars(199.99, "max_price"), Ok(Cents(19_999)));
        assert!(dollars(-1.0, "max_price").is_err());
        assert!(dollars(f64::NAN, "max_price").is_err());
        assert!(phone("+1-415-555-0142").is_ok());
        assert!(phone("call me").is_err());
    }
}
