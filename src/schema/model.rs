//! The fact model as types, read from the JSON Schema (the one source of truth): which fields an
//! object has, what a collection holds. The compiler checks the fact paths of a policy that
//! declares `schema "annexa.ml/v1"` against it; `check` suggests field names from it.

use std::collections::BTreeMap;

use serde_json::Value;

/// Index of an object type in a [`TypeTable`].
pub type TypeId = usize;

/// The type of a value, as far as the schema says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// Not known (computed, or the schema does not say): nothing is checked.
    Any,
    /// A string, number, boolean or null.
    Scalar,
    /// An object type.
    Object(TypeId),
    /// An array whose elements have this type.
    List(Box<Ty>),
}

impl Ty {
    /// The element type when iterating: a list's element, else unknown.
    pub fn element(&self) -> Ty {
        match self {
            Ty::List(t) => (**t).clone(),
            _ => Ty::Any,
        }
    }
}

/// One object type of the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectType {
    /// A display name (`Dataset`, from the collection `datasets`; `Facts` for the root).
    pub name: String,
    /// Declared fields, sorted.
    pub fields: BTreeMap<String, Ty>,
    /// Whether fields beyond `fields` are allowed (a map such as `tags`, or a schema without
    /// `additionalProperties: false`); an open object's unknown keys are not errors.
    pub open: bool,
}

/// Every object type of a model; type 0 is the document root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypeTable {
    types: Vec<ObjectType>,
}

/// The root's type id.
pub const ROOT: TypeId = 0;

impl TypeTable {
    /// Reads the types of a JSON Schema (draft 2020-12 subset: `type`, `properties`, `items`,
    /// `additionalProperties`, local `$ref`s into `$defs`; anything else is [`Ty::Any`]).
    pub fn from_schema(schema: &Value) -> TypeTable {
        let mut table = TypeTable { types: Vec::new() };
        let mut builder = Builder {
            root: schema,
            table: &mut table,
            defs: BTreeMap::new(),
            depth: 0,
        };
        builder.ty(schema, "Facts");
        table
    }

    /// The object type `id`.
    pub fn object(&self, id: TypeId) -> Option<&ObjectType> {
        self.types.get(id)
    }

    /// The root type.
    pub fn root(&self) -> Ty {
        if self.types.is_empty() {
            Ty::Any
        } else {
            Ty::Object(ROOT)
        }
    }

    /// The type of field `key` of `ty`: `Ok(Any)` where nothing is known, `Err(id)` when `ty` is
    /// the closed object type `id` and has no such field.
    pub fn field(&self, ty: &Ty, key: &str) -> Result<Ty, TypeId> {
        let Ty::Object(id) = ty else {
            return Ok(Ty::Any);
        };
        let Some(object) = self.object(*id) else {
            return Ok(Ty::Any);
        };
        match object.fields.get(key) {
            Some(t) => Ok(t.clone()),
            None if object.open => Ok(Ty::Any),
            None => Err(*id),
        }
    }

    /// The object type a JSON Pointer into a fact document lands in, if the model knows it.
    pub fn at_pointer(&self, pointer: &str) -> Option<&ObjectType> {
        let mut ty = self.root();
        for raw in pointer.split('/').skip(1) {
            let key = raw.replace("~1", "/").replace("~0", "~");
            ty = match &ty {
                Ty::List(t) if key.parse::<usize>().is_ok() => (**t).clone(),
                _ => self.field(&ty, &key).ok()?,
            };
        }
        match ty {
            Ty::Object(id) => self.object(id),
            _ => None,
        }
    }
}

