//! Markdown written by a model or a document, turned into HTML that is safe to insert into a
//! page: rendered with pulldown-cmark, then cleaned by ammonia (no scripts, no event handlers,
//! no `javascript:` or `data:` links, no images: a chat message must not make the reader's
//! browser fetch anything; links open safely in a new tab).

use pulldown_cmark::{Options, Parser, html};

pub fn to_safe_html(markdown: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        .rm_tags(["img"])
        .link_rel(Some("noopener noreferrer nofollow"))
        .set_tag_attribute_value("a", "target", "_blank")
        .clean(&raw)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::to_safe_html;

    #[test]
    fn renders_common_markdown() {
        let html = to_safe_html("**Ahoy** matey!\n\n- one\n- two\n\n`code`");
        assert!(html.contains("<strong>Ahoy</strong>"));
        assert!(html.contains("<li>one</li>"));
        assert!(html.contains("<code>code</code>"));
    }

    #[test]
    fn strips_scripts_handlers_and_javascript_links() {
        let html = to_safe_html(
            "<script>alert(1)</script><img src=x onerror=alert(2)> <a href=\"https://example.com\">ok</a>\n\n\
             [click](javascript:alert(3)) and <a href=\"javascript:alert(4)\">this</a>",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("<img"), "no image is fetched: {html}");
        assert!(!html.contains("href=\"javascript"), "{html}");
        assert!(html.contains(">click<"), "the link text stays: {html}");
        let data = to_safe_html(
            "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) <svg onload=alert(5)><circle/></svg>",
        );
        assert!(!data.contains("data:"), "{data}");
        assert!(!data.contains("<svg") && !data.contains("onload"), "{data}");
        assert!(
            html.contains("rel=\"noopener noreferrer nofollow\""),
            "{html}"
        );
    }
}
