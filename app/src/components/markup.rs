//! Read-only markup written as one string, for the large fragments that never change once drawn
//! (a table's rows, a chart's bars).
//!
//! Why: an element given `inner_html` keeps its server-rendered children when the page hydrates,
//! where a `view!` visits every row and cell (a few calls into the DOM each) and keeps a handle on
//! each. On /data that walk was most of the page's hydration. The string is also far less code in
//! the browser build than one typed view per table.
//!
//! Tag and attribute names are `&'static str`, so they only ever come from this code; every text
//! and attribute value is escaped.

/// HTML under construction.
#[derive(Default)]
pub struct Markup(String);

impl Markup {
    pub fn new() -> Self {
        Self::default()
    }

    /// `<tag a="v" …>`.
    pub fn open(&mut self, tag: &'static str, attrs: &[(&'static str, &str)]) -> &mut Self {
        self.0.push('<');
        self.0.push_str(tag);
        for (name, value) in attrs {
            self.0.push(' ');
            self.0.push_str(name);
            self.0.push_str("=\"");
            escape_into(&mut self.0, value);
            self.0.push('"');
        }
        self.0.push('>');
        self
    }

    /// `</tag>`.
    pub fn close(&mut self, tag: &'static str) -> &mut Self {
        self.0.push_str("</");
        self.0.push_str(tag);
        self.0.push('>');
        self
    }

    /// Escaped text.
    pub fn text(&mut self, text: &str) -> &mut Self {
        escape_into(&mut self.0, text);
        self
    }

    /// `<tag class="…">text</tag>`, the most common shape.
    pub fn el(&mut self, tag: &'static str, class: &str, text: &str) -> &mut Self {
        if class.is_empty() {
            self.open(tag, &[]);
        } else {
            self.open(tag, &[("class", class)]);
        }
        self.text(text).close(tag)
    }

    /// An element with no closing tag (`<rect …/>` in SVG).
    pub fn void(&mut self, tag: &'static str, attrs: &[(&'static str, &str)]) -> &mut Self {
        self.open(tag, attrs);
        // Turn the `>` just written into `/>`.
        self.0.pop();
        self.0.push_str("/>");
        self
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

fn escape_into(buf: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => buf.push_str("&amp;"),
            '<' => buf.push_str("&lt;"),
            '>' => buf.push_str("&gt;"),
            '"' => buf.push_str("&quot;"),
            '\'' => buf.push_str("&#39;"),
            c => buf.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Markup;

    #[test]
    fn text_and_attribute_values_are_escaped() {
        let mut m = Markup::new();
        m.open("td", &[("title", "a\"><script>x</script>")])
            .text("<b>Tom & 'Jerry'</b>")
            .close("td");
        assert_eq!(
            m.into_string(),
            "<td title=\"a&quot;&gt;&lt;script&gt;x&lt;/script&gt;\">&lt;b&gt;Tom &amp; &#39;Jerry&#39;&lt;/b&gt;</td>"
        );
    }

    #[test]
    fn shapes() {
        let mut m = Markup::new();
        m.el("span", "", "plain")
            .el("div", "font-medium", "named")
            .void("rect", &[("x", "1"), ("width", "2")]);
        assert_eq!(
            m.into_string(),
            "<span>plain</span><div class=\"font-medium\">named</div><rect x=\"1\" width=\"2\"/>"
        );
    }
}
