//! `annexa.toml`: a project's defaults for `annexa check` and `annexa lint`.
//!
//! The file is found by walking up from the working directory ([`find`]); options given on the
//! command line win over it. Relative paths in the file resolve against the file's own folder.
//! Every mistake in the file (bad TOML, an unknown key, a value of the wrong kind) is a
//! [`Diagnostic`] pointing at the file, line and column, with a "did you mean" for misspelt keys.
//!
//! ```
//! use annexa::unstable::config::Config;
//! let text = "policies = [\"policies/\"]\nfail-on = \"high\"\n[params]\nallowed_regions = [\"eu-west-1\"]\n";
//! let config = Config::parse("annexa.toml", std::path::Path::new("repo"), text).unwrap();
//! assert_eq!(config.policies, vec![std::path::PathBuf::from("repo/policies/")]);
//! assert_eq!(config.params[0].value, serde_json::json!(["eu-west-1"]));
//! ```
//!
//! The format is documented in `docs/config.md`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostics::{Diagnostic, close_names};
use crate::facts::LoadOptions;
use crate::findings::{Gaps, Severity};
use crate::lint::{Level, LintConfig};
use crate::report::Format;
use crate::schema::FactModel;
use crate::source::{SourceFile, Span};

/// The file name looked for.
pub const FILE_NAME: &str = "annexa.toml";

/// The diagnostic code of every problem in `annexa.toml`.
pub const CODE: &str = "annexa::config";

/// The diagnostic code of an unknown key in `annexa.toml`.
pub const CODE_UNKNOWN_KEY: &str = "annexa::config::unknown_key";

/// The model `annexa.toml` asks for: the shipped one extended by `[schema] extend`, or `None`
/// (the shipped model) without it. A bad extension is an `annexa::config` error.
pub fn configured_model(config: Option<&Config>) -> Result<Option<FactModel>, Diagnostic> {
    let Some(config) = config else {
        return Ok(None);
    };
    config.schema.model().map_err(|why| {
        Diagnostic::error(CODE, why, &config.file).with_help(
            "`[schema] extend` names a JSON Schema fragment merged into the ML model (docs/facts.md)",
        )
    })
}

/// The nearest `annexa.toml`: in `start` or the closest of its parent folders, but not above
/// the repository root (the nearest folder holding `.git`), so that a checkout never picks up a
/// file from whatever folder it happens to sit in.
pub fn find(start: &Path) -> Option<PathBuf> {
    for dir in start.ancestors() {
        let candidate = dir.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        // `.git` is a folder in a clone, a file in a worktree or submodule
        if dir.join(".git").exists() {
            return None;
        }
    }
    None
}

/// A parsed, checked `annexa.toml`. Paths are already joined to the file's folder.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file itself (for diagnostics that point into it).
    pub file: SourceFile,
    /// The folder relative paths resolve against.
    pub dir: PathBuf,
    /// `policies`: policy files or folders, the default of `check -p`.
    pub policies: Vec<PathBuf>,
    /// `facts`: fact files or folders, the default of `check FACTS…`.
    pub facts: Vec<PathBuf>,
    /// `fail-on`: the default of `check --fail-on`.
    pub fail_on: Option<Severity>,
    /// `gaps`: the default of `check --gaps` (`fail` or `warn`).
    pub gaps: Option<Gaps>,
    /// `format`: the default of `check --format`.
    pub format: Option<Format>,
    /// `waivers`: the waivers file (see docs/waivers.md).
    pub waivers: Option<PathBuf>,
    /// `applicability`: the applicability file of the coverage number and `annexa soa`
    /// (see docs/soa.md).
    pub applicability: Option<PathBuf>,
    /// `exclude`: globs of fact paths skipped when walking folders (added to `check --exclude`).
    pub exclude: Vec<String>,
    /// `packs`: the built-in packs run next to `policies` (`["ml", "kubernetes"]`, or
    /// `["all"]`), the default of `check --builtin=…`; checked against the pack names.
    pub packs: Option<Vec<String>>,
    /// `exclude-rules`: globs of rule ids left out of the report (added to `--exclude-rule`).
    pub exclude_rules: Vec<String>,
    /// `baseline`: a JSON report of an earlier run whose violations are accepted (the default
    /// of `check --baseline`).
    pub baseline: Option<PathBuf>,
    /// `[params]`: param overrides, sorted by name; `check --param` wins per param.
    pub params: Vec<ConfigParam>,
    /// `[lint]`: lint levels; `lint --allow/--deny` win per lint.
    pub lint: LintConfig,
    /// `[limits]`: resource limits.
    pub limits: Limits,
    /// `[schema]`: the fact-model check of fact documents and its extension.
    pub schema: crate::schema::SchemaConfig,
}

