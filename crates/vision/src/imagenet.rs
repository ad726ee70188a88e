//! The 1000 ImageNet-1k labels, and the groups of them that mean "bird" and "plane": the
//! backbone's own opinion, shown beside the trained head's answer as an explanation.

const LABELS: &str = include_str!("imagenet_classes.txt");

pub fn labels() -> Vec<&'static str> {
    LABELS.lines().collect()
}

/// ImageNet's bird species: 7-24 (cock .. great grey owl), 80-100 (black grouse .. black swan),
/// 127-146 (white stork .. albatross).
pub fn is_bird(class: usize) -> bool {
    matches!(class, 7..=24 | 80..=100 | 127..=146)
}

/// Aircraft: airliner, warplane, wing (ImageNet's photos of planes seen from the cabin) and
/// airship; the space shuttle stays out.
pub fn is_plane(class: usize) -> bool {
    matches!(class, 404 | 405 | 895 | 908)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thousand_labels_with_the_groups_where_expected() {
        let labels = labels();
        assert_eq!(labels.len(), 1000);
        assert_eq!(labels[7], "cock");
        assert_eq!(labels[24], "great grey owl");
        assert_eq!(labels[100], "black swan");
        assert_eq!(labels[146], "albatross");
        assert_eq!(labels[404], "airliner");
        assert_eq!(labels[895], "warplane");
        assert_eq!((0..1000).filter(|&c| is_bird(c)).count(), 59);
        assert!(!is_bird(25) && !is_bird(101) && !is_plane(812));
    }
}
