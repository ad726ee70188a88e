//! The Customer Support agent, without any web framework: tools over the store and the
//! knowledge base, the offline planner, the LLM agent, classification and evaluation.

pub mod actions;
pub mod agent;
pub mod assist;
pub mod catalogue;
pub mod dialogue;
pub mod eval;
pub mod llm_agent;
pub mod planner;
pub mod setup;
pub mod summary;
pub mod tools;
pub mod transcript;
pub mod turn;
pub mod understanding;

pub use agent::{AgentError, Input, SupportAgent, TurnResult};
pub use tools::{Citation, Confirmation, Proposal, Session, ToolOutcome, Toolbox};
pub use turn::TurnEvent;