/// One entry of `[params]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigParam {
    /// The name as written (short or qualified, as for `--param`).
    pub name: String,
    /// The value, converted from TOML to JSON.
    pub value: serde_json::Value,
    /// Where the key is in the file.
    pub span: Span,
}

/// `[limits]`: each `None` keeps the built-in default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// `fact-depth`: deepest nesting of arrays and objects in a fact file.
    pub fact_depth: Option<usize>,
    /// `fact-file-bytes`: largest accepted fact file.
    pub fact_file_bytes: Option<u64>,
    /// `yaml-aliases`: most nodes YAML alias expansions of one file may produce.
    pub yaml_aliases: Option<usize>,
    /// `rule-steps`: most evaluation steps of one rule on one document.
    pub rule_steps: Option<u64>,
    /// `message-length`: most characters of a rendered violation message.
    pub message_length: Option<usize>,
    /// `rule-memory`: most bytes of lists, objects and strings one rule may compute on one
    /// document.
    pub rule_memory: Option<u64>,
}

/// The highest value each `[limits]` key accepts: past it annexa itself would not survive
/// (`fact-depth`: the YAML scanner caps flow collections at 255 levels and every recursion
/// over facts is sized for it) or the limit would no longer protect anything.
pub const CEILINGS: [(&str, u64); 6] = [
    ("fact-depth", 250),
    // a fact document addresses its text with 31-bit offsets (docs/performance.md)
    ("fact-file-bytes", (1 << 31) - 1),
    ("yaml-aliases", 100_000_000),
    ("rule-steps", 1_000_000_000_000),
    ("message-length", 1_048_576),
    ("rule-memory", 64 * 1024 * 1024 * 1024),
];

fn ceiling(key: &str) -> u64 {
    CEILINGS
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(u64::MAX, |(_, c)| *c)
}

impl Limits {
    /// The evaluator's per-rule budgets (`rule-steps`, `rule-memory`, `message-length`)
    /// applied to `options`; the limits not set keep what `options` has.
    pub fn apply_to(&self, options: &mut crate::eval::EvalOptions) {
        if let Some(steps) = self.rule_steps {
            options.step_limit = steps;
        }
        if let Some(bytes) = self.rule_memory {
            options.memory_limit = bytes;
        }
        if let Some(length) = self.message_length {
            options.message_limit = length;
        }
    }

    /// The fact loader's options: the defaults with these limits applied.
    pub fn load_options(&self) -> LoadOptions {
        let mut options = LoadOptions::default();
        if let Some(depth) = self.fact_depth {
            options.max_depth = depth;
        }
        if let Some(bytes) = self.fact_file_bytes {
            options.max_file_bytes = bytes;
        }
        if let Some(aliases) = self.yaml_aliases {
            options.max_alias_expansions = aliases;
        }
        options
    }
}

