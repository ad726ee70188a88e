//! The demos this portfolio shows: what each one is, where it lives, and what it will run on.

use crate::components::icon::Icon;

pub struct Demo {
    pub slug: &'static str,
    pub path: &'static str,
    pub title: &'static str,
    pub icon: Icon,
    pub summary: &'static str,
    /// What the page offers, in short.
    pub features: &'static [&'static str],
    /// The embedded default and the cloud option, in words.
    pub runs_on: &'static str,
}

pub const DEMOS: &[Demo] = &[
    Demo {
        slug: "support",
        path: "/support",
        title: "Customer Support",
        icon: Icon::Headset,
        summary: "An agent for an electronics store that looks up products, orders, shipping and returns with \
                  real tools, cites the knowledge base, and hands hard cases to a human.",
        features: &[
            "15+ tools over the store database, each call shown with its arguments and result",
            "Answers grounded in a Qdrant knowledge base (retrieval-augmented generation)",
            "Tool calls shown live as they run; LLM replies stream token by token; conversations remembered",
            "Every message classified by category, priority and sentiment; escalation to a human agent",
            "Identity checks in the tool layer: an order needs its email",
            "Ask by voice (Whisper base in the server) and hear the answers read aloud",
        ],
        runs_on: "An offline planner with MiniLM embeddings and embedded Qdrant Edge by default; an OpenAI-compatible function-calling model and a Qdrant server when configured",
    },
    Demo {
        slug: "pirate",
        path: "/pirate",
        title: "Pirate Chatbot",
        icon: Icon::Flag,
        summary: "A streaming persona chat with an editable system prompt: ask anything, get it answered like a pirate.",
        features: &[
            "Token-by-token streaming with a Stop button that really stops generation",
            "Editable system prompt and a reset to the default persona",
            "Sanitized markdown rendering and a copy button on each answer",
            "Talk to the pirate and hear it answer in a voice of its own",
        ],
        runs_on: "Embedded SmolLM2-135M by default; any OpenAI-compatible server when configured",
    },
    Demo {
        slug: "gpt",
        path: "/gpt",
        title: "Custom GPT",
        icon: Icon::Chip,
        summary: "A character-level GPT trained by this project on Shakespeare and Milton, generating text with a seed, \
                  temperature and length you choose.",
        features: &[
            "Models trained in Rust with candle, weights shipped in the repository",
            "Seeded sampling: the same seed and settings give the same text",
            "Characters stream in as they are generated, with characters per second",
            "Also a REST service with the original's contract",
        ],
        runs_on: "Embedded (candle, CPU) by default; a remote GPT service when GPT_API_URL is set",
    },
    Demo {
        slug: "classifier",
        path: "/classifier",
        title: "Image Classifier",
        icon: Icon::Eye,
        summary: "Is it a bird? Is it a plane? Upload a photo and an EfficientNet backbone decides: bird, plane, \
                  superman or other.",
        features: &[
            "Drag and drop, paste or pick an image; probability bars per class",
            "A confidence threshold below which the answer is \"other\"",
            "Teach a new class from a few examples in seconds",
        ],
        runs_on: "Embedded EfficientNet-Lite0 (candle, CPU); no key needed",
    },
    Demo {
        slug: "text-to-image",
        path: "/text-to-image",
        title: "Text-to-Image",
        icon: Icon::Picture,
        summary: "Describe an image and Stable Diffusion 3 paints it; results are cached and kept in a gallery to download.",
        features: &[
            "Stability AI SD3, OpenAI Images or a local OpenAI-compatible image server",
            "Prompt, negative prompt, aspect ratio, seed and format",
            "A persistent gallery with download and delete; repeated requests served from the cache",
        ],
        runs_on: "Needs a provider (STABILITY_KEY, OPENAI_API_KEY or OPENAI_IMAGE_BASE_URL): no registry carries diffusion weights",
    },
    Demo {
        slug: "data",
        path: "/data",
        title: "Data Views",
        icon: Icon::BarChart,
        summary: "Live tables of the store behind the support agent: products, orders, shipping rates, tickets, \
                  returns and the knowledge base.",
        features: &[],
        runs_on: "SQLite by default; PostgreSQL (e.g. Supabase) when DATABASE_URL points at one",
    },
];

pub fn demo(slug: &str) -> Option<&'static Demo> {
    DEMOS.iter().find(|d| d.slug == slug)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_has_a_unique_slug_and_path() {
        let mut slugs: Vec<&str> = DEMOS.iter().map(|d| d.slug).collect();
        slugs.sort_unstable();
        slugs.dedup();
        assert_eq!(slugs.len(), DEMOS.len());
        for d in DEMOS {
            assert!(d.path.starts_with('/'));
            assert_eq!(demo(d.slug).map(|x| x.path), Some(d.path));
        }
    }
}
