//! A small XML Schema validator, enough for the Ant JUnit schema: global and local element
//! declarations, named and anonymous complex and simple types, sequence and choice with
//! minOccurs/maxOccurs, complexContent and simpleContent extensions, required and optional
//! attributes, and the built-in types and facets that schema uses. It reads the XSD file itself,
//! so the JUnit output is checked against the schema, not against our idea of it.

use std::collections::HashMap;

use regex::Regex;
use roxmltree::{Document, Node};

const XS: &str = "http://www.w3.org/2001/XMLSchema";

pub struct Schema<'a> {
    elements: HashMap<&'a str, Node<'a, 'a>>,
    complex: HashMap<&'a str, Node<'a, 'a>>,
    simple: HashMap<&'a str, Node<'a, 'a>>,
}

fn is_xs(n: &Node, name: &str) -> bool {
    n.is_element() && n.tag_name().namespace() == Some(XS) && n.tag_name().name() == name
}

fn xs_children<'a>(n: Node<'a, 'a>) -> impl Iterator<Item = Node<'a, 'a>> {
    n.children()
        .filter(|c| c.is_element() && c.tag_name().namespace() == Some(XS))
        .filter(|c| c.tag_name().name() != "annotation")
}

fn occurs(n: &Node, attr: &str, default: usize) -> usize {
    match n.attribute(attr) {
        Some("unbounded") => usize::MAX,
        Some(v) => v.parse().unwrap(),
        None => default,
    }
}

