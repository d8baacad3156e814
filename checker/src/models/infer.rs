//! The model a history's functions call for, when neither the user nor the file names
//! one: Jepsen's functions mostly belong to one model each.

use crate::history::{Function, History};

/// Why no model could be chosen from the functions alone: the op to point at and what
/// to say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsure {
    /// The history index of the op that decides it.
    pub index: usize,
    /// What to pass instead.
    pub message: String,
}

/// The models, each with the functions it checks, in the order they are tried: the
/// first whose functions cover the history's is chosen. `None`: ambiguous (the queues).
const FAMILIES: [(Option<&str>, &[Function]); 7] = [
    (
        Some("cas-register"),
        &[Function::Read, Function::Write, Function::Cas],
    ),
    (
        Some("kv"),
        &[
            Function::Read,
            Function::Write,
            Function::Cas,
            Function::Append,
        ],
    ),
    (Some("set"), &[Function::Read, Function::Add]),
    (Some("counter"), &[Function::Read, Function::Increment]),
    (Some("mutex"), &[Function::Acquire, Function::Release]),
    (Some("multi-register"), &[Function::Txn]),
    (None, &[Function::Enqueue, Function::Dequeue]),
];

/// The model the history's functions call for: cas-register for reads, writes and cas
/// (and an empty history), kv once there is an append, set for adds, mutex for acquire
/// and release, multi-register for txn. A queue's history fits two models, and a
/// history mixing families fits none: both are `Unsure`, naming the op to look at.
pub fn infer_model(history: &History) -> Result<&'static str, Unsure> {
    let mut first: Vec<(Function, usize)> = Vec::new();
    for (i, op) in history.ops.iter().enumerate() {
        if !first.iter().any(|(f, _)| *f == op.f) {
            first.push((op.f, i));
        }
    }
    for (model, functions) in FAMILIES {
        if first.iter().all(|(f, _)| functions.contains(f)) {
            return match model {
                Some(m) => Ok(m),
                None => Err(Unsure {
                    index: first[0].1,
                    message: "queue operations fit two models: pass --model fifo-queue or --model unordered-queue".into(),
                }),
            };
        }
    }
    // Mixed: the first op whose function the first decisive op's models do not check.
    let decisive = first
        .iter()
        .find(|(f, _)| *f != Function::Read)
        .expect("reads alone fit the first family");
    let families: Vec<&[Function]> = FAMILIES
        .iter()
        .filter(|(_, fs)| fs.contains(&decisive.0))
        .map(|(_, fs)| *fs)
        .collect();
    let odd = first
        .iter()
        .find(|(f, _)| !families.iter().any(|fs| fs.contains(f)))
        .expect("some function fits no family with the decisive one");
    let names: Vec<String> = crate::MODEL_NAMES.iter().map(|n| n.to_string()).collect();
    Err(Unsure {
        index: odd.1,
        message: format!(
            "no model checks both :{} (op {}) and :{}: pass --model (one of {})",
            decisive.0,
            decisive.1,
            odd.0,
            names.join(", ")
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Operation, Outcome, Value};

    fn history(fs: &[Function]) -> History {
        History::new(
            fs.iter()
                .enumerate()
                .map(|(i, &f)| Operation {
                    process: 0,
                    f,
                    key: String::new(),
                    input: vec![],
                    output: Value::Nil,
                    call: i as u64,
                    ret: Some(i as u64),
                    outcome: Outcome::Ok,
                    node: None,
                })
                .collect(),
        )
    }

    #[test]
    fn functions_name_their_model() {
        use Function::*;
        assert_eq!(infer_model(&history(&[])), Ok("cas-register"));
        assert_eq!(infer_model(&history(&[Read, Write])), Ok("cas-register"));
        assert_eq!(infer_model(&history(&[Read, Append])), Ok("kv"));
        assert_eq!(infer_model(&history(&[Read, Add])), Ok("set"));
        assert_eq!(infer_model(&history(&[Release, Acquire])), Ok("mutex"));
        assert_eq!(infer_model(&history(&[Txn])), Ok("multi-register"));
        let q = infer_model(&history(&[Read, Enqueue, Dequeue])).unwrap_err();
        assert_eq!(q.index, 0, "{q:?}");
        let q = infer_model(&history(&[Enqueue, Dequeue])).unwrap_err();
        assert!(q.message.contains("--model fifo-queue"), "{q:?}");
        let mixed = infer_model(&history(&[Acquire, Release, Write])).unwrap_err();
        assert_eq!(mixed.index, 2);
        assert!(mixed
            .message
            .starts_with("no model checks both :acquire (op 0) and :write"));
    }
}