impl Config {
    /// Reads and parses the file at `path`; relative paths in it resolve against its folder.
    pub fn load(path: &Path) -> Result<Config, Vec<Diagnostic>> {
        let name = path.to_string_lossy().replace('\\', "/");
        let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
        let limit = crate::source::DEFAULT_MAX_INPUT_BYTES;
        let bytes = crate::source::read_file_bounded(path, limit).map_err(|e| {
            let (message, help) = match e {
                crate::source::ReadError::TooLarge { limit } => (
                    format!("`{name}` is larger than the limit of {limit} bytes"),
                    "annexa.toml is read before its own limits apply; is this the right file?"
                        .to_string(),
                ),
                crate::source::ReadError::Io(e) => (
                    format!("cannot read `{name}`: {e}"),
                    "check the path given with --config, or pass --no-config".to_string(),
                ),
            };
            vec![
                Diagnostic::error(CODE, message, &SourceFile::new(name.as_str(), ""))
                    .with_help(help),
            ]
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let valid = e.utf8_error().valid_up_to();
            let prefix = String::from_utf8_lossy(e.as_bytes().get(..valid).unwrap_or(&[]));
            let file = SourceFile::new(name.as_str(), prefix.into_owned());
            vec![
                Diagnostic::error(CODE, "annexa.toml is not UTF-8 text", &file)
                    .with_label(Span::new(valid, valid), "the text stops being UTF-8 here")
                    .with_help("TOML files are UTF-8"),
            ]
        })?;
        Config::parse(&name, &dir, &text)
    }

