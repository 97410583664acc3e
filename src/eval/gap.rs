//! Naming what an evidence gap lacks, for the report's summed-up lines.

/// The part of `pointer` below `element`, as a dotted path (`/datasets/1` and
/// `/datasets/1/source/type` → `source.type`); empty when `pointer` is not below `element`.
pub(crate) fn relative_field(element: &str, pointer: &str) -> String {
    let Some(rest) = pointer
        .strip_prefix(element)
        .and_then(|r| r.strip_prefix('/'))
    else {
        return String::new();
    };
    rest.split('/')
        .map(|seg| seg.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::relative_field;

    #[test]
    fn a_lacking_field_is_named_from_its_element() {
        assert_eq!(
            relative_field("/datasets/1", "/datasets/1/source/type"),
            "source.type"
        );
        assert_eq!(relative_field("/d/1", "/d/1/a~1b"), "a/b");
        assert_eq!(relative_field("/d/1", "/d/10/x"), "");
        assert_eq!(relative_field("/d/1", "/e/x"), "");
    }
}
