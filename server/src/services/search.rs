//! Reads the desk's conversation search from its query string: each part checked, with a
//! sentence for one that cannot be read, into the store's [`ConversationSearch`].

use crate::services::ServiceError;
use chrono::{DateTime, NaiveDate, Utc};
use domain::api::desk::{
    ConversationFilter, ConversationSearchParams, ConversationStatus, Priority, RatingBand,
};
use store::operations::ConversationView;
use store::search::{ConversationSearch, Holder};

/// Conversations per page.
pub const PER_PAGE: u32 = 50;
/// The longest search text.
const MAX_TEXT_CHARS: usize = 200;

/// Who is searching: their staff id, and the browser a demo account is limited to.
pub struct Searcher<'a> {
    pub staff_id: i64,
    pub sandbox: Option<&'a str>,
}

fn set(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn day(value: &str, field: &str) -> Result<NaiveDate, ServiceError> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
        ServiceError::Invalid(format!(
            "The {field} date {value:?} is not a date; use YYYY-MM-DD."
        ))
    })
}

fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

/// The page asked for (from 1) and the search it means.
pub fn parse(
    params: &ConversationSearchParams,
    who: &Searcher<'_>,
) -> Result<(u32, ConversationSearch), ServiceError> {
    let view = match set(&params.view)
        .unwrap_or("all")
        .parse::<ConversationFilter>()
    {
        Ok(ConversationFilter::All) => ConversationView::All,
        Ok(ConversationFilter::Unassigned) => ConversationView::Unassigned,
        Ok(ConversationFilter::Mine) => ConversationView::Mine(who.staff_id),
        Ok(ConversationFilter::Escalated) => ConversationView::Escalated,
        Err(unknown) => {
            return Err(ServiceError::Invalid(format!(
                "Unknown view {:?}; use all, unassigned, mine or escalated.",
                unknown.value
            )));
        }
    };
    let text = set(&params.q).unwrap_or_default();
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(ServiceError::Invalid(format!(
            "Searches are limited to {MAX_TEXT_CHARS} characters."
        )));
    }
    let status = set(&params.status)
        .map(|s| {
            s.parse::<ConversationStatus>().map_err(|_| {
                ServiceError::Invalid(format!(
                    "Unknown status {s:?}; use open, escalated or closed."
                ))
            })
        })
        .transpose()?;
    let holder = match set(&params.assignee) {
        None => None,
        Some("none") => Some(Holder::Nobody),
        Some("me") => Some(Holder::Staff(who.staff_id)),
        Some(id) => Some(Holder::Staff(id.parse::<i64>().map_err(|_| {
            ServiceError::Invalid(format!(
                "Unknown assignee {id:?}; use none, me or a person's number."
            ))
        })?)),
    };
    let category = set(&params.category)
        .map(|c| {
            if c.len() <= 40 && c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
                Ok(c.to_owned())
            } else {
                Err(ServiceError::Invalid(format!(
                    "Unknown category {c:?}; categories are words like returns or order_status."
                )))
            }
        })
        .transpose()?;
    let priority = set(&params.priority)
        .map(|p| {
            p.parse::<Priority>().map_err(|_| {
                ServiceError::Invalid(format!(
                    "Unknown priority {p:?}; use low, medium, high or urgent."
                ))
            })
        })
        .transpose()?;
    let rating = set(&params.rating)
        .map(|r| {
            r.parse::<RatingBand>().map_err(|_| {
                ServiceError::Invalid(format!(
                    "Unknown rating {r:?}; use low, middle, high or unrated."
                ))
            })
        })
        .transpose()?;
    let from = set(&params.from).map(|d| day(d, "from")).transpose()?;
    let to = set(&params.to).map(|d| day(d, "to")).transpose()?;
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        return Err(ServiceError::invalid("The from date is after the to date."));
    }
    let page = match set(&params.page) {
        None => 1,
        Some(p) => p
            .parse::<u32>()
            .ok()
            .filter(|p| (1..=100_000).contains(p))
            .ok_or_else(|| {
                ServiceError::Invalid(format!("Page {p:?} is not a page number from 1."))
            })?,
    };
    Ok((
        page,
        ConversationSearch {
            view,
            visitor: who.sandbox.map(str::to_owned),
            text: text.to_owned(),
            status,
            holder,
            category,
            priority,
            rating,
            from: from.map(start_of),
            to: to.and_then(|d| d.succ_opt()).map(start_of),
            offset: i64::from(page - 1) * i64::from(PER_PAGE),
            limit: i64::from(PER_PAGE),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> ConversationSearchParams {
        let mut p = ConversationSearchParams::default();
        for (key, value) in pairs {
            let slot = match *key {
                "view" => &mut p.view,
                "q" => &mut p.q,
                "status" => &mut p.status,
                "assignee" => &mut p.assignee,
                "category" => &mut p.category,
                "priority" => &mut p.priority,
                "rating" => &mut p.rating,
                "from" => &mut p.from,
                "to" => &mut p.to,
                "page" => &mut p.page,
                other => panic!("no parameter {other}"),
            };
            *slot = Some((*value).to_owned());
        }
        p
    }

    const ME: Searcher<'static> = Searcher {
        staff_id: 7,
        sandbox: None,
    };

    #[test]
    fn every_part_is_read_and_the_to_day_is_included() {
        let (page, search) = parse(
            &params(&[
                ("view", "mine"),
                ("q", "refund monitor"),
                ("status", "closed"),
                ("assignee", "me"),
                ("category", "returns"),
                ("priority", "high"),
                ("rating", "low"),
                ("from", "2026-11-01"),
                ("to", "2026-11-30"),
                ("page", "3"),
            ]),
            &ME,
        )
        .expect("valid");
        assert_eq!(page, 3);
        assert_eq!(search.view, ConversationView::Mine(7));
        assert_eq!(search.holder, Some(Holder::Staff(7)));
        assert_eq!(search.offset, 100);
        assert_eq!(
            search.to.map(|t| t.to_rfc3339()),
            Some("2026-12-01T00:00:00+00:00".to_owned())
        );
        assert_eq!(search.rating, Some(RatingBand::Low));
    }

    #[test]
    fn each_unreadable_part_gets_its_own_sentence() {
        for (key, value, says) in [
            ("view", "everything", "Unknown view"),
            ("status", "lost", "Unknown status"),
            ("assignee", "bob", "Unknown assignee"),
            ("category", "DROP TABLE", "Unknown category"),
            ("priority", "asap", "Unknown priority"),
            ("rating", "5", "Unknown rating"),
            ("from", "yesterday", "not a date"),
            ("page", "0", "not a page number"),
        ] {
            let err = parse(&params(&[(key, value)]), &ME).expect_err(key);
            assert!(err.to_string().contains(says), "{key}: {err}");
        }
        let err = parse(
            &params(&[("from", "2026-12-02"), ("to", "2026-12-01")]),
            &ME,
        )
        .expect_err("from after to");
        assert!(err.to_string().contains("after"));
        let long = "a".repeat(201);
        assert!(parse(&params(&[("q", &long)]), &ME).is_err());
    }

    #[test]
    fn a_demo_account_searches_its_own_browsers_conversations_only() {
        let demo = Searcher {
            staff_id: 9,
            sandbox: Some("0123"),
        };
        let (_, search) = parse(&ConversationSearchParams::default(), &demo).expect("valid");
        assert_eq!(search.visitor.as_deref(), Some("0123"));
    }
}