/// Deep-merges a JSON Schema fragment into `base`: objects merge key by key (so `properties`
/// gain fields), anything else in the fragment replaces what was there.
pub fn merge(base: &mut Value, fragment: &Value) {
    match (base, fragment) {
        (Value::Object(b), Value::Object(f)) => {
            for (k, v) in f {
                match b.get_mut(k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, f) => *b = f.clone(),
    }
}

/// Beyond this nesting the schema is treated as unknown (a malformed or recursive schema).
const MAX_DEPTH: usize = 64;

struct Builder<'s, 't> {
    root: &'s Value,
    table: &'t mut TypeTable,
    /// `$ref` target → object type, so a shared definition is one type.
    defs: BTreeMap<String, Ty>,
    depth: usize,
}

impl Builder<'_, '_> {
    fn ty(&mut self, schema: &Value, name: &str) -> Ty {
        if self.depth > MAX_DEPTH {
            return Ty::Any;
        }
        self.depth += 1;
        let ty = self.ty_inner(schema, name);
        self.depth -= 1;
        ty
    }

    fn ty_inner(&mut self, schema: &Value, name: &str) -> Ty {
        if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
            if let Some(t) = self.defs.get(target) {
                return t.clone();
            }
            let Some(def) = target.strip_prefix('#').and_then(|p| self.root.pointer(p)) else {
                return Ty::Any;
            };
            let def_name = camel(target.rsplit('/').next().unwrap_or(name));
            // a recursive reference reads as unknown while its definition is being read
            self.defs.insert(target.to_string(), Ty::Any);
            let t = self.ty(def, &def_name);
            self.defs.insert(target.to_string(), t.clone());
            return t;
        }
        let kinds: Vec<&str> = match schema.get("type") {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let is_object =
            kinds.contains(&"object") || (kinds.is_empty() && schema.get("properties").is_some());
        let is_array = kinds.contains(&"array");
        let only_scalars = !kinds.is_empty()
            && kinds
                .iter()
                .all(|k| matches!(*k, "string" | "number" | "integer" | "boolean" | "null"));
        if is_object && !is_array {
            self.object(schema, name)
        } else if is_array && !is_object {
            let element = singular(name);
            match schema.get("items") {
                Some(items) => Ty::List(Box::new(self.ty(items, &element))),
                None => Ty::List(Box::new(Ty::Any)),
            }
        } else if only_scalars {
            Ty::Scalar
        } else {
            Ty::Any
        }
    }

    fn object(&mut self, schema: &Value, name: &str) -> Ty {
        let id = self.table.types.len();
        self.table.types.push(ObjectType {
            name: name.to_string(),
            fields: BTreeMap::new(),
            open: true,
        });
        let mut fields = BTreeMap::new();
        if let Some(Value::Object(props)) = schema.get("properties") {
            for (key, sub) in props {
                let t = self.ty(sub, &camel(key));
                fields.insert(key.clone(), t);
            }
        }
        let open = !matches!(schema.get("additionalProperties"), Some(Value::Bool(false)));
        if let Some(object) = self.table.types.get_mut(id) {
            object.fields = fields;
            object.open = open;
        }
        Ty::Object(id)
    }
}

/// `cloud_services` → `CloudServices`.
fn camel(key: &str) -> String {
    key.split(['_', '-'])
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

/// The element name of a collection: `Datasets` → `Dataset`, `Policies` → `Policy`.
fn singular(name: &str) -> String {
    if let Some(stem) = name.strip_suffix("ies") {
        format!("{stem}y")
    } else if name.ends_with("ss") {
        name.to_string()
    } else if let Some(stem) = name.strip_suffix('s') {
        stem.to_string()
    } else {
        format!("{name}Item")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn table() -> TypeTable {
        TypeTable::from_schema(&json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "datasets": {"type": "array", "items": {
                    "type": "object", "additionalProperties": false,
                    "properties": {
                        "name": {"type": "string"},
                        "tags": {"type": "object", "additionalProperties": {"type": "string"}},
                        "access": {"type": "array", "items": {"$ref": "#/$defs/grant"}}
                    }
                }},
                "cloud_services": {"type": "array", "items": {"type": "object"}}
            },
            "$defs": {"grant": {"type": "object", "additionalProperties": false,
                                "properties": {"principal": {"type": "string"}}}}
        }))
    }

    #[test]
    fn collections_name_their_elements_and_refs_their_definitions() {
        let t = table();
        let datasets = t.field(&t.root(), "datasets").unwrap();
        let dataset = datasets.element();
        let Ty::Object(id) = dataset else {
            panic!("{dataset:?}")
        };
        assert_eq!(t.object(id).unwrap().name, "Dataset");
        let grant = t.field(&dataset, "access").unwrap().element();
        let Ty::Object(g) = grant else {
            panic!("{grant:?}")
        };
        assert_eq!(t.object(g).unwrap().name, "Grant");
        assert_eq!(t.field(&grant, "principal"), Ok(Ty::Scalar));
        assert_eq!(t.field(&grant, "princpal"), Err(g));
        let services = t.field(&t.root(), "cloud_services").unwrap().element();
        let Ty::Object(s) = services else {
            panic!("{services:?}")
        };
        assert_eq!(t.object(s).unwrap().name, "CloudService");
    }

    #[test]
    fn closed_objects_refuse_unknown_fields_and_maps_do_not() {
        let t = table();
        assert_eq!(t.field(&t.root(), "datsets"), Err(ROOT));
        let dataset = t.field(&t.root(), "datasets").unwrap().element();
        let tags = t.field(&dataset, "tags").unwrap();
        assert_eq!(t.field(&tags, "anything"), Ok(Ty::Any));
        // an object without `additionalProperties: false` is open
        let services = t.field(&t.root(), "cloud_services").unwrap().element();
        assert_eq!(t.field(&services, "whatever"), Ok(Ty::Any));
    }

    #[test]
    fn pointers_land_in_their_object_type() {
        let t = table();
        assert_eq!(
            t.at_pointer("/datasets/3").map(|o| o.name.as_str()),
            Some("Dataset")
        );
        assert_eq!(t.at_pointer("").map(|o| o.name.as_str()), Some("Facts"));
        assert_eq!(t.at_pointer("/nope/1"), None);
    }

    #[test]
    fn a_fragment_adds_fields_without_dropping_any() {
        let mut base =
            json!({"properties": {"a": {"type": "string"}}, "additionalProperties": false});
        merge(&mut base, &json!({"properties": {"b": {"type": "number"}}}));
        assert_eq!(
            base,
            json!({"properties": {"a": {"type": "string"}, "b": {"type": "number"}}, "additionalProperties": false})
        );
    }
}
