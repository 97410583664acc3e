//! Fact inputs of a check: values, texts and paths, loaded when the check runs.

use std::path::{Path, PathBuf};

use super::error::{Error, ErrorKind, Plain};
use crate::facts::{self, Document, LoadOptions};
use crate::findings::Unreadable;

/// The format of a fact text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FactFormat {
    /// JSON (one document per text).
    Json,
    /// YAML 1.2 (several documents separated by `---`), with YAML 1.1 forms where the formats use them.
    Yaml,
}

impl FactFormat {
    /// `json`, `yaml` or `yml` (any case), as bindings and options spell it.
    ///
    /// ```
    /// assert_eq!(annexa::FactFormat::parse("YAML"), Some(annexa::FactFormat::Yaml));
    /// assert_eq!(annexa::FactFormat::parse("toml"), None);
    /// ```
    pub fn parse(word: &str) -> Option<FactFormat> {
        match word.to_ascii_lowercase().as_str() {
            "json" => Some(FactFormat::Json),
            "yaml" | "yml" => Some(FactFormat::Yaml),
            _ => None,
        }
    }

    fn internal(self) -> facts::Format {
        match self {
            FactFormat::Json => facts::Format::Json,
            FactFormat::Yaml => facts::Format::Yaml,
        }
    }
}

/// One input of [`Facts`].
#[derive(Debug, Clone)]
enum Input {
    Value(String, serde_json::Value),
    Text(String, String, FactFormat),
    Bytes(String, Vec<u8>, FactFormat),
    Path(PathBuf),
    /// A file the caller found by walking a folder itself (the CLI's `--exclude`): read
    /// leniently, like the files of a folder walk.
    Walked(PathBuf),
}

/// The fact documents to check: JSON values, texts with a format and a name, files and
/// folders (walked like `annexa check DIR`: `.gitignore` respected, links not followed).
/// Nothing is read until [`crate::Engine::check`] runs, with the engine's limits.
///
/// ```
/// use serde_json::json;
/// let facts = annexa::Facts::new()
///     .value("team-a/pipeline.json", json!({"datasets": []}))
///     .text("team-b/pipeline.yaml", "datasets: []\n", annexa::FactFormat::Yaml);
/// assert_eq!(facts.len(), 2);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Facts {
    inputs: Vec<Input>,
}

/// The loaded documents of a [`Facts`], and what loading noticed.
pub(crate) struct LoadedFacts {
    pub documents: Vec<Document>,
    pub unreadable: Vec<Unreadable>,
    pub notes: Vec<String>,
}

impl Facts {
    /// No input yet.
    pub fn new() -> Facts {
        Facts::default()
    }

    /// One document from a JSON value; `name` is the document name findings carry (a value
    /// has no lines: every position is line 1, column 1).
    pub fn value(mut self, name: impl Into<String>, value: serde_json::Value) -> Facts {
        self.inputs.push(Input::Value(name.into(), value));
        self
    }

    /// The documents of a JSON or YAML text; `name` is the file name findings carry, with
    /// the line and column of each value in `text`.
    pub fn text(
        mut self,
        name: impl Into<String>,
        text: impl Into<String>,
        format: FactFormat,
    ) -> Facts {
        self.inputs
            .push(Input::Text(name.into(), text.into(), format));
        self
    }

    /// The documents of JSON or YAML bytes, decoded as files are (UTF-8 or UTF-16 with a
    /// byte order mark); `name` is the file name findings carry.
    pub fn bytes(
        mut self,
        name: impl Into<String>,
        bytes: impl Into<Vec<u8>>,
        format: FactFormat,
    ) -> Facts {
        self.inputs
            .push(Input::Bytes(name.into(), bytes.into(), format));
        self
    }

    /// A fact file (its format from its name) or a folder of them. A file named here that
    /// cannot be read is an error; a file found in a folder that cannot be read is listed in
    /// the report's `unreadable` and skipped, as `annexa check DIR` does.
    pub fn path(mut self, path: impl AsRef<Path>) -> Facts {
        self.inputs.push(Input::Path(path.as_ref().to_path_buf()));
        self
    }

    /// A file found in a folder by the caller: read leniently (an unreadable one is reported
    /// and skipped), as the files of a folder walk are.
    pub fn walked_file(mut self, path: impl AsRef<Path>) -> Facts {
        self.inputs.push(Input::Walked(path.as_ref().to_path_buf()));
        self
    }

    /// How many inputs were given (a folder counts once).
    pub fn len(&self) -> usize {
        self.inputs.len()
    }

    /// Whether no input was given.
    pub fn is_empty(&self) -> bool {
        self.inputs.is_empty()
    }

