//! No misread history is ever checked: mutated Jepsen EDN and linsim JSON histories,
//! 10,000 of each, read by linsim and checked as a cas-register, never get a verdict
//! that disagrees with an oracle that reads the same text independently (the EDN as
//! Knossos reads it, with Clojure's equality; the JSON as linsim's format says) and
//! decides by brute force. A reader may refuse a text (an error naming its place); it
//! may never give a verdict where the oracle says the text has none, nor a different
//! one. Nothing panics.

mod brute;
mod edn;
mod json;
