//! The frames on the wire: the parts of a server frame the generator reads,
//! and the `send` and `read` frames it writes (with `--words`' text).

use serde::Deserialize;
use tokio_tungstenite::tungstenite;

use crate::run::Run;

/// Size of the `--words` vocabulary.
const VOCABULARY: f64 = 20_000.0;

/// `count` words for message `seed` (splitmix64: a load generator needs
/// variety, not secrecy).
fn words(mut seed: u64, count: usize) -> String {
    let mut text = String::new();
    for _ in 0..count {
        seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let unit = (z >> 11) as f64 / (1u64 << 53) as f64;
        let rank = VOCABULARY.powf(unit).floor() as u64;
        text.push_str(&format!(" w{rank}"));
    }
    text
}

/// The parts of a server frame the generator looks at.
#[derive(Deserialize)]
pub struct Frame<'a> {
    #[serde(rename = "type")]
    pub kind: &'a str,
    #[serde(default)]
    pub text: Option<&'a str>,
    #[serde(default)]
    pub seq: Option<i64>,
    #[serde(default)]
    pub client_id: Option<&'a str>,
}

/// Whether a client id names a reaction or an edit (`c…`) rather than a message.
pub fn is_change(client_id: Option<&str>) -> bool {
    client_id.is_some_and(|id| id.starts_with('c'))
}

/// The read marker of a socket's newest message, as a frame.
pub fn read_frame(seq: i64) -> Option<tungstenite::Message> {
    (seq > 0).then(|| tungstenite::Message::text(format!(r#"{{"type":"read","seq":{seq}}}"#)))
}

/// A `send` frame whose text starts with the send time in µs (then `word_count` words).
pub fn message_frame(run: &Run, index: usize, n: u64, word_count: usize) -> tungstenite::Message {
    let at = run.clock.elapsed().as_micros();
    let said = words(((index as u64) << 32) | n, word_count);
    tungstenite::Message::text(format!(r#"{{"type":"send","text":"{at}{said}","client_id":"{index}-{n}-{at}"}}"#))
}

/// Like [`message_frame`], a reply in the thread of `root` (its client id ends in `-t`).
pub fn thread_reply_frame(run: &Run, index: usize, n: u64, word_count: usize, root: i64) -> tungstenite::Message {
    let at = run.clock.elapsed().as_micros();
    let said = words(((index as u64) << 32) | n, word_count);
    tungstenite::Message::text(format!(
        r#"{{"type":"send","text":"{at}{said}","thread":{root},"client_id":"{index}-{n}-{at}-t"}}"#
    ))
}

/// Whether a client id names a thread reply (which cannot be a thread's root).
pub fn is_thread_reply(client_id: Option<&str>) -> bool {
    client_id.is_some_and(|id| id.ends_with("-t"))
}
