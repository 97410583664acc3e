//! Host functions: functions an embedding program gives the policies, called by name like a
//! builtin and checked at compile time the same way (unknown name, arity). See
//! `docs/host-functions.md`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use super::ir::Builtin;

/// The body of a host function: the evaluated arguments as JSON, and the value or why not.
pub type HostCall = dyn Fn(&[serde_json::Value]) -> Result<serde_json::Value, String> + Send + Sync;

/// One host function.
#[derive(Clone)]
pub struct HostFunction {
    /// The name policies call it by: a plain identifier (`[a-z_][a-z0-9_]*`, not a keyword).
    pub name: String,
    /// How many arguments it takes; a call with another number is a compile error.
    pub arity: usize,
    /// What it does.
    pub call: Arc<HostCall>,
}

impl HostFunction {
    /// A host function from a closure.
    pub fn new(
        name: impl Into<String>,
        arity: usize,
        call: impl Fn(&[serde_json::Value]) -> Result<serde_json::Value, String> + Send + Sync + 'static,
    ) -> HostFunction {
        HostFunction {
            name: name.into(),
            arity,
            call: Arc::new(call),
        }
    }
}

impl fmt::Debug for HostFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostFunction")
            .field("name", &self.name)
            .field("arity", &self.arity)
            .finish_non_exhaustive()
    }
}

/// The host functions of one compilation, by name.
#[derive(Clone, Default, Debug)]
pub struct HostFunctions {
    // a BTreeMap so that ids, and so every output, do not depend on registration order
    by_name: BTreeMap<String, HostFunction>,
}

impl HostFunctions {
    /// No host functions.
    pub fn new() -> HostFunctions {
        HostFunctions::default()
    }

    /// Registers `f`. Refused, with the reason in a sentence: a name policies could not call
    /// (not an identifier, or a keyword), a builtin's name (builtins are never replaced), a
    /// name already registered.
    pub fn add(&mut self, f: HostFunction) -> Result<(), String> {
        if !is_callable_name(&f.name) {
            return Err(format!(
                "`{}` cannot be a host function's name: policies call functions by a plain identifier (lowercase letters, digits and `_`, not starting with a digit, not a keyword)",
                f.name
            ));
        }
        if Builtin::by_name(&f.name).is_some() {
            return Err(format!(
                "`{}` is the name of a builtin; builtin names are reserved",
                f.name
            ));
        }
        if self.by_name.contains_key(&f.name) {
            return Err(format!(
                "a host function named `{}` is already registered",
                f.name
            ));
        }
        self.by_name.insert(f.name.clone(), f);
        Ok(())
    }

    /// The function called `name`, with its id (its index in [`HostFunctions::list`]).
    pub fn get(&self, name: &str) -> Option<(usize, &HostFunction)> {
        self.by_name
            .iter()
            .enumerate()
            .find(|(_, (n, _))| n.as_str() == name)
            .map(|(i, (_, f))| (i, f))
    }

    /// Every function, by name; a function's position is its id in the compiled program.
    pub fn list(&self) -> Vec<HostFunction> {
        self.by_name.values().cloned().collect()
    }

    /// The names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    /// Whether none is registered.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

/// Whether `name` is an identifier the grammar accepts in a call: asked of the parser itself,
/// so the keyword list is never copied here.
fn is_callable_name(name: &str) -> bool {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !plain {
        return false;
    }
    let file = crate::source::SourceFile::new("<host>", format!("let {name} = 0\n"));
    matches!(
        crate::syntax::parse(&file).map(|m| m.items),
        Ok(items) if matches!(items.as_slice(), [crate::ast::Item::Let(b)] if b.name.name == name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(name: &str) -> HostFunction {
        HostFunction::new(name, 1, |_| Ok(serde_json::Value::Null))
    }

    #[test]
    fn add_refuses_names_policies_could_not_call_builtins_and_duplicates() {
        let mut hosts = HostFunctions::new();
        assert_eq!(hosts.add(f("owner_of")), Ok(()));
        assert_eq!(hosts.add(f("_x2")), Ok(()));
        for bad in [
            "",
            "Owner",
            "2x",
            "corp.owner",
            "owner-of",
            "rule",
            "facts",
            "not",
        ] {
            let err = hosts.add(f(bad)).err().unwrap_or_default();
            assert!(err.contains("plain identifier"), "{bad}: {err}");
        }
        let err = hosts.add(f("count")).err().unwrap_or_default();
        assert!(err.contains("name of a builtin"), "{err}");
        let err = hosts.add(f("owner_of")).err().unwrap_or_default();
        assert!(err.contains("already registered"), "{err}");
        assert_eq!(hosts.names().collect::<Vec<_>>(), ["_x2", "owner_of"]);
    }

    #[test]
    fn ids_follow_names_not_registration_order() {
        let mut a = HostFunctions::new();
        let mut b = HostFunctions::new();
        for n in ["zeta", "alpha"] {
            assert!(a.add(f(n)).is_ok());
        }
        for n in ["alpha", "zeta"] {
            assert!(b.add(f(n)).is_ok());
        }
        assert_eq!(a.get("zeta").map(|(i, _)| i), Some(1));
        assert_eq!(b.get("zeta").map(|(i, _)| i), Some(1));
        assert!(a.get("beta").is_none());
    }
}
