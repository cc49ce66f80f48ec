//! Reading an SSML document, bounded: at most [`MAX_SSML_BYTES`], [`MAX_SSML_NODES`] XML nodes
//! and [`MAX_SSML_DEPTH`] nested elements; a DTD is refused, so no entity is ever expanded.

use roxmltree::{Document, Node, ParsingOptions};

/// The largest SSML document read (acs-preflight's bound, not Azure's): 1 MiB.
pub const MAX_SSML_BYTES: usize = 1 << 20;

/// The most XML nodes (elements, text, comments, attributes' namespaces aside) read of one
/// document.
pub const MAX_SSML_NODES: u32 = 100_000;

/// The deepest nesting of elements looked at; deeper elements are reported, not walked.
pub const MAX_SSML_DEPTH: usize = 256;

/// The namespace of Azure Speech SSML (the W3C synthesis namespace).
pub const SYNTHESIS_NS: &str = "http://www.w3.org/2001/10/synthesis";

const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unread {
    /// Nothing but white space.
    Empty,
    /// Over [`MAX_SSML_BYTES`].
    TooLarge(usize),
    /// Not well-formed XML, a DTD, or too many nodes: the message, and the 1-based line and
    /// column when the parser gives them.
    Malformed {
        message: String,
        at: Option<(u32, u32)>,
    },
}

/// What the checks need of a well-formed document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Doc {
    /// The root element's local name.
    pub root: String,
    /// The root element's line.
    pub root_line: u32,
    /// Whether the root is in the synthesis namespace.
    pub synthesis_ns: bool,
    /// The root's `version` attribute.
    pub version: Option<String>,
    /// The root's `xml:lang` attribute.
    pub lang: Option<String>,
    /// Lines of non-blank text outside every `voice` element.
    pub text_outside_voice: Vec<u32>,
    /// Whether any element holds non-blank text.
    pub has_text: bool,
    /// `voice` elements: line and `name` attribute.
    pub voices: Vec<(u32, Option<String>)>,
    /// `audio` elements: line and `src` attribute.
    pub audios: Vec<(u32, Option<String>)>,
    /// The line of the first element nested deeper than [`MAX_SSML_DEPTH`].
    pub too_deep: Option<u32>,
    /// Whether the document holds a `break` (a pause is something to play).
    pub has_break: bool,
}

/// Reads `text` as SSML.
pub(crate) fn parse(text: &str) -> Result<Doc, Unread> {
    parse_with(text, false, 1)
}

/// [`parse`]; with `holes`, the text of an interpolated string whose holes (`{name}`) were read
/// as text: a text node of holes only may be markup at run time (a whole `voice`), so it is not
/// text outside a `voice`, though it is something to speak. Lines are counted from
/// `first_line` (the file's line where the text starts, for a string found in a file).
pub(crate) fn parse_with(text: &str, holes: bool, first_line: u32) -> Result<Doc, Unread> {
    if text.len() > MAX_SSML_BYTES {
        return Err(Unread::TooLarge(text.len()));
    }
    // A byte order mark is not part of the document.
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(Unread::Empty);
    }
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_SSML_NODES,
        ..ParsingOptions::default()
    };
    let shift = first_line.saturating_sub(1);
    let doc = Document::parse_with_options(text, options).map_err(|e| match malformed(e) {
        Unread::Malformed {
            message,
            at: Some((row, col)),
        } => Unread::Malformed {
            message,
            at: Some((row.saturating_add(shift), col)),
        },
        other => other,
    })?;
    Ok(summarize(&doc, holes, shift))
}

fn malformed(e: roxmltree::Error) -> Unread {
    use roxmltree::Error as E;
    let message = match &e {
        E::DtdDetected => "it holds a DTD (<!DOCTYPE ...>), which is not read: no entity is \
                           expanded, and SSML needs none"
            .to_owned(),
        E::NodesLimitReached => format!(
            "it holds more than {MAX_SSML_NODES} XML nodes, more than acs-preflight reads of one \
             document"
        ),
        other => {
            // The parser's message ends with the position, which is given apart.
            let text = other.to_string();
            match text.rsplit_once(" at ") {
                Some((what, at)) if at.chars().all(|c| c.is_ascii_digit() || c == ':') => {
                    what.to_owned()
                }
                _ => text,
            }
        }
    };
    let pos = e.pos();
    let at = matches!(
        e,
        E::DtdDetected | E::NodesLimitReached | E::NoRootNode | E::UnclosedRootNode
    )
    .then_some(None)
    .unwrap_or(Some((pos.row, pos.col)));
    Unread::Malformed { message, at }
}

