//! The wire's dates and times. On the server (the `chrono` feature, which the store, the
//! server and every other native crate enable) these are chrono's own types. In the browser,
//! which only reads timestamps the server sent and prints them, they are the small types below:
//! chrono's parser and `strftime` engine cost every page about 12 KB of gzipped WebAssembly
//! (docs/benchmarks.md), for a handful of `YYYY-MM-DD HH:MM` labels.
//!
//! Both spell the same JSON: RFC 3339 for a time (`2026-12-01T14:03:05.123Z`), `YYYY-MM-DD` for
//! a date, so a type written with `DateTime<Utc>` reads the same answer on either side.

#[cfg(feature = "chrono")]
pub use chrono::{DateTime, Duration, NaiveDate, Utc};
#[cfg(not(feature = "chrono"))]
pub use light::{DateTime, Duration, NaiveDate, Utc};

/// The browser's stand-ins for chrono's types: only what the wire and the pages use. Compiled
/// in every build so their tests run beside chrono's and compare against it.
#[cfg_attr(feature = "chrono", allow(dead_code))]
pub mod light {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::fmt;
    use std::marker::PhantomData;

    /// The UTC time zone (the only one the wire uses).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub struct Utc;

    /// A length of time.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub struct Duration {
        seconds: i64,
    }

    impl Duration {
        pub fn hours(hours: i64) -> Self {
            Duration {
                seconds: hours.saturating_mul(3600),
            }
        }
    }

    /// An instant, to the nanosecond, in UTC.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub struct DateTime<Tz> {
        /// Seconds since 1970-01-01T00:00:00Z.
        seconds: i64,
        nanos: u32,
        zone: PhantomData<Tz>,
    }

    /// A calendar day.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub struct NaiveDate {
        /// Days since 1970-01-01.
        days: i64,
    }

    impl DateTime<Utc> {
        /// The instant `seconds` and `nanos` after the Unix epoch.
        pub fn from_timestamp(seconds: i64, nanos: u32) -> Option<Self> {
            (nanos < 1_000_000_000).then_some(DateTime {
                seconds,
                nanos,
                zone: PhantomData,
            })
        }

        pub fn timestamp_millis(&self) -> i64 {
            self.seconds * 1000 + i64::from(self.nanos / 1_000_000)
        }

        /// `YYYY-MM-DDTHH:MM:SS[.fraction]+00:00`, as chrono writes it.
        pub fn to_rfc3339(&self) -> String {
            self.rfc3339_with_zone("+00:00")
        }

        /// RFC 3339 with the fraction as chrono writes it (none, or 3, 6 or 9 digits) and
        /// `zone` for UTC: `+00:00` from `to_rfc3339`, `Z` on the wire.
        fn rfc3339_with_zone(&self, zone: &str) -> String {
            let fraction = match self.nanos {
                0 => String::new(),
                n if n.is_multiple_of(1_000_000) => format!(".{:03}", n / 1_000_000),
                n if n.is_multiple_of(1_000) => format!(".{:06}", n / 1_000),
                n => format!(".{n:09}"),
            };
            format!("{}{fraction}{zone}", self.format("%Y-%m-%dT%H:%M:%S"))
        }

        /// The fields `%Y %m %d %H %M %S %%` of `pattern` replaced, as `strftime` would.
        pub fn format<'a>(&self, pattern: &'a str) -> Formatted<'a> {
            let day = NaiveDate {
                days: self.seconds.div_euclid(86_400),
            };
            let in_day = self.seconds.rem_euclid(86_400);
            let mut formatted = day.format(pattern);
            formatted.fields.hour = (in_day / 3600) as u32;
            formatted.fields.minute = (in_day / 60 % 60) as u32;
            formatted.fields.second = (in_day % 60) as u32;
            formatted
        }

        /// An RFC 3339 time: `YYYY-MM-DD`, `T` (or a space), `HH:MM:SS`, an optional fraction,
        /// then `Z` or an offset `±HH:MM`.
        pub fn parse_rfc3339(text: &str) -> Option<Self> {
            let bytes = text.as_bytes();
            if bytes.len() < 20 || !matches!(bytes[10], b'T' | b't' | b' ') {
                return None;
            }
            let date = NaiveDate::parse(text.get(..10)?)?;
            let (hour, minute, second) = (
                number(text.get(11..13)?)?,
                number(text.get(14..16)?)?,
                number(text.get(17..19)?)?,
            );
            if bytes[13] != b':' || bytes[16] != b':' || hour > 23 || minute > 59 || second > 60 {
                return None;
            }
            let mut rest = &text[19..];
            let mut nanos = 0u32;
            if let Some(fraction) = rest.strip_prefix('.') {
                let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
                if digits == 0 {
                    return None;
                }
                for (i, digit) in fraction.bytes().take(digits).enumerate() {
                    if i < 9 {
                        nanos += u32::from(digit - b'0') * 10u32.pow(8 - i as u32);
                    }
                }
                rest = &fraction[digits..];
            }
            let offset = match rest.as_bytes() {
                [b'Z' | b'z'] => 0,
                [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                    let hours = number(std::str::from_utf8(&[*h1, *h2]).ok()?)?;
                    let minutes = number(std::str::from_utf8(&[*m1, *m2]).ok()?)?;
                    let seconds = i64::from(hours * 3600 + minutes * 60);
                    if *sign == b'+' { seconds } else { -seconds }
                }
                _ => return None,
            };
            // A leap second reads as the last second of its minute, as chrono prints it.
            let seconds =
                date.days * 86_400 + i64::from(hour * 3600 + minute * 60 + second.min(59)) - offset;
            DateTime::from_timestamp(seconds, nanos)
        }
    }

    impl std::ops::Add<Duration> for DateTime<Utc> {
        type Output = DateTime<Utc>;

        fn add(self, duration: Duration) -> Self {
            DateTime {
                seconds: self.seconds.saturating_add(duration.seconds),
                ..self
            }
        }
    }

    impl NaiveDate {
        /// `YYYY-MM-DD`, a day that exists.
        pub fn parse(text: &str) -> Option<Self> {
            let bytes = text.as_bytes();
            if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
                return None;
            }
            let year = i64::from(number(&text[..4])?);
            let (month, day) = (number(&text[5..7])?, number(&text[8..10])?);
            if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
                return None;
            }
            Some(NaiveDate {
                days: days_from_civil(year, month, day),
            })
        }

        /// The fields `%Y %m %d %%` of `pattern` replaced (the time of day reads as midnight).
        pub fn format<'a>(&self, pattern: &'a str) -> Formatted<'a> {
            let (year, month, day) = civil_from_days(self.days);
            Formatted {
                pattern,
                fields: Fields {
                    year,
                    month,
                    day,
                    ..Fields::default()
                },
            }
        }
    }

    #[derive(Default)]
    struct Fields {
        year: i64,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
    }

    /// A time or date printed with a `strftime`-style pattern.
    pub struct Formatted<'a> {
        pattern: &'a str,
        fields: Fields,
    }

    impl fmt::Display for Formatted<'_> {
        fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
            let f = &self.fields;
            let mut chars = self.pattern.chars();
            while let Some(c) = chars.next() {
                if c != '%' {
                    write!(out, "{c}")?;
                    continue;
                }
                match chars.next() {
                    Some('Y') => write!(out, "{:04}", f.year)?,
                    Some('m') => write!(out, "{:02}", f.month)?,
                    Some('d') => write!(out, "{:02}", f.day)?,
                    Some('H') => write!(out, "{:02}", f.hour)?,
                    Some('M') => write!(out, "{:02}", f.minute)?,
                    Some('S') => write!(out, "{:02}", f.second)?,
                    Some('%') => write!(out, "%")?,
                    Some(other) => write!(out, "%{other}")?,
                    None => write!(out, "%")?,
                }
            }
            Ok(())
        }
    }

    impl Serialize for DateTime<Utc> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.serialize_str(&self.rfc3339_with_zone("Z"))
        }
    }

    impl<'de> Deserialize<'de> for DateTime<Utc> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let text = String::deserialize(deserializer)?;
            DateTime::parse_rfc3339(&text)
                .ok_or_else(|| D::Error::custom("a time in RFC 3339 (2026-12-01T14:03:05Z)"))
        }
    }

    /// `YYYY-MM-DD`, as chrono prints a date.
    impl fmt::Display for NaiveDate {
        fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.format("%Y-%m-%d").fmt(out)
        }
    }

    impl Serialize for NaiveDate {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_str(self)
        }
    }

    impl<'de> Deserialize<'de> for NaiveDate {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let text = String::deserialize(deserializer)?;
            NaiveDate::parse(&text).ok_or_else(|| D::Error::custom("a date as YYYY-MM-DD"))
        }
    }

    /// Two or four ASCII digits as a number.
    fn number(text: &str) -> Option<u32> {
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse().ok()
    }

    fn days_in_month(year: i64, month: u32) -> u32 {
        match month {
            2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    }

    /// Days since 1970-01-01 of a day of the proleptic Gregorian calendar (Howard Hinnant's
    /// `days_from_civil`).
    fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
        let year = if month <= 2 { year - 1 } else { year };
        let era = year.div_euclid(400);
        let year_of_era = year.rem_euclid(400);
        let month = i64::from(month);
        let day_of_year =
            (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    /// The day `days` after 1970-01-01 as (year, month, day) (`civil_from_days`).
    fn civil_from_days(days: i64) -> (i64, u32, u32) {
        let days = days + 719_468;
        let era = days.div_euclid(146_097);
        let day_of_era = days.rem_euclid(146_097);
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let shifted_month = (5 * day_of_year + 2) / 153;
        let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
        let month = if shifted_month < 10 {
            shifted_month + 3
        } else {
            shifted_month - 9
        } as u32;
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        (year, month, day)
    }
}

#[cfg(test)]
mod tests {
    use super::light;

    #[test]
    fn reads_and_prints_times_as_chrono_does() {
        let samples = [
            "2026-12-01T14:03:05Z",
            "2026-12-01T14:03:05.123Z",
            "2026-12-01T14:03:05.123456Z",
            "2026-12-01T14:03:05.123456789Z",
            "1970-01-01T00:00:00Z",
            "1969-12-31T23:59:59.5Z",
            "2000-02-29T12:00:00+02:00",
            "2024-03-01T00:30:00-01:30",
            "2100-03-01 08:09:10Z",
        ];
        for text in samples {
            let ours = light::DateTime::parse_rfc3339(text).expect(text);
            let theirs: chrono::DateTime<chrono::Utc> =
                chrono::DateTime::parse_from_rfc3339(&text.replace(' ', "T"))
                    .expect(text)
                    .into();
            assert_eq!(ours.timestamp_millis(), theirs.timestamp_millis(), "{text}");
            for pattern in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M UTC", "%m-%d", "100%%"] {
                assert_eq!(
                    ours.format(pattern).to_string(),
                    theirs.format(pattern).to_string(),
                    "{text} {pattern}"
                );
            }
            assert_eq!(ours.to_rfc3339(), theirs.to_rfc3339(), "{text}");
            // What the server writes, read back by the browser's type and written the same way.
            let wire = serde_json::to_string(&theirs).expect("serialise");
            let read: light::DateTime<light::Utc> = serde_json::from_str(&wire).expect(&wire);
            assert_eq!(serde_json::to_string(&read).expect("serialise"), wire);
        }
    }

    #[test]
    fn refuses_what_is_not_a_time() {
        for text in [
            "",
            "2026-12-01",
            "2026-12-01T14:03:05",
            "2026-13-01T14:03:05Z",
            "2026-02-30T14:03:05Z",
            "2026-12-01T24:00:00Z",
            "2026-12-01T14:03:05.Z",
            "2026-12-01T14:03:05+0200",
            "2026-12-01T14:03:05Zjunk",
            "２０２６-12-01T14:03:05Z",
        ] {
            assert!(light::DateTime::parse_rfc3339(text).is_none(), "{text}");
        }
    }

    #[test]
    fn dates_and_durations_agree_with_chrono() {
        for text in [
            "2026-12-01",
            "2024-02-29",
            "1999-12-31",
            "1900-03-01",
            "2400-02-29",
        ] {
            let ours = light::NaiveDate::parse(text).expect(text);
            let theirs = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").expect(text);
            assert_eq!(
                ours.format("%m-%d").to_string(),
                theirs.format("%m-%d").to_string()
            );
            assert_eq!(ours.to_string(), theirs.to_string());
            let wire = serde_json::to_string(&theirs).expect("serialise");
            let read: light::NaiveDate = serde_json::from_str(&wire).expect(&wire);
            assert_eq!(serde_json::to_string(&read).expect("serialise"), wire);
        }
        assert!(light::NaiveDate::parse("2023-02-29").is_none());
        assert!(light::NaiveDate::parse("1900-02-29").is_none());

        let opened = light::DateTime::parse_rfc3339("2026-12-31T20:00:00Z").expect("time");
        let due = opened + light::Duration::hours(24);
        assert_eq!(due.format("%Y-%m-%d %H:%M").to_string(), "2027-01-01 20:00");
        assert_eq!(
            due.timestamp_millis() - opened.timestamp_millis(),
            86_400_000
        );
    }
}