    /// Parses the text of an `annexa.toml` named `name` whose folder is `dir`.
    pub fn parse(name: &str, dir: &Path, text: &str) -> Result<Config, Vec<Diagnostic>> {
        let file = SourceFile::new(name, text);
        let raw: Raw = toml::from_str(text).map_err(|e| vec![toml_error(&file, &e)])?;
        let mut errors = Vec::new();
        let mut config = Config {
            file: file.clone(),
            dir: dir.to_path_buf(),
            policies: paths(dir, raw.policies),
            facts: paths(dir, raw.facts),
            fail_on: None,
            gaps: None,
            format: None,
            waivers: raw.waivers.map(|w| dir.join(w.into_inner())),
            applicability: raw.applicability.map(|a| dir.join(a.into_inner())),
            exclude: Vec::new(),
            packs: None,
            exclude_rules: Vec::new(),
            baseline: raw.baseline.map(|b| dir.join(b.into_inner())),
            params: Vec::new(),
            lint: LintConfig::default(),
            limits: Limits::default(),
            schema: Default::default(),
        };
        if let Some(value) = raw.schema {
            match crate::schema::SchemaConfig::from_toml(dir, value.get_ref()) {
                Ok(schema) => config.schema = schema,
                Err(why) => errors.push(
                    value_error(&file, &value, why)
                        .with_help("`schema = \"strict\"|\"warn\"|\"off\"`, or a `[schema]` table with `check` and `extend` (docs/config.md)"),
                ),
            }
        }
        if let Some(fail_on) = raw.fail_on {
            config.fail_on = Severity::parse(fail_on.get_ref());
            if config.fail_on.is_none() {
                errors.push(
                    value_error(
                        &file,
                        &fail_on,
                        format!("`{}` is not a severity", fail_on.get_ref()),
                    )
                    .with_help("use one of critical, high, medium, low, info"),
                );
            }
        }
        if let Some(gaps) = raw.gaps {
            config.gaps = Gaps::parse(gaps.get_ref());
            if config.gaps.is_none() {
                errors.push(
                    value_error(
                        &file,
                        &gaps,
                        format!("`{}` is not a way to treat evidence gaps", gaps.get_ref()),
                    )
                    .with_help("use `fail` (the default) or `warn`"),
                );
            }
        }
        if let Some(format) = raw.format {
            config.format = Format::by_name(format.get_ref());
            if config.format.is_none() {
                let names: Vec<&str> = Format::ALL.iter().map(|(n, _)| *n).collect();
                errors.push(
                    value_error(
                        &file,
                        &format,
                        format!("`{}` is not a report format", format.get_ref()),
                    )
                    .with_help(format!("use one of {}", names.join(", "))),
                );
            }
        }
        config.exclude = valid_globs(
            &file,
            raw.exclude.unwrap_or_default(),
            "globs use `*` for any text, `**` for any folders, `?` for one character",
            &mut errors,
        );
        if let Some(packs) = raw.packs {
            let known = crate::pack::names();
            let mut chosen = Vec::new();
            for pack in packs {
                let name = pack.get_ref();
                if name == "all" || known.contains(name) {
                    chosen.push(name.clone());
                    continue;
                }
                let near = close_names(name, known.iter().map(String::as_str))
                    .first()
                    .map(|n| format!("did you mean `{n}`? "))
                    .unwrap_or_default();
                errors.push(
                    value_error(&file, &pack, format!("no built-in pack is called `{name}`"))
                        .with_help(format!(
                            "{near}the packs are {} (or `all`)",
                            known.join(", ")
                        )),
                );
            }
            config.packs = Some(chosen);
        }
        config.exclude_rules = valid_globs(
            &file,
            raw.exclude_rules.unwrap_or_default(),
            "rule globs match the full rule id: `ml.data_protection.*`, `*.backups_*`",
            &mut errors,
        );
        for (key, value) in raw.params.unwrap_or_default() {
            let span = Span::new(key.span().start, key.span().end);
            match toml_to_json(value.get_ref()) {
                Ok(json) => config.params.push(ConfigParam {
                    name: key.into_inner(),
                    value: json,
                    span,
                }),
                Err(why) => errors.push(
                    value_error(
                        &file,
                        &value,
                        format!("the param `{}` cannot be used: {why}", key.get_ref()),
                    )
                    .with_help("params take strings, numbers, booleans, arrays and tables"),
                ),
            }
        }
        if let Some(lint) = raw.lint {
            for (names, level) in [
                (lint.allow, Level::Allow),
                (lint.warn, Level::Warn),
                (lint.deny, Level::Deny),
            ] {
                for name in names.unwrap_or_default() {
                    let Some(info) = crate::lint::lookup(name.get_ref()) else {
                        let known = crate::lint::LINTS.iter().map(|l| l.name);
                        let help = match close_names(name.get_ref(), known).first() {
                            Some(near) => format!(
                                "did you mean `{near}`? (`annexa lint --list` lists the lints)"
                            ),
                            None => "`annexa lint --list` lists the lints".to_string(),
                        };
                        errors.push(
                            value_error(
                                &file,
                                &name,
                                format!("no lint is called `{}`", name.get_ref()),
                            )
                            .with_help(help),
                        );
                        continue;
                    };
                    if level == Level::Allow {
                        config.lint.allowed.insert(info.name.to_string());
                    } else {
                        config.lint.levels.insert(info.name.to_string(), level);
                    }
                }
            }
        }
        if let Some(limits) = raw.limits {
            config.limits = Limits {
                fact_depth: positive(&file, "fact-depth", limits.fact_depth, &mut errors),
                fact_file_bytes: positive(
                    &file,
                    "fact-file-bytes",
                    limits.fact_file_bytes,
                    &mut errors,
                ),
                yaml_aliases: positive(&file, "yaml-aliases", limits.yaml_aliases, &mut errors),
                rule_steps: positive(&file, "rule-steps", limits.rule_steps, &mut errors),
                message_length: positive(
                    &file,
                    "message-length",
                    limits.message_length,
                    &mut errors,
                ),
                rule_memory: positive(&file, "rule-memory", limits.rule_memory, &mut errors),
            };
        }
        if errors.is_empty() {
            Ok(config)
        } else {
            Err(errors)
        }
    }

