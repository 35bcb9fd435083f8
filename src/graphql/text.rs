//! Text inputs hold printable text: no control characters but newline and tab, wherever they come
//! from (a literal in the document, a variable, an APQ document). PostgreSQL cannot store a NUL
//! at all, SQLite stores it and every later reader trips on it, and no one types the others.
//! Every request passes through here once, before execution (`extension::Documents`).
use crate::error::AppError;
use async_graphql::parser::types::{Directive, ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Positioned, Value, Variables};
use std::convert::Infallible;

/// Whether `c` may appear in a text input.
fn allowed(c: char) -> bool {
    c == '\n' || c == '\t' || !c.is_control()
}

fn refused(field: String) -> AppError {
    AppError::bad_input(
        field,
        "文本中含有不允许的控制字符",
        "The text contains a control character; only newline and tab are allowed",
    )
}

/// BAD_USER_INPUT naming `field` if `s` holds a control character other than newline and tab.
pub fn check(field: &str, s: &str) -> Result<(), AppError> {
    if s.chars().all(allowed) {
        Ok(())
    } else {
        Err(refused(field.to_owned()))
    }
}

/// A document's text (the whitespace GraphQL allows: tab, newline, carriage return) and every
/// string literal in it, escapes such as `\u0000` decoded.
pub fn check_document(query: &str, doc: &ExecutableDocument) -> Result<(), AppError> {
    if !query.chars().all(|c| c == '\r' || allowed(c)) {
        return Err(refused("query".into()));
    }
    for (_, op) in doc.operations.iter() {
        for var in &op.node.variable_definitions {
            if let Some(default) = &var.node.default_value {
                let name = var.node.name.node.as_str();
                check_const(name, &default.node)?;
            }
        }
        check_directives(&op.node.directives)?;
        check_selection(&op.node.selection_set)?;
    }
    for fragment in doc.fragments.values() {
        check_directives(&fragment.node.directives)?;
        check_selection(&fragment.node.selection_set)?;
    }
    Ok(())
}

fn check_selection(set: &Positioned<SelectionSet>) -> Result<(), AppError> {
    for item in &set.node.items {
        match &item.node {
            Selection::Field(f) => {
                for (name, value) in &f.node.arguments {
                    // Variables inside a literal are checked as variables.
                    let literal = value
                        .node
                        .clone()
                        .into_const_with(|_| Ok::<_, Infallible>(Value::Null));
                    check_const(name.node.as_str(), &literal.unwrap_or_default())?;
                }
                check_directives(&f.node.directives)?;
                check_selection(&f.node.selection_set)?;
            }
            Selection::FragmentSpread(s) => check_directives(&s.node.directives)?,
            Selection::InlineFragment(i) => {
                check_directives(&i.node.directives)?;
                check_selection(&i.node.selection_set)?;
            }
        }
    }
    Ok(())
}

fn check_directives(directives: &[Positioned<Directive>]) -> Result<(), AppError> {
    for d in directives {
        for (name, value) in &d.node.arguments {
            // Variables inside a literal are checked as variables.
            let literal = value
                .node
                .clone()
                .into_const_with(|_| Ok::<_, Infallible>(Value::Null));
            check_const(name.node.as_str(), &literal.unwrap_or_default())?;
        }
    }
    Ok(())
}

/// The request's variables, each string named by its path (`input.description`).
pub fn check_variables(variables: &Variables) -> Result<(), AppError> {
    for (name, value) in variables.iter() {
        check_const(name.as_str(), value)?;
    }
    Ok(())
}

fn check_const(path: &str, value: &Value) -> Result<(), AppError> {
    match value {
        Value::String(s) => check(path, s),
        Value::List(items) => items.iter().try_for_each(|v| check_const(path, v)),
        Value::Object(fields) => fields
            .iter()
            .try_for_each(|(k, v)| check_const(&format!("{path}.{k}"), v)),
        _ => Ok(()),
    }
}
