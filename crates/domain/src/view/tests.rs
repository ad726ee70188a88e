//! The view state's parsing, canonical URLs and paging.

use super::*;

#[test]
fn empty_query_is_the_products_default() {
    let v = ViewQuery::from_pairs([]);
    assert_eq!(v, ViewQuery::for_tab(Tab::Products));
    assert_eq!(v.to_query_string(), "?tab=products");
}

#[test]
fn round_trips_through_the_url() {
    let v = ViewQuery::from_pairs([
        ("tab", "tickets"),
        ("q", "  wifi & bluetooth "),
        ("sort", "priority"),
        ("dir", "desc"),
        ("status", "open"),
        ("priority", "high"),
        ("page", "3"),
        ("size", "25"),
    ]);
    assert_eq!(v.search, "wifi & bluetooth");
    // Filters come back in the tab's order, whatever order the URL had.
    assert_eq!(
        v.filters,
        vec![
            ("priority".into(), "high".into()),
            ("status".into(), "open".into())
        ]
    );
    let qs = v.to_query_string();
    assert_eq!(
        qs,
        "?tab=tickets&q=wifi%20%26%20bluetooth&sort=priority&dir=desc&priority=high&status=open&page=3&size=25"
    );
    let pairs: Vec<(String, String)> = qs[1..]
        .split('&')
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_owned(), v.replace("%20", " ").replace("%26", "&"))
        })
        .collect();
    let again = ViewQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    assert_eq!(again, v);
}

#[test]
fn rejects_unknown_values_from_the_url() {
    let v = ViewQuery::from_pairs([
        ("tab", "orders"),
        ("sort", "password; DROP TABLE orders"),
        ("status", "lost"),
        ("category", "camera"),
        ("page", "-4"),
        ("size", "1000000"),
        ("dir", "sideways"),
    ]);
    assert_eq!(v, ViewQuery::for_tab(Tab::Orders));
    assert_eq!(ViewQuery::from_pairs([("tab", "nope")]).tab, Tab::Products);
    assert_eq!(ViewQuery::from_pairs([("page", "0")]).page, 1);
}

#[test]
fn long_search_text_is_cut() {
    let long = "x".repeat(500);
    assert_eq!(
        ViewQuery::from_pairs([("q", long.as_str())]).search.len(),
        MAX_SEARCH_CHARS
    );
}

#[test]
fn sorting_toggles_and_resets_the_page() {
    let v = ViewQuery::for_tab(Tab::Products).with_page(4);
    let by_price = v.with_sort("price");
    assert_eq!(
        (by_price.sort.as_str(), by_price.dir, by_price.page),
        ("price", SortDir::Desc, 1)
    );
    assert_eq!(by_price.with_sort("price").dir, SortDir::Asc);
    assert_eq!(v.with_sort("name").dir, SortDir::Asc);
    assert_eq!(v.with_page_size(50).page, 1);
}

#[test]
fn filters_are_validated_and_kept_in_tab_order() {
    let v = ViewQuery::for_tab(Tab::Tickets).with_page(5);
    let v = v
        .with_filter("status", Some("open"))
        .with_filter("priority", Some("high"));
    assert_eq!(
        v.filters,
        vec![
            ("priority".into(), "high".into()),
            ("status".into(), "open".into())
        ]
    );
    assert_eq!(v.page, 1);
    assert_eq!(v.with_filter("status", None).filters.len(), 1);
    assert_eq!(v.with_filter("status", Some("bogus")).filters.len(), 1);
    assert_eq!(
        v.with_filter("colour", Some("red")),
        v.with_filter("colour", None)
    );
    assert!(v.with_search("  x ").cleared().filters.is_empty());
    assert_eq!(v.with_search("  cam  ").search, "cam");
}

#[test]
fn every_tab_default_sort_is_one_of_its_columns() {
    for tab in Tab::ALL {
        if tab == Tab::KnowledgeBase {
            continue;
        }
        assert!(
            tab.columns().iter().any(|c| c.key == tab.default_sort().0),
            "{tab:?}"
        );
        assert_eq!(Tab::from_slug(tab.slug()), Some(tab));
    }
}

#[test]
fn pager_arithmetic() {
    let page = Page {
        rows: vec![1, 2, 3],
        total: 23,
        page: 3,
        page_size: 10,
    };
    assert_eq!(page.page_count(), 3);
    assert_eq!(page.shown_range(), Some((21, 23)));
    let empty: Page<i32> = Page {
        rows: vec![],
        total: 0,
        page: 1,
        page_size: 10,
    };
    assert_eq!(empty.page_count(), 1);
    assert_eq!(empty.shown_range(), None);
    assert_eq!(ViewQuery::for_tab(Tab::Orders).with_page(3).offset(), 20);
}
