//! HTML to sections.

use crate::{DocumentKind, Extracted, Sectioner};

/// HTML by a small tag scanner: headings become sections, block tags end lines, script and
/// style are dropped, entities decoded. Malformed markup degrades to its text, never an error.
pub(crate) fn html_sections(html: &str) -> Extracted {
    let mut s = Sectioner::new();
    let mut line = String::new();
    let mut heading: Option<(usize, String)> = None;
    let mut skip_until: Option<String> = None;
    let mut rest = html;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            push_text(&mut line, &mut heading, rest);
            break;
        };
        if skip_until.is_none() {
            push_text(&mut line, &mut heading, &rest[..lt]);
        }
        rest = &rest[lt..];
        if rest.starts_with("<!--") {
            rest = rest
                .find("-->")
                .map(|end| &rest[end + 3..])
                .unwrap_or_default();
            continue;
        }
        let Some(gt) = rest.find('>') else {
            break;
        };
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if let Some(until) = &skip_until {
            if closing && &name == until {
                skip_until = None;
            }
            continue;
        }
        match name.as_str() {
            "script" | "style" | "head" | "noscript" | "template" if !closing => {
                skip_until = Some(name)
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                let level = usize::from(name.as_bytes()[1] - b'0');
                if closing {
                    if let Some((level, text)) = heading.take() {
                        end_line(&mut s, &mut line);
                        s.heading(level, &text);
                    }
                } else {
                    end_line(&mut s, &mut line);
                    heading = Some((level, String::new()));
                }
            }
            "li" if !closing => {
                end_line(&mut s, &mut line);
                line.push_str("- ");
            }
            "br" | "p" | "div" | "section" | "article" | "ul" | "ol" | "li" | "tr" | "table"
            | "pre" | "blockquote" | "header" | "footer" | "main" | "nav" | "dd" | "dt" => {
                end_line(&mut s, &mut line)
            }
            "td" | "th" => line.push(' '),
            _ => {}
        }
    }
    end_line(&mut s, &mut line);
    s.finish(DocumentKind::Html)
}

fn push_text(line: &mut String, heading: &mut Option<(usize, String)>, raw: &str) {
    let text = decode_entities(raw);
    let target = match heading {
        Some((_, h)) => h,
        None => line,
    };
    for (i, word) in text.split_whitespace().enumerate() {
        let glued = i == 0 && !text.starts_with(char::is_whitespace);
        if !target.is_empty() && !target.ends_with([' ', '\n']) && !glued {
            target.push(' ');
        }
        target.push_str(word);
    }
    if text.ends_with(char::is_whitespace) && !target.is_empty() && !target.ends_with(' ') {
        target.push(' ');
    }
}

fn end_line(s: &mut Sectioner, line: &mut String) {
    let text = line.trim();
    if !text.is_empty() {
        s.line(text);
    }
    line.clear();
}

/// Character references (named, decimal, hex) as html-escape decodes them, with a
/// non-breaking space read as a plain one (passages are searched and cut at spaces).
pub(crate) fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    html_escape::decode_html_entities(text).replace('\u{a0}', " ")
}
