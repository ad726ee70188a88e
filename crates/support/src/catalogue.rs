//! Matching the words a customer uses ("the Aurora headphones", "M50", "27 inch monitor") to
//! products in the catalogue. Distinctive words (rare across product names) weigh most.

use domain::records::ProductRecord;
use std::collections::HashMap;

/// A product named in a text, and how sure the match is (0..1).
#[derive(Clone, Debug, PartialEq)]
pub struct ProductMention {
    pub product_id: i64,
    pub name: String,
    pub confidence: f32,
    /// Byte offset of the first matched word (to pair quantities with products).
    pub position: usize,
}

/// A word without its plural "s" ("speakers" and "speaker" are one key).
fn singular(word: String) -> String {
    if word.len() > 3
        && word.ends_with('s')
        && !word.ends_with("ss")
        && !word.chars().any(|c| c.is_ascii_digit())
    {
        word[..word.len() - 1].to_string()
    } else {
        word
    }
}

fn words(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut start = None;
    let lower = text.to_lowercase();
    for (i, c) in lower.char_indices() {
        let part_of_word = c.is_alphanumeric() || c == '"' && start.is_some();
        match (part_of_word, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, lower[s..i].trim_end_matches('"').to_string()));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, lower[s..].trim_end_matches('"').to_string()));
    }
    out
}

/// Words of product names too common in ordinary sentences to name a product on their own
/// ("over $200", "a full refund", "is it true").
const GENERIC: &[&str] = &[
    "the", "and", "with", "pair", "for", "pro", "inch", "in", "of", "a", "over", "ear", "true",
    "full", "frame", "action", "1", "5", "7", "10", "go",
];

pub struct Catalogue {
    products: Vec<ProductRecord>,
    /// word -> (product index, weight)
    keys: HashMap<String, Vec<(usize, f32)>>,
    totals: Vec<f32>,
}

impl Catalogue {
    pub fn new(products: Vec<ProductRecord>) -> Catalogue {
        let mut keys: HashMap<String, Vec<(usize, f32)>> = HashMap::new();
        let mut name_words: Vec<Vec<String>> = Vec::new();
        let mut frequency: HashMap<String, usize> = HashMap::new();
        for p in &products {
            let mut ws: Vec<String> = words(&p.name)
                .into_iter()
                .map(|(_, w)| singular(w))
                .filter(|w| !GENERIC.contains(&w.as_str()))
                .collect();
            ws.extend(p.sku.to_lowercase().split('-').skip(1).map(str::to_string));
            ws.push(p.sku.to_lowercase());
            ws.sort();
            ws.dedup();
            for w in &ws {
                *frequency.entry(w.clone()).or_default() += 1;
            }
            name_words.push(ws);
        }
        let mut totals = Vec::new();
        for (i, ws) in name_words.iter().enumerate() {
            let mut total = 0.0;
            for w in ws {
                let mut weight = 1.0 / frequency.get(w).copied().unwrap_or(1) as f32;
                // A bare number ("27", "75") is a price or a size as often as a model name.
                if w.chars().all(|c| c.is_ascii_digit()) {
                    weight *= 0.5;
                }
                keys.entry(w.clone()).or_default().push((i, weight));
                total += weight;
            }
            totals.push(total);
        }
        Catalogue {
            products,
            keys,
            totals,
        }
    }

    pub fn products(&self) -> &[ProductRecord] {
        &self.products
    }

    pub fn get(&self, id: i64) -> Option<&ProductRecord> {
        self.products.iter().find(|p| p.id == id)
    }

    /// Products named in `text`, best first. A product needs a distinctive word ("Aurora") or
    /// several shared ones ("Vista 32") to count.
    pub fn mentions(&self, text: &str) -> Vec<ProductMention> {
        let mut found: HashMap<usize, (f32, usize)> = HashMap::new();
        for (pos, w) in words(text) {
            let w = if self.keys.contains_key(&w) {
                w
            } else {
                singular(w)
            };
            if let Some(hits) = self.keys.get(&w) {
                for &(i, weight) in hits {
                    let entry = found.entry(i).or_insert((0.0, pos));
                    entry.0 += weight;
                    entry.1 = entry.1.min(pos);
                }
            }
        }
        let mut mentions: Vec<ProductMention> = found
            .into_iter()
            .filter(|(_, (score, _))| *score >= 0.99)
            .map(|(i, (score, position))| ProductMention {
                product_id: self.products[i].id,
                name: self.products[i].name.clone(),
                confidence: (score / self.totals[i].max(1.0)).min(1.0),
                position,
            })
            .collect();
        mentions.sort_by(|a, b| {
            b.confidence
                .total_cmp(&a.confidence)
                .then(a.position.cmp(&b.position))
        });
        // Keep only clear winners: a second product must be nearly as strong as the first.
        if let Some(best) = mentions.first().map(|m| m.confidence) {
            mentions.retain(|m| m.confidence >= best * 0.5);
        }
        mentions
    }

    /// The one product `text` names, if exactly one stands out.
    pub fn resolve(&self, text: &str) -> Option<&ProductRecord> {
        if let Ok(id) = text.trim().trim_start_matches('#').parse::<i64>() {
            return self.get(id);
        }
        let sku = text.trim().to_uppercase();
        if let Some(p) = self.products.iter().find(|p| p.sku == sku) {
            return Some(p);
        }
        let mentions = self.mentions(text);
        match mentions.as_slice() {
            [only] => self.get(only.product_id),
            [first, second, ..] if first.confidence > second.confidence * 1.5 => {
                self.get(first.product_id)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogue() -> Catalogue {
        let products = store::seed::PRODUCTS
            .iter()
            .map(|p| ProductRecord {
                id: p.id,
                sku: p.sku.into(),
                name: p.name.into(),
                category: p.category.into(),
                description: p.description.into(),
                specifications: p.specifications.into(),
                price_cents: p.price,
                stock: p.stock,
                shipping_weight_oz: p.weight_oz,
            })
            .collect();
        Catalogue::new(products)
    }

    #[test]
    fn distinctive_names_resolve() {
        let c = catalogue();
        let id = |t: &str| c.resolve(t).map(|p| p.id);
        assert_eq!(id("the Aurora headphones"), Some(1));
        assert_eq!(id("Studio M50"), Some(3));
        assert_eq!(id("BoomGo"), Some(13));
        assert_eq!(id("Vista 32"), Some(8));
        assert_eq!(id("AC-PWR-140"), Some(20));
        assert_eq!(id("7"), Some(7));
        assert_eq!(id("a laptop"), None);
    }

    #[test]
    fn several_products_in_one_sentence_are_found_in_order() {
        let c = catalogue();
        let m = c.mentions("2 Pulse Pro earbuds and one BoomGo speaker");
        let ids: Vec<i64> = m.iter().map(|m| m.product_id).collect();
        assert!(ids.contains(&2) && ids.contains(&13), "{m:?}");
    }
}
