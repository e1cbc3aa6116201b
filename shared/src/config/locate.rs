//! From a key path to a line of the document, and from the paths of the cleaned-up tree that
//! is deserialized back to the paths of the document as written.

use std::collections::HashMap;

use toml_edit::{ArrayOfTables, Item, TableLike, Value};

use super::path::{KeyPath, Segment};

/// Arrays some of whose elements were taken out before deserializing (an `env:` value whose
/// variable is unset, an element that failed to load): for each, the document index of every
/// element kept, so that an error on the n-th element left names the element as written.
#[derive(Debug, Default)]
pub(crate) struct Remap {
    kept: HashMap<KeyPath, Vec<usize>>,
}

impl Remap {
    /// The array at `array` (a document path) now holds the document's elements `kept`.
    pub(crate) fn set(&mut self, array: KeyPath, kept: Vec<usize>) {
        self.kept.insert(array, kept);
    }

    /// Take out the elements at `positions` (positions in the array as it is now, of length
    /// `len`) of the array at `array`, a path without indices.
    pub(crate) fn drop_positions(&mut self, array: &KeyPath, positions: &[usize], len: usize) {
        let kept = self
            .kept
            .entry(array.clone())
            .or_insert_with(|| (0..len).collect());
        let mut position = 0;
        kept.retain(|_| {
            let keep = !positions.contains(&position);
            position += 1;
            keep
        });
    }

    /// The document path of a path into the cleaned-up tree.
    pub(crate) fn to_document(&self, path: &KeyPath) -> KeyPath {
        let mut out: Vec<Segment> = Vec::with_capacity(path.segments().len());
        for segment in path.segments() {
            let mapped = match segment {
                Segment::Index(i) => {
                    let array = KeyPath::from_segments(out.clone());
                    let original = self
                        .kept
                        .get(&array)
                        .and_then(|kept| kept.get(*i).copied())
                        .unwrap_or(*i);
                    Segment::Index(original)
                }
                key => key.clone(),
            };
            out.push(mapped);
        }
        KeyPath::from_segments(out)
    }
}

/// Finds the line of a key path in the span-preserving parse of the document.
pub(crate) struct Locator<'a> {
    text: &'a str,
    document: toml_edit::Document<&'a str>,
}

enum Node<'a> {
    Table(&'a dyn TableLike),
    Array(&'a toml_edit::Array),
    Tables(&'a ArrayOfTables),
    Leaf,
}

fn node_of_item(item: &Item) -> Node<'_> {
    match item {
        Item::Table(t) => Node::Table(t),
        Item::ArrayOfTables(a) => Node::Tables(a),
        Item::Value(v) => node_of_value(v),
        Item::None => Node::Leaf,
    }
}

fn node_of_value(value: &Value) -> Node<'_> {
    match value {
        Value::InlineTable(t) => Node::Table(t),
        Value::Array(a) => Node::Array(a),
        _ => Node::Leaf,
    }
}

impl<'a> Locator<'a> {
    pub(crate) fn new(text: &'a str, document: toml_edit::Document<&'a str>) -> Self {
        Locator { text, document }
    }

    /// The 1-based line of `path` (a document path); when the key is missing, the line of the
    /// deepest part of the path that exists (the table a required key is missing from).
    pub(crate) fn line_of(&self, path: &KeyPath) -> Option<usize> {
        self.walk(path).0.map(|o| line_at(self.text, o))
    }

    /// Whether `path` names something written in the document.
    pub(crate) fn exists(&self, path: &KeyPath) -> bool {
        self.walk(path).1
    }

    /// The offset of the deepest located part of `path`, and whether all of it was found.
    fn walk(&self, path: &KeyPath) -> (Option<usize>, bool) {
        let mut node = Node::Table(self.document.as_table());
        let mut offset: Option<usize> = None;
        for segment in path.segments() {
            let (span, next) = match (segment, node) {
                (Segment::Key(k), Node::Table(t)) => match t.get_key_value(k) {
                    Some((key, item)) => (key.span().or_else(|| item.span()), node_of_item(item)),
                    None => return (offset, false),
                },
                (Segment::Index(i), Node::Tables(a)) => match a.get(*i) {
                    Some(t) => (t.span(), Node::Table(t)),
                    None => return (offset, false),
                },
                (Segment::Index(i), Node::Array(a)) => match a.get(*i) {
                    Some(v) => (v.span(), node_of_value(v)),
                    None => return (offset, false),
                },
                _ => return (offset, false),
            };
            if let Some(span) = span {
                offset = Some(span.start);
            }
            node = next;
        }
        (offset, true)
    }
}

/// The 1-based line holding byte `offset` of `text`.
pub(crate) fn line_at(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locate(text: &str, path: &KeyPath) -> Option<usize> {
        Locator::new(text, toml_edit::Document::parse(text).unwrap()).line_of(path)
    }

    const DOC: &str = "[a]\nx = 1\n\n[[r]]\nname = 'p'\n\n[[r]]\nname = 'q'\nteam = 't'\n\n[s.t.A]\nk = { v = [1,\n 2] }\n";

    #[test]
    fn finds_keys_tables_and_array_elements() {
        assert_eq!(locate(DOC, &KeyPath::of(&["a", "x"])), Some(2));
        assert_eq!(
            locate(DOC, &KeyPath::of(&["r"]).index(1).key("team")),
            Some(9)
        );
        assert_eq!(locate(DOC, &KeyPath::of(&["r"]).index(1)), Some(7));
        assert_eq!(
            locate(DOC, &KeyPath::of(&["s", "t", "A", "k", "v"]).index(1)),
            Some(13)
        );
    }

    #[test]
    fn a_missing_key_is_located_at_its_table() {
        assert_eq!(
            locate(DOC, &KeyPath::of(&["r"]).index(0).key("team")),
            Some(4)
        );
        assert_eq!(locate(DOC, &KeyPath::of(&["nowhere"])), None);
    }

    #[test]
    fn tells_whether_a_path_is_written() {
        let locator = Locator::new(DOC, toml_edit::Document::parse(DOC).unwrap());
        assert!(locator.exists(&KeyPath::of(&["s", "t", "A", "k"])));
        assert!(!locator.exists(&KeyPath::of(&["s", "t", "B"])));
        assert!(!locator.exists(&KeyPath::of(&["r"]).index(2)));
    }

    #[test]
    fn remap_gives_back_document_indices() {
        let mut remap = Remap::default();
        let reps = KeyPath::of(&["reps"]);
        remap.drop_positions(&reps, &[1], 4);
        remap.drop_positions(&reps, &[1], 3);
        assert_eq!(
            remap.to_document(&reps.index(1).key("id")),
            reps.index(3).key("id")
        );
        assert_eq!(remap.to_document(&reps.index(0)), reps.index(0));
        remap.set(KeyPath::of(&["reps"]).index(3).key("days"), vec![2]);
        assert_eq!(
            remap.to_document(&reps.index(1).key("days").index(0)),
            reps.index(3).key("days").index(2)
        );
    }

    #[test]
    fn line_at_counts_newlines_before() {
        assert_eq!(line_at("a\nb\nc", 0), 1);
        assert_eq!(line_at("a\nb\nc", 2), 2);
        assert_eq!(line_at("a\nb\nc", 99), 3);
    }
}
