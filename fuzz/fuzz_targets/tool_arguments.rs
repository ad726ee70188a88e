//! A support tool called with arbitrary arguments, as a model might send them: the first byte
//! picks one of the 15 tools, the rest is its JSON arguments (or, when not JSON, a string). Runs
//! against a real seeded SQLite store. A tool must never panic: every failure is an outcome the
//! model and the customer can read.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use support::tools::ToolName;
use support::{Session, Toolbox};

struct Harness {
    runtime: tokio::runtime::Runtime,
    toolbox: Toolbox,
    _db: store::testing::TestDatabase,
}

static HARNESS: OnceLock<Harness> = OnceLock::new();

fn harness() -> &'static Harness {
    HARNESS.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let db = runtime.block_on(store::testing::TestDatabase::sqlite(chrono::Utc::now()));
        Harness {
            toolbox: Toolbox::new(db.store.clone(), None),
            runtime,
            _db: db,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let tool = ToolName::ALL[selector as usize % ToolName::ALL.len()];
    let arguments = serde_json::from_slice(rest)
        .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(rest).into_owned()));
    let h = harness();
    // Half the calls come from a conversation that already proved an email, as later turns do.
    let mut session = Session {
        conversation_id: "fuzz".into(),
        verified_email: (selector & 0x80 != 0).then(|| "maya.chen@example.com".into()),
        ..Default::default()
    };
    let outcome = h.runtime.block_on(h.toolbox.run(
        tool.as_str(),
        arguments,
        &mut session,
        chrono::Utc::now(),
    ));
    assert_eq!(outcome.ok, outcome.error.is_none());
});
