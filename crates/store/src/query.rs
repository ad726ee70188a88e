//! Builds the Data Views SQL from a validated [`ViewQuery`]. Column names never come from the
//! URL: sort keys and filter keys are looked up in fixed tables here, and every value is bound.

use domain::view::{SortDir, ViewQuery};

/// A value bound to a `$N` placeholder.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Bind {
    Text(String),
    Int(i64),
    Time(chrono::DateTime<chrono::Utc>),
}

/// How one Data Views table maps onto SQL.
pub(crate) struct TableSql {
    /// `SELECT ... FROM ...` with joins, no WHERE.
    pub select: &'static str,
    /// `FROM ...` part reused for counting.
    pub from: &'static str,
    /// Appended after WHERE when rows are aggregated.
    pub group_by: Option<&'static str>,
    /// Text expressions the search box matches (case-insensitively, as substrings).
    pub search: &'static [&'static str],
    /// Sort key from the URL -> SQL expression.
    pub sort: &'static [(&'static str, &'static str)],
    /// Filter key from the URL -> SQL column compared for equality.
    pub filters: &'static [(&'static str, &'static str)],
    /// Appended to every ORDER BY so pages never overlap.
    pub tiebreak: &'static str,
}

/// The longest export, so one request cannot stream an unbounded table.
pub(crate) const EXPORT_LIMIT: i64 = 10_000;

pub(crate) enum Rows {
    Page,
    Export,
}

pub(crate) struct Built {
    pub sql: String,
    pub binds: Vec<Bind>,
}

fn where_clause(spec: &TableSql, view: &ViewQuery, binds: &mut Vec<Bind>) -> String {
    let mut conditions: Vec<String> = Vec::new();
    if !view.search.is_empty() && !spec.search.is_empty() {
        binds.push(Bind::Text(like_pattern(&view.search)));
        let n = binds.len();
        let ors: Vec<String> = spec
            .search
            .iter()
            .map(|expr| format!("LOWER({expr}) LIKE ${n} ESCAPE '\\'"))
            .collect();
        conditions.push(format!("({})", ors.join(" OR ")));
    }
    for (key, value) in &view.filters {
        if let Some((_, column)) = spec.filters.iter().find(|(k, _)| k == key) {
            binds.push(Bind::Text(value.clone()));
            conditions.push(format!("{column} = ${}", binds.len()));
        }
    }
    if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    }
}

pub(crate) fn rows_query(spec: &TableSql, view: &ViewQuery, rows: Rows) -> Built {
    let mut binds = Vec::new();
    let mut sql = String::from(spec.select);
    sql.push_str(&where_clause(spec, view, &mut binds));
    if let Some(group_by) = spec.group_by {
        sql.push_str(" GROUP BY ");
        sql.push_str(group_by);
    }
    let sort_expr = spec
        .sort
        .iter()
        .find(|(k, _)| *k == view.sort)
        .or_else(|| spec.sort.first())
        .map(|(_, expr)| *expr)
        .unwrap_or(spec.tiebreak);
    let dir = match view.dir {
        SortDir::Asc => "ASC",
        SortDir::Desc => "DESC",
    };
    sql.push_str(&format!(
        " ORDER BY {sort_expr} {dir}, {} {dir}",
        spec.tiebreak
    ));
    match rows {
        Rows::Page => {
            binds.push(Bind::Int(i64::from(view.page_size)));
            binds.push(Bind::Int(i64::try_from(view.offset()).unwrap_or(i64::MAX)));
            sql.push_str(&format!(
                " LIMIT ${} OFFSET ${}",
                binds.len() - 1,
                binds.len()
            ));
        }
        Rows::Export => {
            binds.push(Bind::Int(EXPORT_LIMIT));
            sql.push_str(&format!(" LIMIT ${}", binds.len()));
        }
    }
    Built { sql, binds }
}

pub(crate) fn count_query(spec: &TableSql, view: &ViewQuery) -> Built {
    let mut binds = Vec::new();
    let sql = format!(
        "SELECT COUNT(*) {}{}",
        spec.from,
        where_clause(spec, view, &mut binds)
    );
    Built { sql, binds }
}

/// `%text%`, lower-cased, with LIKE's wildcards escaped so a search for `50%` means 50%.
fn like_pattern(search: &str) -> String {
    let mut out = String::from("%");
    for ch in search.to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::view::Tab;

    const SPEC: TableSql = TableSql {
        select: "SELECT a, b FROM t",
        from: "FROM t",
        group_by: None,
        search: &["a", "b"],
        sort: &[("id", "t.id"), ("name", "t.a")],
        filters: &[("status", "t.status")],
        tiebreak: "t.id",
    };

    #[test]
    fn escapes_like_wildcards() {
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
        assert_eq!(like_pattern("MiXeD"), "%mixed%");
    }

    #[test]
    fn builds_search_filter_sort_and_page_with_bound_values() {
        let view = ViewQuery {
            search: "Cam".into(),
            sort: "name".into(),
            dir: SortDir::Desc,
            filters: vec![("status".into(), "open".into())],
            page: 3,
            page_size: 25,
            ..ViewQuery::for_tab(Tab::Tickets)
        };
        let built = rows_query(&SPEC, &view, Rows::Page);
        assert_eq!(
            built.sql,
            "SELECT a, b FROM t WHERE (LOWER(a) LIKE $1 ESCAPE '\\' OR LOWER(b) LIKE $1 ESCAPE '\\') \
             AND t.status = $2 ORDER BY t.a DESC, t.id DESC LIMIT $3 OFFSET $4"
        );
        assert_eq!(
            built.binds,
            vec![
                Bind::Text("%cam%".into()),
                Bind::Text("open".into()),
                Bind::Int(25),
                Bind::Int(50)
            ]
        );
        let count = count_query(&SPEC, &view);
        assert!(count.sql.starts_with("SELECT COUNT(*) FROM t WHERE"));
        assert_eq!(count.binds.len(), 2);
    }

    #[test]
    fn unknown_sort_or_filter_never_reaches_sql() {
        let view = ViewQuery {
            sort: "1; DROP TABLE t".into(),
            filters: vec![("owner".into(), "x".into())],
            ..ViewQuery::for_tab(Tab::Products)
        };
        let built = rows_query(&SPEC, &view, Rows::Export);
        assert_eq!(
            built.sql,
            "SELECT a, b FROM t ORDER BY t.id ASC, t.id ASC LIMIT $1"
        );
    }
}
