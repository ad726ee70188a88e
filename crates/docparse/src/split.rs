//! Cutting text into overlapping pieces for the knowledge base.

/// Splits `text` into pieces of at most `max` characters (plus the overlap carried in): whole
/// paragraphs where they fit, sentences or words where they do not, each piece after the first
/// starting with the tail of the one before it.
pub fn split_text(text: &str, max: usize, overlap: usize) -> Vec<String> {
    // Units that should not be split: paragraphs, or sentences and words of long ones.
    let mut units: Vec<String> = Vec::new();
    for paragraph in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        if paragraph.chars().count() <= max {
            units.push(paragraph.to_string());
            continue;
        }
        for sentence in split_sentences(paragraph) {
            if sentence.chars().count() <= max {
                units.push(sentence);
            } else {
                units.extend(split_words(&sentence, max));
            }
        }
    }
    let mut pieces: Vec<String> = Vec::new();
    let mut current = String::new();
    // Whether `current` holds more than the overlap carried over from the previous piece.
    let mut fresh = false;
    for unit in units {
        let needed = current.chars().count() + unit.chars().count() + 2;
        if !current.is_empty() && needed > max + overlap {
            if fresh {
                let tail = tail_chars(&current, overlap);
                pieces.push(std::mem::take(&mut current));
                current = tail;
            }
            // The carried tail and this unit do not fit together: the unit starts clean.
            if current.chars().count() + unit.chars().count() + 2 > max + overlap {
                current.clear();
            }
        }
        if !current.is_empty() {
            current.push_str("\n\n");
        }
        current.push_str(&unit);
        fresh = true;
    }
    if fresh && !current.trim().is_empty() {
        pieces.push(current);
    }
    pieces
}

fn split_sentences(paragraph: &str) -> Vec<String> {
    let mut sentences = Vec::new();
    let mut current = String::new();
    let mut chars = paragraph.chars().peekable();
    while let Some(c) = chars.next() {
        current.push(c);
        if matches!(c, '.' | '!' | '?') && chars.peek().is_some_and(|n| n.is_whitespace()) {
            sentences.push(current.trim().to_string());
            current.clear();
        }
    }
    if !current.trim().is_empty() {
        sentences.push(current.trim().to_string());
    }
    sentences
}

fn split_words(text: &str, max: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        // A single "word" longer than a passage (a base64 blob, say) is cut by characters.
        let mut word = word.to_string();
        while word.chars().count() > max {
            let head: String = word.chars().take(max).collect();
            word = word.chars().skip(max).collect();
            if !current.is_empty() {
                pieces.push(std::mem::take(&mut current));
            }
            pieces.push(head);
        }
        if current.chars().count() + word.chars().count() + 1 > max && !current.is_empty() {
            pieces.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(&word);
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces
}

/// The last `n` characters of `text`, starting at a word boundary.
fn tail_chars(text: &str, n: usize) -> String {
    if n == 0 {
        return String::new();
    }
    let count = text.chars().count();
    if count <= n {
        return text.to_string();
    }
    let tail: String = text.chars().skip(count - n).collect();
    match tail.find(char::is_whitespace) {
        Some(i) => tail[i..].trim_start().to_string(),
        None => tail,
    }
}
