//! What a prompt is, from its first bytes: the container (magic numbers), the RIFF chunk walk,
//! the WAV format rules, symphonia's probe for other audio, read through a bounded window.

pub(crate) mod inspect;
pub(crate) mod probe;
pub(crate) mod riff;
pub(crate) mod sniff;
pub(crate) mod source;
pub(crate) mod wav;
pub(crate) mod xing;
