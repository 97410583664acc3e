//! The YAML forms real files lean on: merge keys (`<<`, as Kubernetes, Compose, GitLab and Helm
//! read them) and CloudFormation's short-form tags (read as their JSON long forms).

use std::sync::Arc;

use saphyr_parser::Marker;

use super::{Failure, Frame, Loader, MERGE_HELP, MERGE_VALUE, MapRole, Place, pos};
use crate::facts::{KeyId, NO_PARENT, NodeId, Slot};

impl Loader<'_> {
    /// Whether the next value belongs to a merge key (its mapping, or an element of its list).
    pub(super) fn merge_target(&self) -> bool {
        matches!(
            self.doc.as_ref().and_then(|d| d.stack.last()),
            Some(
                Frame::Map {
                    merge_pending: true,
                    ..
                } | Frame::MergeList { .. }
            )
        )
    }

    /// Records an aliased mapping as merged into the mapping being built.
    pub(super) fn add_merge_source(
        &mut self,
        source: NodeId,
        mark: Marker,
    ) -> Result<bool, Failure> {
        let Some(doc) = self.doc.as_mut() else {
            return Ok(true);
        };
        let is_map = matches!(
            doc.builder.node(source).map(crate::facts::Node::slot),
            Some(Slot::Object(_))
        );
        if !is_map {
            return Err(Failure::Syntax(MERGE_VALUE, mark, MERGE_HELP));
        }
        match doc.stack.last_mut() {
            Some(Frame::Map {
                merge_pending,
                merges,
                ..
            }) => {
                *merge_pending = false;
                merges.push(source);
            }
            Some(Frame::MergeList { sources }) => sources.push(source),
            _ => {}
        }
        Ok(true)
    }

    /// Opens the collection value of a merge key: a list of mappings, or an inline mapping
    /// (built beside the tree, then merged).
    pub(super) fn open_merge_value(
        &mut self,
        is_seq: bool,
        anchor: usize,
        mark: Marker,
    ) -> Result<bool, Failure> {
        let depth = self.doc.as_ref().map_or(0, |d| d.stack.len());
        if depth >= self.opts.max_depth {
            return Err(Failure::TooDeep(mark));
        }
        let Some(doc) = self.doc.as_mut() else {
            return Ok(true);
        };
        let parent = match doc.stack.last_mut() {
            Some(Frame::Map {
                id, merge_pending, ..
            }) => {
                *merge_pending = false;
                *id
            }
            Some(Frame::MergeList { .. }) if !is_seq => NO_PARENT,
            _ => return Err(Failure::Syntax(MERGE_VALUE, mark, MERGE_HELP)),
        };
        if is_seq {
            doc.stack.push(Frame::MergeList {
                sources: Vec::new(),
            });
            return Ok(true);
        }
        let id = doc.builder.push(Slot::Null, parent, pos(mark));
        if doc.builder.overflowed() {
            return Err(Failure::TooManyNodes);
        }
        let object = doc.builder.open_object();
        doc.stack
            .push(Frame::map(id, object, anchor, None, MapRole::MergeSource));
        Ok(true)
    }

    /// A CloudFormation short form on a scalar: `!Ref X` is `{"Ref": "X"}`, `!GetAtt A.B` is
    /// `{"Fn::GetAtt": ["A", "B"]}`. A mapping member whose value is `!Ref AWS::NoValue` is left
    /// out, as CloudFormation does.
    pub(super) fn cfn_scalar(
        &mut self,
        function: &'static str,
        value: &str,
        written: &str,
        anchor: usize,
        mark: Marker,
    ) -> Result<bool, Failure> {
        let in_map = matches!(
            self.doc.as_ref().and_then(|d| d.stack.last()),
            Some(Frame::Map { key: Some(_), .. })
        );
        if function == "Ref" && value == "AWS::NoValue" && in_map && anchor == 0 {
            // consume the pending key: the member is absent
            let _ = self.place(mark);
            return Ok(true);
        }
        let split = (function == "Fn::GetAtt")
            .then(|| value.split_once('.'))
            .flatten();
        self.open_wrapper(function, Some(written), anchor, mark)?;
        let at = pos(mark);
        let place = self.place(mark);
        match split {
            Some((resource, attribute)) => {
                if place.depth >= self.opts.max_depth {
                    return Err(Failure::TooDeep(mark));
                }
                let list = self.attach(Slot::Null, place)?;
                let Some(doc) = self.doc.as_mut() else {
                    return Ok(true);
                };
                let items = doc.builder.open_array();
                for part in [resource, attribute] {
                    let text = doc.builder.string(part);
                    let id = doc.builder.push(text, list, at);
                    doc.builder.add_item(id);
                }
                doc.builder.close_array(list, items);
            }
            None => {
                let Some(doc) = self.doc.as_mut() else {
                    return Ok(true);
                };
                let text = doc.builder.string(value);
                self.attach(text, place)?;
            }
        }
        self.close_wrapper();
        Ok(true)
    }

    /// Opens the one-member object a CloudFormation tag stands for; its member's key is
    /// pending, so the tagged value becomes that member.
    pub(super) fn open_wrapper(
        &mut self,
        function: &'static str,
        written: Option<&str>,
        anchor: usize,
        mark: Marker,
    ) -> Result<(), Failure> {
        let place = self.place(mark);
        if place.depth >= self.opts.max_depth {
            return Err(Failure::TooDeep(mark));
        }
        let id = self.attach(Slot::Null, place)?;
        let Some(doc) = self.doc.as_mut() else {
            return Ok(());
        };
        if let Some(written) = written {
            doc.builder.set_tag(id, Arc::from(written));
        }
        let key = doc.builder.key(function);
        let object = doc.builder.open_object();
        let key = Some((key, pos(mark), mark, Some(1)));
        doc.stack
            .push(Frame::map(id, object, anchor, key, MapRole::Wrapper));
        Ok(())
    }

    /// Closes the innermost frame if it is a CloudFormation wrapper whose member is complete.
    pub(super) fn close_wrapper(&mut self) {
        let Some(doc) = self.doc.as_mut() else {
            return;
        };
        if !matches!(
            doc.stack.last(),
            Some(Frame::Map {
                role: MapRole::Wrapper,
                key: None,
                ..
            })
        ) {
            return;
        }
        if let Some(Frame::Map {
            id, object, anchor, ..
        }) = doc.stack.pop()
        {
            doc.builder.close_object(id, object);
            self.anchor(anchor, id);
        }
    }

    /// Copies the members of the mappings merged into the innermost mapping that it does not
    /// set itself (explicit keys win, then earlier mappings over later ones), each copy keeping
    /// the position of the text it came from. Copies count against the alias limit.
    pub(super) fn apply_merges(&mut self, mark: Marker) -> Result<(), Failure> {
        let Some(doc) = self.doc.as_mut() else {
            return Ok(());
        };
        let (id, sources) = match doc.stack.last_mut() {
            Some(Frame::Map { id, merges, .. }) if !merges.is_empty() => {
                (*id, std::mem::take(merges))
            }
            _ => return Ok(()),
        };
        for source in sources {
            let Some(doc) = self.doc.as_mut() else {
                return Ok(());
            };
            let members: Vec<(KeyId, NodeId)> =
                match doc.builder.node(source).map(crate::facts::Node::slot) {
                    Some(Slot::Object(object)) => doc.builder.members(&object).collect(),
                    _ => continue,
                };
            for (key, child) in members {
                let Some(doc) = self.doc.as_mut() else {
                    return Ok(());
                };
                let present = match doc.stack.last() {
                    Some(Frame::Map { object, .. }) => doc.builder.has_member(object, key),
                    _ => return Ok(()),
                };
                if present {
                    // a member looked at counts too, or `<<: [*a, *a, …]` would be free
                    self.count(mark, self.opts.max_alias_expansions)?;
                    continue;
                }
                let at = doc.builder.node(child).map_or(0, |n| n.at as usize);
                let place = Place {
                    parent: id,
                    pos: at,
                    key: Some((key, at, mark, Some(1))),
                    depth: doc.stack.len(),
                };
                self.copy(child, place, mark)?;
            }
        }
        Ok(())
    }
}