impl<'a> Schema<'a> {
    pub fn new(doc: &'a Document<'a>) -> Schema<'a> {
        let root = doc.root_element();
        let mut s = Schema {
            elements: HashMap::new(),
            complex: HashMap::new(),
            simple: HashMap::new(),
        };
        for c in xs_children(root) {
            let name = c.attribute("name").unwrap_or("");
            match c.tag_name().name() {
                "element" => s.elements.insert(name, c),
                "complexType" => s.complex.insert(name, c),
                "simpleType" => s.simple.insert(name, c),
                _ => None,
            };
        }
        s
    }

    /// Validates a document whose root is one of the schema's global elements.
    pub fn validate(&self, doc: &Document) -> Result<(), String> {
        let root = doc.root_element();
        let decl = self
            .elements
            .get(root.tag_name().name())
            .ok_or_else(|| format!("<{}> is not a global element", root.tag_name().name()))?;
        self.element(root, *decl)
    }

    fn element(&self, node: Node, decl: Node<'a, 'a>) -> Result<(), String> {
        let name = node.tag_name().name();
        let at = |e: String| format!("<{name}>: {e}");
        if let Some(t) = decl.attribute("type") {
            if let Some(ct) = self.complex.get(t) {
                return self.complex_type(node, *ct).map_err(at);
            }
            return self.simple_value(&text(node), t).map_err(at);
        }
        for c in xs_children(decl) {
            if is_xs(&c, "complexType") {
                return self.complex_type(node, c).map_err(at);
            }
            if is_xs(&c, "simpleType") {
                return self.simple_type(&text(node), c).map_err(at);
            }
        }
        Ok(())
    }

    /// Collects the attribute declarations and the content particle of a complex type, following
    /// extensions to their base types.
    fn parts(
        &self,
        ct: Node<'a, 'a>,
        attrs: &mut Vec<Node<'a, 'a>>,
        particles: &mut Vec<Node<'a, 'a>>,
        simple: &mut Option<String>,
    ) {
        for c in xs_children(ct) {
            match c.tag_name().name() {
                "attribute" => attrs.push(c),
                "sequence" | "choice" => particles.push(c),
                "complexContent" | "simpleContent" => {
                    for ext in xs_children(c) {
                        let base = ext.attribute("base").unwrap_or("");
                        if let Some(b) = self.complex.get(base) {
                            self.parts(*b, attrs, particles, simple);
                        } else if c.tag_name().name() == "simpleContent" {
                            *simple = Some(base.to_owned());
                        }
                        self.parts(ext, attrs, particles, simple);
                    }
                }
                _ => {}
            }
        }
    }

    fn complex_type(&self, node: Node, ct: Node<'a, 'a>) -> Result<(), String> {
        let (mut attrs, mut particles, mut simple) = (Vec::new(), Vec::new(), None);
        self.parts(ct, &mut attrs, &mut particles, &mut simple);
        // Attributes.
        for a in &attrs {
            let aname = a.attribute("name").unwrap_or("");
            match node.attribute(aname) {
                None if a.attribute("use") == Some("required") => {
                    return Err(format!("missing required attribute {aname}"))
                }
                None => {}
                Some(v) => self
                    .attribute_value(v, *a)
                    .map_err(|e| format!("@{aname}: {e}"))?,
            }
        }
        for a in node.attributes() {
            if a.namespace().is_none()
                && !attrs.iter().any(|d| d.attribute("name") == Some(a.name()))
            {
                return Err(format!("undeclared attribute {}", a.name()));
            }
        }
        // Content.
        if let Some(base) = simple {
            if node.children().any(|c| c.is_element()) {
                return Err("elements inside simple content".to_owned());
            }
            return self.simple_value(&text(node), &base);
        }
        if node
            .children()
            .any(|c| c.is_text() && !c.text().unwrap_or("").trim().is_empty())
        {
            return Err("text inside element-only content".to_owned());
        }
        let children: Vec<Node> = node.children().filter(|c| c.is_element()).collect();
        let mut i = 0;
        for p in particles {
            i = self.particle(&children, i, p)?;
        }
        if i != children.len() {
            return Err(format!("unexpected <{}>", children[i].tag_name().name()));
        }
        Ok(())
    }

    /// Matches a sequence or choice from `children[i..]`; returns where it stopped.
    fn particle(&self, children: &[Node], mut i: usize, p: Node<'a, 'a>) -> Result<usize, String> {
        match p.tag_name().name() {
            "sequence" => {
                for item in xs_children(p) {
                    i = self.particle(children, i, item)?;
                }
                Ok(i)
            }
            "choice" => {
                let (min, max) = (occurs(&p, "minOccurs", 1), occurs(&p, "maxOccurs", 1));
                let mut n = 0;
                while n < max && i < children.len() {
                    let name = children[i].tag_name().name();
                    let Some(alt) = xs_children(p).find(|a| a.attribute("name") == Some(name))
                    else {
                        break;
                    };
                    let j = self.particle(children, i, alt)?;
                    if j == i {
                        break;
                    }
                    i = j;
                    n += 1;
                }
                if n < min {
                    return Err("a required choice is missing".to_owned());
                }
                Ok(i)
            }
            "element" => {
                let name = p.attribute("name").unwrap_or("");
                let (min, max) = (occurs(&p, "minOccurs", 1), occurs(&p, "maxOccurs", 1));
                let mut n = 0;
                while n < max && i < children.len() && children[i].tag_name().name() == name {
                    self.element(children[i], p)?;
                    i += 1;
                    n += 1;
                }
                if n < min {
                    return Err(format!("missing <{name}> (at least {min})"));
                }
                Ok(i)
            }
            other => Err(format!("unsupported particle {other}")),
        }
    }

    fn attribute_value(&self, v: &str, decl: Node<'a, 'a>) -> Result<(), String> {
        if let Some(t) = decl.attribute("type") {
            return self.simple_value(v, t);
        }
        match xs_children(decl).find(|c| is_xs(c, "simpleType")) {
            Some(st) => self.simple_type(v, st),
            None => Ok(()),
        }
    }

    fn simple_value(&self, v: &str, type_name: &str) -> Result<(), String> {
        if let Some(st) = self.simple.get(type_name) {
            return self.simple_type(v, *st);
        }
        builtin(v, type_name)
    }

    fn simple_type(&self, v: &str, st: Node<'a, 'a>) -> Result<(), String> {
        let Some(r) = xs_children(st).find(|c| is_xs(c, "restriction")) else {
            return Ok(());
        };
        self.simple_value(v, r.attribute("base").unwrap_or("xs:string"))?;
        for facet in xs_children(r) {
            let value = facet.attribute("value").unwrap_or("");
            match facet.tag_name().name() {
                "minLength" if v.chars().count() < value.parse::<usize>().unwrap() => {
                    return Err(format!("{v:?} is shorter than {value}"))
                }
                "pattern" => {
                    let re = Regex::new(&format!("^(?:{value})$")).unwrap();
                    if !re.is_match(v) {
                        return Err(format!("{v:?} does not match {value}"));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

fn text(node: Node) -> String {
    node.children().filter_map(|c| c.text()).collect()
}

fn builtin(v: &str, t: &str) -> Result<(), String> {
    let ok = match t {
        "xs:string" => true,
        "xs:token" => {
            !v.contains(['\n', '\r', '\t'])
                && !v.starts_with(' ')
                && !v.ends_with(' ')
                && !v.contains("  ")
        }
        "xs:int" => v.parse::<i32>().is_ok(),
        "xs:decimal" => Regex::new(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
            .unwrap()
            .is_match(v),
        "xs:dateTime" => {
            Regex::new(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")
                .unwrap()
                .is_match(v)
        }
        other => return Err(format!("unsupported type {other}")),
    };
    if ok {
        Ok(())
    } else {
        Err(format!("{v:?} is not a valid {t}"))
    }
}

pub fn validate_junit(xml: &str) -> Result<(), String> {
    let xsd = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/junit-ant.xsd"
    ))
    .unwrap();
    let schema_doc = Document::parse(&xsd).unwrap();
    let schema = Schema::new(&schema_doc);
    let doc = Document::parse(xml).map_err(|e| format!("not XML: {e}"))?;
    schema.validate(&doc)
}

#[test]
fn the_validator_rejects_what_the_schema_forbids() {
    let good = r#"<testsuites><testsuite name="s" package="p" id="0" tests="1" failures="1" errors="0" time="0.5" timestamp="2026-01-02T03:04:05" hostname="h"><properties/><testcase name="a" classname="c" time="0"><failure type="t" message="m">body</failure></testcase><system-out/><system-err/></testsuite></testsuites>"#;
    assert_eq!(validate_junit(good), Ok(()));
    let cases = [
        (good.replace(r#" hostname="h""#, ""), "hostname"),
        (good.replace("<properties/>", ""), "properties"),
        (
            good.replace("2026-01-02T03:04:05", "2026-01-02T03:04:05Z"),
            "does not match",
        ),
        (good.replace(r#"type="t" "#, ""), "type"),
        (good.replace(r#"tests="1""#, r#"tests="one""#), "xs:int"),
        (good.replace("<system-err/>", ""), "system-err"),
        (
            good.replace(r#"classname="c""#, r#"classname="c" extra="1""#),
            "undeclared",
        ),
        (
            good.replace("<failure", "<bogus")
                .replace("</failure>", "</bogus>"),
            "bogus",
        ),
        (good.replace(r#"id="0" "#, ""), "id"),
    ];
    for (xml, want) in cases {
        let err = validate_junit(&xml).expect_err(want);
        assert!(err.contains(want), "{want}: {err}");
    }
}
