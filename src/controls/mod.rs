//! The ISO/IEC 27001:2022 Annex A catalog, with the 2013 → 2022 correspondence.
//!
//! The data is embedded from `data/annex-a/*.csv` (copied from the project's shared reference
//! data, never retyped) and parsed once, lazily, on first use. Only identifiers, short titles and
//! the correspondence are held; none of the standard's control text.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use serde::Deserialize;

/// The 2022 catalog: `id,theme,title`, 93 rows.
const ANNEX_A_2022_CSV: &str = include_str!("../../data/annex-a/iso27001-2022-annex-a.csv");
/// The 2013 → 2022 correspondence: `id_2013,title_2013,id_2022`, 114 rows.
const ANNEX_A_2013_CSV: &str = include_str!("../../data/annex-a/iso27001-2013-to-2022.csv");

/// The four themes of ISO/IEC 27001:2022 Annex A (clauses 5–8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Theme {
    /// Organizational controls, `A.5.*` (37).
    Organizational,
    /// People controls, `A.6.*` (8).
    People,
    /// Physical controls, `A.7.*` (14).
    Physical,
    /// Technological controls, `A.8.*` (34).
    Technological,
}

impl Theme {
    /// All themes, in clause order.
    pub const ALL: [Theme; 4] = [
        Theme::Organizational,
        Theme::People,
        Theme::Physical,
        Theme::Technological,
    ];

    /// The lower-case name used in the catalog data: `organizational`, `people`, `physical`,
    /// `technological`.
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Organizational => "organizational",
            Theme::People => "people",
            Theme::Physical => "physical",
            Theme::Technological => "technological",
        }
    }

    /// Parses the lower-case name produced by [`Theme::as_str`].
    pub fn parse(s: &str) -> Option<Theme> {
        Theme::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

impl fmt::Display for Theme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One ISO/IEC 27001:2022 Annex A control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Control {
    /// The control id, e.g. `A.8.24`.
    pub id: String,
    /// The theme (clause) the control belongs to.
    pub theme: Theme,
    /// The short official title, e.g. `Use of cryptography`.
    pub title: String,
}

/// One ISO/IEC 27001:2013 Annex A control and the 2022 control(s) it corresponds to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyControl {
    /// The 2013 id, e.g. `A.10.1.1`.
    pub id_2013: String,
    /// The 2013 short title.
    pub title_2013: String,
    /// The 2022 ids it maps to (ISO/IEC 27002:2022 Annex B); one, except for `A.18.2.3`.
    pub targets: Vec<String>,
}

/// The result of [`Catalog::lookup`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup<'a> {
    /// A 2022 control.
    Current(&'a Control),
    /// A 2013 control, to be mapped to its 2022 targets (with a warning).
    Legacy(&'a LegacyControl),
    /// Neither: the nearest 2022 ids, for a "did you mean" help.
    Unknown {
        /// Every 2022 id at the smallest edit distance, in catalog order.
        suggestions: Vec<&'a str>,
    },
}

/// The Annex A catalog: 93 controls of 2022 and 114 of 2013 with their mapping.
#[derive(Debug, Default)]
pub struct Catalog {
    controls: Vec<Control>,
    by_id: HashMap<String, usize>,
    legacy: Vec<LegacyControl>,
    legacy_by_id: HashMap<String, usize>,
}

/// The embedded catalog, parsed on first use.
///
/// The embedded data always parses; were it ever not to, this degrades to an empty catalog
/// rather than panicking.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::parse(ANNEX_A_2022_CSV, ANNEX_A_2013_CSV).unwrap_or_default())
}

#[derive(Deserialize)]
struct Row2022 {
    id: String,
    theme: String,
    title: String,
}

#[derive(Deserialize)]
struct Row2013 {
    id_2013: String,
    title_2013: String,
    id_2022: String,
}

/// Why the embedded data could not be read (never expected to happen).
#[derive(Debug)]
enum CatalogError {
    Csv,
    Theme,
}

impl From<csv::Error> for CatalogError {
    fn from(_: csv::Error) -> Self {
        CatalogError::Csv
    }
}

