//! Which language a customer writes in (`whatlang`: trigram statistics, no model files). The
//! offline planner understands English only; a message read confidently as another language is
//! answered with a sentence that says so and offers a person, and the desk shows the language.
//!
//! Short and mixed messages are common in support ("order 1013 pls", "ok thx"), and a wrong
//! guess would turn away an English speaker, so a message counts as another language only when
//! the detector is sure (among the languages customers write, at a confidence of 0.5), it has
//! at least four words, and it holds none of the English function words every English request
//! uses; a message in another script (Cyrillic, Han, Arabic…) is never English.

/// English words that make a message English enough to answer (function words and this store's
/// most common nouns).
const ENGLISH_MARKERS: &[&str] = &[
    "the", "my", "is", "to", "and", "you", "of", "for", "a", "an", "i", "i'm", "it", "in", "on",
    "can", "do", "does", "what", "where", "when", "how", "why", "please", "order", "return",
    "refund", "shipping", "hi", "hello", "thanks", "with", "me", "your", "this", "that", "are",
    "was", "have", "want", "need", "not", "no", "yes",
];

/// The languages told apart (the store's customers write these; a short message compared with
/// all of whatlang's languages is too often read as a rare one).
const LANGUAGES: &[whatlang::Lang] = &[
    whatlang::Lang::Eng,
    whatlang::Lang::Fra,
    whatlang::Lang::Spa,
    whatlang::Lang::Deu,
    whatlang::Lang::Ita,
    whatlang::Lang::Por,
    whatlang::Lang::Nld,
    whatlang::Lang::Pol,
    whatlang::Lang::Tur,
    whatlang::Lang::Rus,
    whatlang::Lang::Ukr,
    whatlang::Lang::Cmn,
    whatlang::Lang::Jpn,
    whatlang::Lang::Kor,
    whatlang::Lang::Ara,
    whatlang::Lang::Hin,
];

/// How sure the detector must be of a message in the Latin script.
const MIN_CONFIDENCE: f64 = 0.5;

/// Fewer Latin words than this are too few to tell a language by.
pub const MIN_WORDS: usize = 4;

/// The language of `text` when it is confidently not English: its English name.
pub fn foreign_language(text: &str) -> Option<&'static str> {
    let detector = whatlang::Detector::with_allowlist(LANGUAGES.to_vec());
    let script = whatlang::detect_script(text)?;
    if script != whatlang::Script::Latin {
        // Another script is not English whatever the statistics say; the language named is the
        // detector's best guess.
        let letters = text
            .chars()
            .filter(|c| c.is_alphabetic() && !c.is_ascii())
            .count();
        if letters < 4 {
            return None;
        }
        return Some(
            detector
                .detect(text)
                .map(|i| i.lang())
                .filter(|l| *l != whatlang::Lang::Eng)
                .map_or("a language other than English", |l| l.eng_name()),
        );
    }
    let words: Vec<String> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    if words
        .iter()
        .filter(|w| w.chars().any(char::is_alphabetic))
        .count()
        < MIN_WORDS
    {
        return None;
    }
    if words.iter().any(|w| ENGLISH_MARKERS.contains(&w.as_str())) {
        return None;
    }
    let info = detector.detect(text)?;
    if info.lang() == whatlang::Lang::Eng || info.confidence() < MIN_CONFIDENCE {
        return None;
    }
    Some(info.lang().eng_name())
}

/// What the offline agent answers to a message in another language.
pub fn not_understood(language: &str) -> String {
    format!(
        "I read your message as {language}, but I can only understand English for now. \
         Please write to me in English, or press **Talk to a human** and a person of our team \
         will help you."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_languages_are_recognised_when_sure() {
        assert_eq!(
            foreign_language("Bonjour, je voudrais savoir où est ma commande, merci beaucoup"),
            Some("French")
        );
        assert_eq!(
            foreign_language("Hola, quiero devolver los auriculares que compré la semana pasada"),
            Some("Spanish")
        );
        assert_eq!(
            foreign_language("Hallo, wo ist meine Bestellung? Ich warte schon seit zwei Wochen"),
            Some("German")
        );
        assert_eq!(
            foreign_language("Где мой заказ? Я жду уже неделю"),
            Some("Russian")
        );
        assert!(foreign_language("我的订单在哪里？我已经等了一个星期").is_some());
    }

    #[test]
    fn english_short_and_mixed_messages_stay_english() {
        for text in [
            "Where is order 1013? My email is lucas.rossi@example.com",
            "order 1013 pls",
            "ok thx",
            "Vista 27 monitor price",
            "cancel 1024 ava.thompson@example.com",
            "Do you have noise cancelling headphones under $300?",
            "Necesito ayuda with my order",
            "Sony WH-1000XM5 stock",
            "Sony headphones battery dies quickly",
            "Laptop screen flickers after update",
            "Keyboard keys sticking badly",
            "Webcam driver install fails",
            "Vista twenty seven monitor broken",
        ] {
            assert_eq!(foreign_language(text), None, "{text}");
        }
    }
}
