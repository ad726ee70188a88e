//! Word error rate: (substitutions + deletions + insertions) / reference words, after the same
//! normalisation on both sides, in the spirit of Whisper's English normaliser: lower case,
//! punctuation dropped, written forms said as spoken ("$300" is "300 dollars", an email's "@" and
//! "." are "at" and "dot") and spelled-out numbers as digits ("three hundred" is "300"), so that
//! "Order #10428." and "order ten thousand four hundred twenty eight" count as the same words.

fn small_number(word: &str) -> Option<u64> {
    const UNITS: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const TENS: [&str; 8] = [
        "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    UNITS
        .iter()
        .position(|u| *u == word)
        .map(|i| i as u64)
        .or_else(|| {
            TENS.iter()
                .position(|t| *t == word)
                .map(|i| 20 + 10 * i as u64)
        })
}

/// Runs of number words ("three hundred and five") become one number ("305").
fn numbers_as_digits(words: Vec<String>) -> Vec<String> {
    let mut out = Vec::new();
    let (mut total, mut current, mut in_number) = (0u64, 0u64, false);
    let flush =
        |out: &mut Vec<String>, total: &mut u64, current: &mut u64, in_number: &mut bool| {
            if *in_number {
                out.push((*total + *current).to_string());
            }
            (*total, *current, *in_number) = (0, 0, false);
        };
    for word in words {
        if let Some(n) = small_number(&word) {
            current += n;
            in_number = true;
        } else if word == "hundred" && in_number {
            current *= 100;
        } else if (word == "thousand" || word == "million") && in_number {
            total += current * if word == "thousand" { 1_000 } else { 1_000_000 };
            current = 0;
        } else if word == "and" && in_number {
            continue;
        } else {
            flush(&mut out, &mut total, &mut current, &mut in_number);
            out.push(word);
        }
    }
    flush(&mut out, &mut total, &mut current, &mut in_number);
    out
}

/// British spellings as American ones (Whisper writes either; a word is not wrong for it).
const SPELLINGS: [(&str, &str); 8] = [
    ("cancelling", "canceling"),
    ("cancelled", "canceled"),
    ("colour", "color"),
    ("colours", "colors"),
    ("favourite", "favorite"),
    ("centre", "center"),
    ("travelling", "traveling"),
    ("organise", "organize"),
];

/// Lower-cased words, written forms spoken, punctuation removed, numbers as digits.
pub fn normalise(text: &str) -> Vec<String> {
    let mut spoken = String::new();
    let chars: Vec<char> = text.to_lowercase().chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let between_letters = i > 0
            && chars[i - 1].is_alphanumeric()
            && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
        match c {
            '@' => spoken.push_str(" at "),
            '.' if between_letters && !(chars[i - 1].is_ascii_digit()) => spoken.push_str(" dot "),
            // "941-03" is one number; "Wi-Fi" two words.
            '-' if i > 0
                && chars[i - 1].is_ascii_digit()
                && chars.get(i + 1).is_some_and(char::is_ascii_digit) => {}
            '-' | '/' => spoken.push(' '),
            _ => spoken.push(*c),
        }
    }
    let mut words = Vec::new();
    for raw in spoken.split_whitespace() {
        let dollars = raw.starts_with('$');
        let word: String = raw
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '\'')
            .collect();
        let word = word.trim_matches('\'').to_string();
        if word.is_empty() {
            continue;
        }
        let word = SPELLINGS
            .iter()
            .find(|(gb, _)| *gb == word)
            .map_or(word.clone(), |(_, us)| us.to_string());
        words.push(word);
        if dollars {
            words.push("dollars".into());
        }
    }
    numbers_as_digits(words)
}

/// Edit distance in words between a reference and a hypothesis, and the reference's length.
pub fn errors(reference: &str, hypothesis: &str) -> (usize, usize) {
    let r = normalise(reference);
    let h = normalise(hypothesis);
    let mut previous: Vec<usize> = (0..=h.len()).collect();
    for (i, rw) in r.iter().enumerate() {
        let mut current = vec![i + 1; h.len() + 1];
        for (j, hw) in h.iter().enumerate() {
            let substitution = previous[j] + usize::from(rw != hw);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    (previous[h.len()], r.len())
}

/// Word error rate of one pair.
pub fn wer(reference: &str, hypothesis: &str) -> f64 {
    let (e, n) = errors(reference, hypothesis);
    if n == 0 {
        if e == 0 { 0.0 } else { 1.0 }
    } else {
        e as f64 / n as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_substitutions_deletions_and_insertions() {
        assert_eq!(wer("Where is order #10428?", "where is order 10428"), 0.0);
        assert_eq!(errors("the cat sat", "the cat sat down"), (1, 3));
        assert_eq!(errors("the cat sat", "the sat"), (1, 3));
        assert_eq!(errors("the cat sat", "a cat sat"), (1, 3));
        assert_eq!(errors("the cat sat", ""), (3, 3));
        assert_eq!(
            normalise("Wi-Fi, ZIP 94107/Oak"),
            vec!["wi", "fi", "zip", "94107", "oak"]
        );
        assert_eq!(wer("under three hundred dollars", "under $300?"), 0.0);
        assert_eq!(
            wer(
                "ethan dot brooks at example dot com",
                "Ethan.Brooks@example.com"
            ),
            0.0
        );
        assert_eq!(
            normalise("one thousand and fifteen, 2.5"),
            vec!["1015", "25"]
        );
        assert_eq!(normalise("twenty one pilots"), vec!["21", "pilots"]);
        assert_eq!(normalise("zip 941-03"), vec!["zip", "94103"]);
    }
}