impl Catalog {
    fn parse(csv_2022: &str, csv_2013: &str) -> Result<Catalog, CatalogError> {
        let mut controls = Vec::new();
        for row in csv::Reader::from_reader(csv_2022.as_bytes()).deserialize::<Row2022>() {
            let row = row?;
            let theme = Theme::parse(&row.theme).ok_or(CatalogError::Theme)?;
            controls.push(Control {
                id: row.id,
                theme,
                title: row.title,
            });
        }
        controls.sort_by(|a, b| compare_ids(&a.id, &b.id));

        let mut legacy = Vec::new();
        for row in csv::Reader::from_reader(csv_2013.as_bytes()).deserialize::<Row2013>() {
            let row = row?;
            let targets = row
                .id_2022
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            legacy.push(LegacyControl {
                id_2013: row.id_2013,
                title_2013: row.title_2013,
                targets,
            });
        }
        legacy.sort_by(|a, b| compare_ids(&a.id_2013, &b.id_2013));

        let by_id = controls
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i))
            .collect();
        let legacy_by_id = legacy
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id_2013.clone(), i))
            .collect();
        Ok(Catalog {
            controls,
            by_id,
            legacy,
            legacy_by_id,
        })
    }

    /// Every 2022 control, in numeric id order (`A.5.1` … `A.8.34`).
    pub fn controls(&self) -> &[Control] {
        &self.controls
    }

    /// Every 2013 control, in numeric id order (`A.5.1.1` … `A.18.2.3`).
    pub fn legacy_controls(&self) -> &[LegacyControl] {
        &self.legacy
    }

    /// The 2022 control with this exact id.
    pub fn get(&self, id: &str) -> Option<&Control> {
        self.by_id.get(id).and_then(|&i| self.controls.get(i))
    }

    /// The 2013 control with this exact id.
    pub fn legacy(&self, id_2013: &str) -> Option<&LegacyControl> {
        self.legacy_by_id
            .get(id_2013)
            .and_then(|&i| self.legacy.get(i))
    }

    /// Resolves an id as written in a policy: a 2022 control, a 2013 control, or unknown with
    /// suggestions.
    pub fn lookup(&self, id: &str) -> Lookup<'_> {
        if let Some(c) = self.get(id) {
            Lookup::Current(c)
        } else if let Some(l) = self.legacy(id) {
            Lookup::Legacy(l)
        } else {
            Lookup::Unknown {
                suggestions: self.suggestions(id),
            }
        }
    }

    /// Every 2022 id at the smallest Levenshtein distance from `id`, in catalog order.
    /// Empty only when the catalog is.
    pub fn suggestions(&self, id: &str) -> Vec<&str> {
        let distances: Vec<(usize, &str)> = self
            .controls
            .iter()
            .map(|c| (strsim::levenshtein(id, &c.id), c.id.as_str()))
            .collect();
        let Some(best) = distances.iter().map(|&(d, _)| d).min() else {
            return Vec::new();
        };
        distances
            .into_iter()
            .filter(|&(d, _)| d == best)
            .map(|(_, id)| id)
            .collect()
    }
}

/// Orders dotted control ids numerically: `A.5.2 < A.5.10 < A.8.1`, and `A.5.1 < A.5.1.1`.
pub fn compare_ids(a: &str, b: &str) -> Ordering {
    compare_segments(a, b, '.')
}

/// Compares `sep`-separated paths segment by segment: numbers as numbers when both segments are
/// numbers (numbers sort before words), otherwise as strings; a prefix sorts first. Used for
/// control ids and for JSON Pointers (array indexes as numbers).
pub fn compare_segments(a: &str, b: &str, sep: char) -> Ordering {
    // whole segments the two share compare equal: start at the segment where they differ
    // (violations are sorted by pointer, and neighbours share all but their last segments)
    let same = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    let shared = a.get(..same).unwrap_or("");
    let last_sep = match u8::try_from(sep) {
        Ok(byte) if sep.is_ascii() => memchr::memrchr(byte, shared.as_bytes()),
        _ => shared.rfind(sep),
    };
    let start = last_sep.map_or(0, |i| i + sep.len_utf8());
    match (a.get(start..), b.get(start..)) {
        (Some(a), Some(b)) => compare_each_segment(a, b, sep),
        _ => compare_each_segment(a, b, sep),
    }
}