    /// Loads every input with `options`. An input named explicitly that fails is an error
    /// (every such failure is in it); nothing loaded at all is an error too.
    pub(crate) fn load(&self, options: &LoadOptions) -> Result<LoadedFacts, Error> {
        let mut out = LoadedFacts {
            documents: Vec::new(),
            unreadable: Vec::new(),
            notes: Vec::new(),
        };
        let mut errors: Vec<super::error::Boxed> = Vec::new();
        for input in &self.inputs {
            match input {
                Input::Value(name, value) => match value_document(name, value, options) {
                    Ok(doc) => out.documents.push(doc),
                    Err(e) => errors.push(Box::new(e)),
                },
                Input::Text(name, text, format) => {
                    let loaded = facts::load_text(name, text.clone(), format.internal(), options);
                    out.take(loaded, None, &mut errors);
                }
                Input::Bytes(name, bytes, format) => {
                    let loaded = facts::load_bytes(name, bytes, format.internal(), options);
                    out.take(loaded, None, &mut errors);
                }
                Input::Path(path) if path.is_dir() => match facts::discover_fact_files(path) {
                    Ok(found) => {
                        out.notes.extend(found.notes);
                        for file in &found.files {
                            let name = display(file);
                            out.take(
                                facts::load_path(file, &name, options),
                                Some(&name),
                                &mut errors,
                            );
                        }
                    }
                    Err(e) => errors.push(Box::new(e)),
                },
                Input::Path(path) => {
                    let name = display(path);
                    out.take(facts::load_path(path, &name, options), None, &mut errors);
                }
                Input::Walked(path) => {
                    let name = display(path);
                    out.take(
                        facts::load_path(path, &name, options),
                        Some(&name),
                        &mut errors,
                    );
                }
            }
        }
        if !errors.is_empty() {
            return Err(Error::new(ErrorKind::Facts, errors));
        }
        if out.documents.is_empty() {
            // the notes say why each input gave nothing (an empty file, a comment-only YAML)
            let mut all: Vec<super::error::Boxed> = out
                .notes
                .iter()
                .map(|n| Box::new(super::error::Note(n.clone())) as super::error::Boxed)
                .collect();
            all.push(Box::new(Plain::new(
                ErrorKind::Facts,
                "no fact document was found",
                "name JSON or YAML fact files, or folders holding `.json`, `.yaml` or `.yml` files",
            )));
            return Err(Error::new(ErrorKind::Facts, all));
        }
        Ok(out)
    }
}

impl LoadedFacts {
    /// Keeps a loaded file's documents and notes; a failure is an error, or — for a file found
    /// in a folder (`lenient` names it) — a skipped, unreadable file.
    fn take(
        &mut self,
        loaded: Result<facts::Loaded, facts::FactsError>,
        lenient: Option<&str>,
        errors: &mut Vec<super::error::Boxed>,
    ) {
        match (loaded, lenient) {
            (Ok(file), _) => {
                self.notes.extend(file.notes);
                self.documents.extend(file.documents);
            }
            (Err(e), Some(name)) => {
                let message = match e.position() {
                    Some((line, column)) => format!("{e} (line {line}, column {column})"),
                    None => e.to_string(),
                };
                self.notes.push(format!(
                    "`{name}` could not be read as JSON or YAML and was skipped ({message})"
                ));
                self.unreadable.push(Unreadable {
                    file: name.to_string(),
                    message,
                });
            }
            (Err(e), None) => errors.push(Box::new(e)),
        }
    }
}

/// A path as the user wrote it, with `/` separators, for reports.
pub(crate) fn display(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// A document from a host's JSON value, refused (not overflowing the stack) when it nests
/// deeper than the fact depth limit: the value may come from anywhere.
fn value_document(
    name: &str,
    value: &serde_json::Value,
    options: &LoadOptions,
) -> Result<Document, Plain> {
    check_depth(name, value, options.max_depth)?;
    Ok(Document::from_json(name, value))
}

/// Refuses a value nested deeper than `max_depth` arrays and objects, without recursion.
pub(crate) fn check_depth(
    name: &str,
    value: &serde_json::Value,
    max_depth: usize,
) -> Result<(), Plain> {
    let mut todo = vec![(value, 1usize)];
    while let Some((v, depth)) = todo.pop() {
        let children: Box<dyn Iterator<Item = &serde_json::Value>> = match v {
            serde_json::Value::Array(items) => Box::new(items.iter()),
            serde_json::Value::Object(map) => Box::new(map.values()),
            _ => continue,
        };
        if depth > max_depth {
            return Err(Plain::new(
                ErrorKind::Facts,
                format!("`{name}` nests deeper than {max_depth} levels of arrays and objects"),
                "raise `fact-depth` under [limits] in annexa.toml, or flatten the value",
            ));
        }
        todo.extend(children.map(|c| (c, depth + 1)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_deeper_than_the_limit_is_refused_without_recursion() {
        let mut value = serde_json::json!(1);
        for _ in 0..100_000 {
            value = serde_json::Value::Array(vec![value]);
        }
        let facts = Facts::new().value("deep.json", value);
        let err = facts
            .load(&LoadOptions::default())
            .err()
            .map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("deeper than 128")));
        // dropping a 100,000-deep serde_json value recurses in serde_json itself: keep it
        std::mem::forget(facts);
    }

    #[test]
    fn a_folder_file_that_does_not_parse_is_skipped_and_listed() {
        let dir = std::env::temp_dir().join(format!("annexa-api-facts-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join("good.yaml"), "datasets: []\n");
        let _ = std::fs::write(dir.join("bad.yaml"), "a: [\n");
        let loaded = Facts::new().path(&dir).load(&LoadOptions::default());
        let _ = std::fs::remove_dir_all(&dir);
        let loaded = loaded.ok();
        assert_eq!(loaded.as_ref().map(|l| l.documents.len()), Some(1));
        assert_eq!(loaded.map(|l| l.unreadable.len()), Some(1));
    }
}
