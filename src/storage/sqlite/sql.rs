//! A statement with its bound values, built piece by piece (filters of the list operations),
//! run on a rusqlite read connection.

use rusqlite::types::Value;
use rusqlite::{Connection, Row, params_from_iter};

use crate::error::Error;

#[derive(Debug, Default)]
pub struct Sql {
    text: String,
    args: Vec<Value>,
}

impl Sql {
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            args: Vec::new(),
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// A `?` in the text, bound to `value`.
    pub fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.text.push('?');
        self.args.push(value.into());
        self
    }

    /// ` AND column IN (?, ?, …)`; nothing for an empty list.
    pub fn and_in(&mut self, column: &str, values: &[String]) -> &mut Self {
        if values.is_empty() {
            return self;
        }
        self.push(" AND ").push(column).push(" IN (");
        for (n, v) in values.iter().enumerate() {
            if n > 0 {
                self.push(", ");
            }
            self.bind(v.clone());
        }
        self.push(")")
    }

    /// ` AND column = ?` when a value is given.
    pub fn and_eq(&mut self, column: &str, value: &Option<String>) -> &mut Self {
        match value {
            Some(v) => self.push(" AND ").push(column).push(" = ").bind(v.clone()),
            None => self,
        }
    }

    /// ` AND column starts with ?`, where `%`, `_` and `\` are ordinary characters and case
    /// matters (`substr`, not `LIKE`).
    pub fn and_prefix(&mut self, column: &str, prefix: &Option<String>) -> &mut Self {
        match prefix {
            Some(p) => self
                .push(" AND substr(")
                .push(column)
                .push(", 1, length(")
                .bind(p.clone())
                .push(")) = ")
                .bind(p.clone()),
            None => self,
        }
    }

    pub fn rows<T>(
        &self,
        conn: &Connection,
        map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, Error> {
        let mut stmt = conn.prepare_cached(&self.text)?;
        let rows = stmt.query_map(params_from_iter(self.args.iter()), map)?;
        Ok(rows.collect::<Result<Vec<T>, _>>()?)
    }

    pub fn scalar<T: rusqlite::types::FromSql>(&self, conn: &Connection) -> Result<T, Error> {
        let mut stmt = conn.prepare_cached(&self.text)?;
        Ok(stmt.query_row(params_from_iter(self.args.iter()), |r| r.get(0))?)
    }
}

/// At most one row of a fixed statement.
pub fn optional<T>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    map: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Option<T>, Error> {
    use rusqlite::OptionalExtension;
    let mut stmt = conn.prepare_cached(sql)?;
    Ok(stmt.query_row(params, map).optional()?)
}

/// Every row of a fixed statement.
pub fn all<T>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, Error> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params, map)?;
    Ok(rows.collect::<Result<Vec<T>, _>>()?)
}
