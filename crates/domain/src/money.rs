//! Money as integer cents: floats never touch prices, totals or refunds.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount of US dollars in cents.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[cfg_attr(feature = "sqlx", derive(sqlx::Type), sqlx(transparent))]
#[serde(transparent)]
pub struct Cents(pub i64);

impl Cents {
    /// `quantity` units at this price; `None` on overflow rather than a wrong total.
    pub fn times(self, quantity: i64) -> Option<Cents> {
        self.0.checked_mul(quantity).map(Cents)
    }

    /// Cost of shipping `weight_oz` ounces at `self` per pound, rounded half up to the cent.
    pub fn per_lb_for_ounces(self, weight_oz: i64) -> Option<Cents> {
        let scaled = self.0.checked_mul(weight_oz)?;
        Some(Cents((scaled + 8).div_euclid(16)))
    }

    pub fn checked_add(self, other: Cents) -> Option<Cents> {
        self.0.checked_add(other.0).map(Cents)
    }

    /// Plain decimal without a currency sign or separators, as CSV and JSON consumers expect.
    pub fn to_decimal_string(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl fmt::Display for Cents {
    /// `$1,234.50`, `-$5.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let dollars = (abs / 100).to_string();
        let mut grouped = String::with_capacity(dollars.len() + dollars.len() / 3);
        for (i, ch) in dollars.chars().enumerate() {
            if i > 0 && (dollars.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        write!(f, "{sign}${grouped}.{:02}", abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_grouping_and_sign() {
        assert_eq!(Cents(0).to_string(), "$0.00");
        assert_eq!(Cents(9_900).to_string(), "$99.00");
        assert_eq!(Cents(219_900).to_string(), "$2,199.00");
        assert_eq!(Cents(123_456_789).to_string(), "$1,234,567.89");
        assert_eq!(Cents(-505).to_string(), "-$5.05");
    }

    #[test]
    fn decimal_string_has_no_symbols() {
        assert_eq!(Cents(219_905).to_decimal_string(), "2199.05");
        assert_eq!(Cents(-7).to_decimal_string(), "-0.07");
    }

    #[test]
    fn per_pound_rate_rounds_half_up_by_ounce() {
        // 1 lb = 16 oz: 8 oz at 150 c/lb is 75 c; 1 oz at 150 c/lb is 9.375 c -> 9 c.
        assert_eq!(Cents(150).per_lb_for_ounces(16), Some(Cents(150)));
        assert_eq!(Cents(150).per_lb_for_ounces(8), Some(Cents(75)));
        assert_eq!(Cents(150).per_lb_for_ounces(1), Some(Cents(9)));
        assert_eq!(Cents(100).per_lb_for_ounces(1), Some(Cents(6)));
    }

    #[test]
    fn overflow_is_none_not_wrong() {
        assert_eq!(Cents(i64::MAX).times(2), None);
        assert_eq!(Cents(i64::MAX).checked_add(Cents(1)), None);
        assert_eq!(Cents(250).times(3), Some(Cents(750)));
    }
}