fn compare_each_segment(a: &str, b: &str, sep: char) -> Ordering {
    let mut xs = a.split(sep);
    let mut ys = b.split(sep);
    loop {
        match (xs.next(), ys.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let ord = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(m), Ok(n)) => m.cmp(&n),
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    (Err(_), Err(_)) => x.cmp(y),
                };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_93_controls_in_numeric_order() {
        let c = catalog().controls();
        assert_eq!(c.len(), 93);
        assert_eq!(c[0].id, "A.5.1");
        assert_eq!(c[92].id, "A.8.34");
        assert!(
            c.windows(2)
                .all(|w| compare_ids(&w[0].id, &w[1].id) == Ordering::Less)
        );
    }

    #[test]
    fn skipping_the_shared_segments_orders_as_comparing_every_segment() {
        let pointers = [
            "", "/", "/a", "/a/", "/a/b", "/a/bc", "/ab", "/ab/x", "/a/x", "/a/1", "/a/1x",
            "/a/10", "/a/9", "/a/10/b", "/a/9/c", "/a/01", "/a/é", "/a/éa", "/x/1/y", "/x/1",
            "A.5.1", "A.5.10", "A.5.9", "A.8.2",
        ];
        for a in pointers {
            for b in pointers {
                for sep in ['/', '.'] {
                    assert_eq!(
                        compare_segments(a, b, sep),
                        compare_each_segment(a, b, sep),
                        "{a:?} vs {b:?} by {sep:?}"
                    );
                }
            }
        }
        assert_eq!(compare_segments("/a/9", "/a/10", '/'), Ordering::Less);
        assert_eq!(compare_segments("/a/b", "/a/b/c", '/'), Ordering::Less);
    }

    #[test]
    fn themes_have_37_8_14_34() {
        let count = |t: Theme| catalog().controls().iter().filter(|c| c.theme == t).count();
        assert_eq!(count(Theme::Organizational), 37);
        assert_eq!(count(Theme::People), 8);
        assert_eq!(count(Theme::Physical), 14);
        assert_eq!(count(Theme::Technological), 34);
        for c in catalog().controls() {
            let clause = match c.theme {
                Theme::Organizational => "A.5.",
                Theme::People => "A.6.",
                Theme::Physical => "A.7.",
                Theme::Technological => "A.8.",
            };
            assert!(c.id.starts_with(clause), "{} in {}", c.id, c.theme);
        }
        assert_eq!(Theme::Technological.as_str(), "technological");
        assert_eq!(Theme::parse("people"), Some(Theme::People));
    }

    #[test]
    fn titles() {
        assert_eq!(
            catalog().get("A.8.24").map(|c| c.title.as_str()),
            Some("Use of cryptography")
        );
        assert_eq!(
            catalog().get("A.5.15").map(|c| c.title.as_str()),
            Some("Access control")
        );
        assert!(catalog().get("A.8.99").is_none());
        assert!(catalog().get("A.10.1.1").is_none());
    }

    #[test]
    fn legacy_mapping() {
        let cat = catalog();
        assert_eq!(cat.legacy_controls().len(), 114);
        let l = cat.legacy("A.10.1.1");
        assert_eq!(
            l.map(|l| l.targets.clone()),
            Some(vec!["A.8.24".to_owned()])
        );
        let l = cat.legacy("A.18.2.3");
        assert_eq!(
            l.map(|l| l.targets.clone()),
            Some(vec!["A.5.36".to_owned(), "A.8.8".to_owned()])
        );
        for l in cat.legacy_controls() {
            assert!(!l.targets.is_empty());
            for t in &l.targets {
                assert!(cat.get(t).is_some(), "{} -> {}", l.id_2013, t);
            }
        }
    }

    #[test]
    fn lookup_kinds() {
        let cat = catalog();
        assert!(matches!(cat.lookup("A.8.24"), Lookup::Current(c) if c.id == "A.8.24"));
        assert!(matches!(cat.lookup("A.10.1.1"), Lookup::Legacy(l) if l.targets == ["A.8.24"]));
        match cat.lookup("A.8.99") {
            Lookup::Unknown { suggestions } => assert!(suggestions.contains(&"A.8.9")),
            other => panic!("expected unknown, got {other:?}"),
        }
    }

    #[test]
    fn suggestions_are_all_nearest_in_catalog_order() {
        let s = catalog().suggestions("A.8.99");
        assert!(s.contains(&"A.8.9"));
        let best = strsim::levenshtein("A.8.99", "A.8.9");
        for id in &s {
            assert_eq!(strsim::levenshtein("A.8.99", id), best);
        }
        let expected: Vec<&str> = catalog()
            .controls()
            .iter()
            .map(|c| c.id.as_str())
            .filter(|id| strsim::levenshtein("A.8.99", id) == best)
            .collect();
        assert_eq!(s, expected);
        assert!(
            s.windows(2)
                .all(|w| compare_ids(w[0], w[1]) == Ordering::Less)
        );
    }

    #[test]
    fn numeric_ordering() {
        assert_eq!(compare_ids("A.5.2", "A.5.10"), Ordering::Less);
        assert_eq!(compare_ids("A.5.10", "A.8.1"), Ordering::Less);
        assert_eq!(compare_ids("A.8.1", "A.5.2"), Ordering::Greater);
        assert_eq!(compare_ids("A.5.1", "A.5.1"), Ordering::Equal);
        assert_eq!(compare_ids("A.5.1", "A.5.1.1"), Ordering::Less);
        assert_eq!(compare_ids("A.9.4.1", "A.18.2.3"), Ordering::Less);
    }

    #[test]
    fn bad_data_degrades_to_error_not_panic() {
        assert!(Catalog::parse("id,theme,title\nA.5.1,cosmic,X\n", "").is_err());
    }
}