fn summarize(doc: &Document<'_>, holes: bool, shift: u32) -> Doc {
    let root = doc.root_element();
    let line = |n: Node<'_, '_>| doc.text_pos_at(n.range().start).row.saturating_add(shift);
    let mut out = Doc {
        root: root.tag_name().name().to_owned(),
        root_line: line(root),
        synthesis_ns: root.tag_name().namespace() == Some(SYNTHESIS_NS),
        version: root.attribute("version").map(str::to_owned),
        lang: root.attribute((XML_NS, "lang")).map(str::to_owned),
        ..Doc::default()
    };
    // Depth first, by hand: no recursion, so nesting cannot exhaust the stack. Each entry holds
    // the node, its depth and whether a `voice` encloses it.
    let mut stack: Vec<(Node<'_, '_>, usize, bool)> = vec![(root, 1, false)];
    while let Some((node, depth, in_voice)) = stack.pop() {
        if node.is_text() {
            let text = node.text().unwrap_or("");
            if holes && only_holes(text) {
                // Text or markup at run time: something to speak, and maybe its own voice.
                out.has_text = true;
                continue;
            }
            if let Some(lead) = text.find(|c: char| !c.is_whitespace()) {
                out.has_text = true;
                if !in_voice {
                    // The line of the first character that is not white space.
                    let at = doc
                        .text_pos_at(node.range().start + lead)
                        .row
                        .saturating_add(shift);
                    out.text_outside_voice.push(at);
                }
            }
            continue;
        }
        if !node.is_element() {
            continue;
        }
        if depth > MAX_SSML_DEPTH {
            out.too_deep.get_or_insert(line(node));
            continue;
        }
        let name = node.tag_name().name();
        let is_voice = name == "voice";
        match name {
            "voice" => out
                .voices
                .push((line(node), node.attribute("name").map(str::to_owned))),
            "audio" => out
                .audios
                .push((line(node), node.attribute("src").map(str::to_owned))),
            "break" => out.has_break = true,
            _ => {}
        }
        // Children pushed in reverse, so they are visited in document order.
        let children: Vec<_> = node.children().collect();
        for child in children.into_iter().rev() {
            stack.push((child, depth + 1, in_voice || is_voice));
        }
    }
    out
}

/// Whether a text is nothing but holes (`{name}`, `${name}`) and white space.
fn only_holes(text: &str) -> bool {
    let mut rest = text.trim();
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        rest = rest.strip_prefix('$').unwrap_or(rest);
        let Some(inner) = rest.strip_prefix('{') else {
            return false;
        };
        let Some(close) = inner.find('}') else {
            return false;
        };
        rest = inner[close + 1..].trim_start();
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_billion_laughs_is_refused_without_expansion() {
        let lol = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-US"><voice name="en-US-AvaNeural">&lol9;</voice></speak>"#;
        match parse(lol) {
            Err(Unread::Malformed { message, at: None }) => assert!(message.contains("DTD")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn size_nodes_and_depth_are_bounded() {
        let big = "a".repeat(MAX_SSML_BYTES + 1);
        assert_eq!(parse(&big), Err(Unread::TooLarge(MAX_SSML_BYTES + 1)));
        let many = format!("<speak>{}</speak>", "<b/>".repeat(MAX_SSML_NODES as usize));
        assert!(matches!(
            parse(&many),
            Err(Unread::Malformed { at: None, .. })
        ));
        // Nesting as deep as the size bound allows is read without recursion.
        let n = 90_000;
        let deep = format!("<speak>{}{}</speak>", "<a>".repeat(n), "</a>".repeat(n));
        let doc = parse(&deep).unwrap();
        assert_eq!(doc.too_deep, Some(1));
        assert_eq!(doc.root, "speak");
    }

    #[test]
    fn errors_carry_line_and_column() {
        match parse("<speak>\n  <voice name=x>Hi</voice>\n</speak>") {
            Err(Unread::Malformed {
                at: Some((2, c)),
                message,
            }) => {
                assert!(c > 1, "{c}");
                assert!(!message.ends_with(char::is_numeric), "{message}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(parse(" \n\t"), Err(Unread::Empty));
    }
}