    /// A diagnostic about the `[params]` entry `param` (e.g. it names no declared param).
    pub fn param_error(&self, param: &ConfigParam, message: &str, help: &str) -> Diagnostic {
        Diagnostic::error(CODE, message.to_string(), &self.file)
            .with_label(param.span, "this param")
            .with_help(help.to_string())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Raw {
    policies: Option<Vec<String>>,
    facts: Option<Vec<String>>,
    fail_on: Option<Spanned<String>>,
    gaps: Option<Spanned<String>>,
    format: Option<Spanned<String>>,
    waivers: Option<Spanned<String>>,
    applicability: Option<Spanned<String>>,
    exclude: Option<Vec<Spanned<String>>>,
    packs: Option<Vec<Spanned<String>>>,
    exclude_rules: Option<Vec<Spanned<String>>>,
    baseline: Option<Spanned<String>>,
    params: Option<BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
    lint: Option<RawLint>,
    limits: Option<RawLimits>,
    schema: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLint {
    allow: Option<Vec<Spanned<String>>>,
    warn: Option<Vec<Spanned<String>>>,
    deny: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawLimits {
    fact_depth: Option<Spanned<i64>>,
    fact_file_bytes: Option<Spanned<i64>>,
    yaml_aliases: Option<Spanned<i64>>,
    rule_steps: Option<Spanned<i64>>,
    message_length: Option<Spanned<i64>>,
    rule_memory: Option<Spanned<i64>>,
}

/// Joins each path to the file's folder.
fn paths(dir: &Path, given: Option<Vec<String>>) -> Vec<PathBuf> {
    given
        .unwrap_or_default()
        .into_iter()
        .map(|p| dir.join(p))
        .collect()
}

/// The globs that parse; one diagnostic (with `help`) for each that does not.
fn valid_globs(
    file: &SourceFile,
    globs: Vec<Spanned<String>>,
    help: &str,
    errors: &mut Vec<Diagnostic>,
) -> Vec<String> {
    let mut valid = Vec::new();
    for glob in globs {
        match globset::Glob::new(glob.get_ref()) {
            Ok(_) => valid.push(glob.into_inner()),
            Err(e) => errors.push(
                value_error(
                    file,
                    &glob,
                    format!("`{}` is not a valid glob: {}", glob.get_ref(), e.kind()),
                )
                .with_help(help),
            ),
        }
    }
    valid
}

/// A diagnostic pointing at a value of the file.
fn value_error<T>(file: &SourceFile, value: &Spanned<T>, message: String) -> Diagnostic {
    Diagnostic::error(CODE, message, file)
        .with_label(Span::new(value.span().start, value.span().end), "here")
}

/// A limit: a whole number of at least 1 and at most the key's ceiling.
fn positive<T: TryFrom<i64>>(
    file: &SourceFile,
    key: &str,
    value: Option<Spanned<i64>>,
    errors: &mut Vec<Diagnostic>,
) -> Option<T> {
    let value = value?;
    let n = *value.get_ref();
    let top = ceiling(key);
    if u64::try_from(n).is_ok_and(|n| n > top) {
        errors.push(
            value_error(
                file,
                &value,
                format!("`{key} = {n}` is above the ceiling of {top}"),
            )
            .with_help(format!(
                "annexa cannot honour `{key}` past {top} (see docs/config.md); lower it"
            )),
        );
        return None;
    }
    match T::try_from(n) {
        Ok(v) if n >= 1 => Some(v),
        _ => {
            errors.push(
                value_error(
                    file,
                    &value,
                    format!("the limit `{n}` is not a positive whole number"),
                )
                .with_help(
                    "limits are whole numbers of at least 1; remove the key for the default",
                ),
            );
            None
        }
    }
}

/// Keys the file knows, for "did you mean" (every table).
const KNOWN_KEYS: [&str; 23] = [
    "policies",
    "facts",
    "fail-on",
    "gaps",
    "format",
    "waivers",
    "applicability",
    "exclude",
    "params",
    "lint",
    "limits",
    "allow",
    "warn",
    "deny",
    "fact-depth",
    "fact-file-bytes",
    "yaml-aliases",
    "rule-steps",
    "message-length",
    "schema",
    "check",
    "extend",
    "rule-memory",
];

/// Turns a TOML or serde error into a diagnostic at its span; unknown keys get a suggestion.
fn toml_error(file: &SourceFile, e: &toml::de::Error) -> Diagnostic {
    let span = e
        .span()
        .map_or(Span::new(0, 0), |r| Span::new(r.start, r.end));
    let message = e.message().trim().to_string();
    if let Some(key) = unknown_field(&message) {
        let expected = expected_fields(&message);
        let candidates: Vec<&str> = if expected.is_empty() {
            KNOWN_KEYS.to_vec()
        } else {
            expected.iter().map(String::as_str).collect()
        };
        let alt = key.replace('_', "-");
        let near = if candidates.contains(&alt.as_str()) && alt != key {
            Some(alt.clone())
        } else {
            close_names(&key, candidates.iter().copied())
                .first()
                .map(|s| s.to_string())
        };
        let mut help = match near {
            Some(near) => format!("did you mean `{near}`?"),
            None => String::new(),
        };
        if key == "policy-depth" {
            help = format!(
                "`{key}` cannot be configured in this version (see docs/config.md); remove it"
            );
        }
        if !expected.is_empty() {
            if !help.is_empty() {
                help.push(' ');
            }
            help.push_str(&format!("(the keys here are {})", expected.join(", ")));
        }
        let mut d = Diagnostic::error(
            CODE_UNKNOWN_KEY,
            format!("unknown key `{key}` in annexa.toml"),
            file,
        )
        .with_label(span, "not a key of annexa.toml here");
        if !help.is_empty() {
            d = d.with_help(help);
        }
        return d;
    }
    Diagnostic::error(CODE, format!("annexa.toml: {message}"), file)
        .with_label(span, "here")
        .with_help("the format of annexa.toml is described in docs/config.md")
}

/// The key of serde's "unknown field `x`, expected …" message.
fn unknown_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let end = rest.find('`')?;
    rest.get(..end).map(str::to_string)
}

/// The keys listed in serde's "… expected one of `a`, `b`" (or "expected `a`").
fn expected_fields(message: &str) -> Vec<String> {
    let Some((_, list)) = message.split_once("expected") else {
        return Vec::new();
    };
    list.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// TOML to JSON: dates become their text; NaN and infinities have no JSON form.
fn toml_to_json(value: &toml::Value) -> Result<serde_json::Value, String> {
    Ok(match value {
        toml::Value::String(s) => serde_json::Value::String(s.clone()),
        toml::Value::Integer(i) => serde_json::Value::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(serde_json::Value::Number)
            .ok_or_else(|| format!("`{f}` has no JSON form"))?,
        toml::Value::Boolean(b) => serde_json::Value::Bool(*b),
        toml::Value::Datetime(d) => serde_json::Value::String(d.to_string()),
        toml::Value::Array(items) => serde_json::Value::Array(
            items
                .iter()
                .map(toml_to_json)
                .collect::<Result<Vec<_>, _>>()?,
        ),
        toml::Value::Table(table) => {
            let mut map = serde_json::Map::new();
            for (k, v) in table {
                map.insert(k.clone(), toml_to_json(v)?);
            }
            serde_json::Value::Object(map)
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn errors(text: &str) -> Vec<Diagnostic> {
        match Config::parse("annexa.toml", Path::new(""), text) {
            Ok(_) => panic!("expected errors for {text:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn a_whole_file_parses() {
        let text = r#"
policies = ["policies/"]
facts = ["facts/"]
fail-on = "medium"
gaps = "warn"
format = "json"
waivers = "waivers.yaml"
applicability = "applicability.yaml"
exclude = ["fixtures/**"]
[params]
allowed_regions = ["eu-west-1"]
"crypto.min_rsa_bits" = 3072
[lint]
allow = ["missing_remediation"]
deny = ["unused_let"]
[limits]
fact-depth = 3
fact-file-bytes = 1000
yaml-aliases = 10
rule-steps = 500
"#;
        let c = Config::parse("annexa.toml", Path::new("root"), text).unwrap();
        assert_eq!(c.policies, vec![PathBuf::from("root/policies/")]);
        assert_eq!(c.facts, vec![PathBuf::from("root/facts/")]);
        assert_eq!(c.fail_on, Some(Severity::Medium));
        assert_eq!(c.gaps, Some(Gaps::Warn));
        assert_eq!(c.format, Some(Format::Json));
        assert_eq!(c.waivers, Some(PathBuf::from("root/waivers.yaml")));
        assert_eq!(
            c.applicability,
            Some(PathBuf::from("root/applicability.yaml"))
        );
        assert_eq!(c.exclude, vec!["fixtures/**".to_string()]);
        assert_eq!(c.params.len(), 2);
        assert_eq!(c.params[0].name, "allowed_regions");
        assert_eq!(c.params[1].name, "crypto.min_rsa_bits");
        assert_eq!(c.params[1].value, serde_json::json!(3072));
        assert!(c.lint.allowed.contains("missing_remediation"));
        assert_eq!(c.lint.levels.get("unused_let"), Some(&Level::Deny));
        let load = c.limits.load_options();
        assert_eq!(load.max_depth, 3);
        assert_eq!(load.max_file_bytes, 1000);
        assert_eq!(load.max_alias_expansions, 10);
        assert_eq!(c.limits.rule_steps, Some(500));
    }

    #[test]
    fn gaps_is_fail_or_warn() {
        let e = errors("gaps = \"ignore\"\n");
        assert_eq!(e[0].location(), "annexa.toml:1:8");
        assert!(e[0].help_text().unwrap().contains("`warn`"));
    }

    #[test]
    fn an_empty_file_is_all_defaults() {
        let c = Config::parse("annexa.toml", Path::new(""), "").unwrap();
        assert!(c.policies.is_empty() && c.params.is_empty());
        assert_eq!(c.gaps, None);
        assert_eq!(c.limits.load_options(), LoadOptions::default());
    }

    #[test]
    fn an_unknown_key_names_line_and_suggestion() {
        let e = errors("policies = []\nfail_on = \"high\"\n");
        assert_eq!(e[0].code(), CODE_UNKNOWN_KEY);
        assert_eq!(e[0].location(), "annexa.toml:2:1");
        assert!(
            e[0].help_text()
                .unwrap()
                .contains("did you mean `fail-on`?")
        );
        let e = errors("[limits]\nfact-dept = 3\n");
        assert_eq!(e[0].location(), "annexa.toml:2:1");
        assert!(
            e[0].help_text().unwrap().contains("`fact-depth`"),
            "{:?}",
            e[0].help_text()
        );
        let e = errors("polices = []\n");
        assert!(e[0].help_text().unwrap().contains("`policies`"));
    }

    #[test]
    fn bad_values_point_at_the_value() {
        let e = errors(
            "fail-on = \"severe\"\nformat = \"pdf\"\n[lint]\nallow = [\"unused_lett\"]\n[limits]\nfact-depth = 0\n",
        );
        assert_eq!(e.len(), 4);
        assert_eq!(e[0].location(), "annexa.toml:1:11");
        assert_eq!(e[1].location(), "annexa.toml:2:10");
        assert!(e[2].help_text().unwrap().contains("`unused_let`"));
        assert_eq!(e[3].location(), "annexa.toml:6:14");
        let e = errors("policies = \"policies/\"\n");
        assert_eq!(e[0].code(), CODE);
        assert_eq!(e[0].location(), "annexa.toml:1:12");
        let e = errors("[params]\nx = nan\n");
        assert!(e[0].message().contains("`x`"));
    }

    #[test]
    fn a_syntax_error_has_a_position() {
        let e = errors("policies = [\n");
        assert_eq!(e[0].code(), CODE);
        assert!(e[0].location().starts_with("annexa.toml:"));
    }

    #[test]
    fn find_walks_up() {
        let dir = std::env::temp_dir().join(format!("annexa-config-find-{}", std::process::id()));
        let deep = dir.join("a/b");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(dir.join(FILE_NAME), "").unwrap();
        assert_eq!(find(&deep), Some(dir.join(FILE_NAME)));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
