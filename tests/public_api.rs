//! The public API, listed in `tests/public-api.txt`: every item an embedder can name, with
//! its signature. A change to the API changes the list, so it is a visible decision in review.
//! `ANNEXA_BLESS=1 cargo test --test public_api` rewrites the list.
//!
//! The list is read from the source with `syn`: `src/lib.rs` (its `pub use`s and root items)
//! and every file of `src/api/` (the facade's types, their public fields, variants and
//! methods, and the traits they implement). `annexa::unstable` is hidden and promises
//! nothing, so only its existence is listed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers"
)]

use std::path::Path;

use syn::{ImplItem, Item, Visibility};

fn is_pub(vis: &Visibility) -> bool {
    matches!(vis, Visibility::Public(_))
}

/// Attributes that are part of an API (derives, `non_exhaustive`, `must_use`), not docs.
fn api_attrs(attrs: &[syn::Attribute]) -> Vec<syn::Attribute> {
    attrs
        .iter()
        .filter(|a| {
            let path = a.path();
            path.is_ident("derive") || path.is_ident("non_exhaustive") || path.is_ident("must_use")
        })
        .cloned()
        .collect()
}

fn empty_block() -> syn::Block {
    syn::parse_quote!({})
}

/// The name of the type an impl block is for (`Engine` of `impl<'a> Foo for Engine`).
fn self_type(i: &syn::ItemImpl) -> Option<String> {
    match &*i.self_ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// The public types declared in a file.
fn public_types(file: &syn::File) -> Vec<String> {
    file.items
        .iter()
        .filter_map(|item| match item {
            Item::Struct(s) if is_pub(&s.vis) => Some(s.ident.to_string()),
            Item::Enum(e) if is_pub(&e.vis) => Some(e.ident.to_string()),
            _ => None,
        })
        .collect()
}

/// The public surface of one file, as items with empty bodies; impls of private types are
/// not API (`public` names the public types of the facade).
fn surface(file: &syn::File, root: bool, public: &[String]) -> Vec<Item> {
    let mut out = Vec::new();
    for item in &file.items {
        match item {
            Item::Use(u) if is_pub(&u.vis) => {
                let mut u = u.clone();
                u.attrs = Vec::new();
                out.push(Item::Use(u));
            }
            Item::Fn(f) if is_pub(&f.vis) => {
                let mut f = f.clone();
                f.attrs = api_attrs(&f.attrs);
                f.block = Box::new(empty_block());
                out.push(Item::Fn(f));
            }
            Item::Struct(s) if is_pub(&s.vis) => {
                let mut s = s.clone();
                s.attrs = api_attrs(&s.attrs);
                // private fields are not API; a tuple struct of private fields shows as `(..)`
                match &mut s.fields {
                    syn::Fields::Named(named) => {
                        named.named = named
                            .named
                            .iter()
                            .filter(|f| is_pub(&f.vis))
                            .cloned()
                            .map(|mut f| {
                                f.attrs = Vec::new();
                                f
                            })
                            .collect();
                    }
                    syn::Fields::Unnamed(unnamed) => {
                        unnamed.unnamed = unnamed
                            .unnamed
                            .iter()
                            .filter(|f| is_pub(&f.vis))
                            .cloned()
                            .collect();
                    }
                    syn::Fields::Unit => {}
                }
                out.push(Item::Struct(s));
            }
            Item::Enum(e) if is_pub(&e.vis) => {
                let mut e = e.clone();
                e.attrs = api_attrs(&e.attrs);
                for v in &mut e.variants {
                    v.attrs = Vec::new();
                }
                out.push(Item::Enum(e));
            }
            Item::Type(t) if is_pub(&t.vis) => {
                let mut t = t.clone();
                t.attrs = Vec::new();
                out.push(Item::Type(t));
            }
            Item::Impl(i) if self_type(i).is_some_and(|t| public.contains(&t)) => {
                let mut i = i.clone();
                i.attrs = Vec::new();
                let is_trait = i.trait_.is_some();
                i.items = i
                    .items
                    .into_iter()
                    .filter_map(|it| match it {
                        ImplItem::Fn(mut f) if is_trait || is_pub(&f.vis) => {
                            f.attrs = Vec::new();
                            f.block = empty_block();
                            // a trait impl's methods are the trait's: the impl line says it all
                            (!is_trait).then_some(ImplItem::Fn(f))
                        }
                        _ => None,
                    })
                    .collect();
                if is_trait || !i.items.is_empty() {
                    out.push(Item::Impl(i));
                }
            }
            Item::Mod(m) if is_pub(&m.vis) && root => {
                // `unstable` is listed by name only: it promises nothing
                let mut m = m.clone();
                m.attrs = Vec::new();
                m.content = None;
                m.semi = Some(Default::default());
                out.push(Item::Mod(m));
            }
            _ => {}
        }
    }
    out
}

fn parse(path: &Path) -> syn::File {
    syn::parse_file(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn render(path: &Path, root: bool, public: &[String]) -> String {
    let file = parse(path);
    let items = surface(&file, root, public);
    if items.is_empty() {
        return String::new();
    }
    let listed = syn::File {
        shebang: None,
        attrs: Vec::new(),
        items,
    };
    format!("// {}\n{}", path.display(), prettyplease::unparse(&listed))
}

fn listing() -> String {
    let mut files: Vec<_> = std::fs::read_dir("src/api")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    let mut out = String::from(
        "# The public API of the annexa crate (generated by tests/public_api.rs; do not edit).\n\n",
    );
    let public: Vec<String> = files.iter().flat_map(|f| public_types(&parse(f))).collect();
    out.push_str(&render(Path::new("src/lib.rs"), true, &public));
    for f in files {
        let part = render(&f, false, &public);
        if !part.is_empty() {
            out.push('\n');
            out.push_str(&part);
        }
    }
    out
}

#[test]
fn the_public_api_is_the_checked_in_list() {
    // read relative to the crate root
    std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")).unwrap();
    let now = listing();
    let file = Path::new("tests/public-api.txt");
    if std::env::var_os("ANNEXA_BLESS").is_some() {
        std::fs::write(file, &now).unwrap();
        return;
    }
    let before = std::fs::read_to_string(file).unwrap_or_default();
    if before != now {
        let diff = similar::TextDiff::from_lines(&before, &now);
        panic!(
            "the public API changed; if that is intended, run ANNEXA_BLESS=1 cargo test --test public_api and commit tests/public-api.txt\n{}",
            diff.unified_diff().header("tests/public-api.txt", "now")
        );
    }
}

#[test]
fn the_facade_types_are_send_and_sync() {
    fn shared<T: Send + Sync>() {}
    shared::<annexa::Engine>();
    shared::<annexa::Report>();
    shared::<annexa::Error>();
    shared::<annexa::Facts>();
    shared::<annexa::Cancel>();
}
