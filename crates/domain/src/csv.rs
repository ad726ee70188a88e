//! RFC 4180 CSV for the Data Views export.

/// A row type that can be written as CSV.
pub trait CsvRecord {
    const HEADERS: &'static [&'static str];
    fn cells(&self) -> Vec<String>;
}

/// Writes the header line and one line per record, CRLF-terminated as RFC 4180 says.
pub fn to_csv<T: CsvRecord>(records: &[T]) -> String {
    let mut out = String::new();
    push_line(&mut out, T::HEADERS.iter().map(|h| (*h).to_owned()));
    for record in records {
        push_line(&mut out, record.cells().into_iter());
    }
    out
}

/// Writes a table given as its header and its rows of cells (for tables with no record type).
pub fn table_to_csv(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    push_line(&mut out, headers.iter().map(|h| (*h).to_owned()));
    for row in rows {
        push_line(&mut out, row.iter().cloned());
    }
    out
}

fn push_line(out: &mut String, cells: impl Iterator<Item = String>) {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&escape_cell(&cell));
    }
    out.push_str("\r\n");
}

/// Quotes a cell when it needs it, and defuses spreadsheet formulas: a text cell that starts with
/// `=`, `+`, `@` or a `-` not followed by a digit gets a leading apostrophe, so opening the export
/// in a spreadsheet never runs customer-supplied text as a formula.
pub fn escape_cell(cell: &str) -> String {
    let mut bytes = cell.chars();
    let first = bytes.next();
    let second = bytes.next();
    let formula_like = match first {
        Some('=' | '+' | '@' | '\t' | '\r') => true,
        Some('-') => !second.is_some_and(|c| c.is_ascii_digit() || c == '.'),
        _ => false,
    };
    let value = if formula_like {
        format!("'{cell}")
    } else {
        cell.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Row(&'static str, i64);
    impl CsvRecord for Row {
        const HEADERS: &'static [&'static str] = &["name", "n"];
        fn cells(&self) -> Vec<String> {
            vec![self.0.to_owned(), self.1.to_string()]
        }
    }

    #[test]
    fn writes_header_and_rows_with_crlf() {
        let csv = to_csv(&[Row("plain", 1), Row("a, b", -2)]);
        assert_eq!(csv, "name,n\r\nplain,1\r\n\"a, b\",-2\r\n");
    }

    #[test]
    fn quotes_embedded_quotes_and_newlines() {
        assert_eq!(escape_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(escape_cell("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn defuses_formulas_but_keeps_negative_numbers() {
        assert_eq!(
            escape_cell("=HYPERLINK(\"x\")"),
            "\"'=HYPERLINK(\"\"x\"\")\""
        );
        assert_eq!(escape_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(escape_cell("-cmd"), "'-cmd");
        assert_eq!(escape_cell("-12.50"), "-12.50");
        assert_eq!(escape_cell(""), "");
    }
}
