//! Parameter decoding (API.md §2): `application/x-www-form-urlencoded` pairs from the query
//! string and the form body, `+` as space, strict percent-decoding and UTF-8, and the SDKs'
//! flattening of lists (`Name.N`, 1-based) and objects (`A.B`), which nest.

use std::collections::BTreeMap;

use crate::domain::application::MAX_LIST;
use crate::domain::ids::{ApplicationId, IdShapeError, InstanceId, ScopeId, SecretId};
use crate::error::Error;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    values: BTreeMap<String, String>,
}

/// Decode one `application/x-www-form-urlencoded` component, refusing what a lenient decoder
/// would silently repair (a stray `%`, bytes that are not UTF-8).
pub fn decode_component(raw: &[u8]) -> Result<String, &'static str> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = raw.get(i + 1).and_then(|b| (*b as char).to_digit(16));
                let lo = raw.get(i + 2).and_then(|b| (*b as char).to_digit(16));
                match (hi, lo) {
                    (Some(h), Some(l)) => out.push((h * 16 + l) as u8),
                    _ => return Err("has a '%' that is not followed by two hex digits"),
                }
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| "is not valid UTF-8 after percent-decoding")
}

/// Where a parameter came from: in messages, and as the code's name when the parameter's own
/// name cannot be told (`InvalidParameter.QueryString`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Query,
    Form,
}

impl Source {
    pub fn code(self) -> &'static str {
        match self {
            Source::Query => "QueryString",
            Source::Form => "FormBody",
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Source::Query => "query string",
            Source::Form => "form body",
        })
    }
}

impl Params {
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            values: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// Add the pairs of a query string or form body. A name given twice is an error, not a
    /// silent choice between the two values.
    pub fn add_encoded(&mut self, encoded: &[u8], source: Source) -> Result<(), Error> {
        for pair in encoded.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
            let (raw_name, raw_value) = match pair.iter().position(|b| *b == b'=') {
                Some(eq) => (&pair[..eq], &pair[eq + 1..]),
                None => (pair, &b""[..]),
            };
            let name = decode_component(raw_name).map_err(|why| {
                Error::invalid(
                    source.code(),
                    format!("A parameter name in the {source} {why}."),
                )
            })?;
            if name.is_empty() {
                continue;
            }
            // Names reach error codes and log lines: no line breaks or other controls.
            if name.chars().any(char::is_control) {
                return Err(Error::invalid(
                    source.code(),
                    format!("A parameter name in the {source} contains a control character."),
                ));
            }
            let value = decode_component(raw_value).map_err(|why| {
                Error::invalid(name.clone(), format!("The value of {name} {why}."))
            })?;
            // SQLite's text functions stop at a NUL, and no field of the API can hold one.
            if value.contains('\0') {
                return Err(Error::invalid(
                    top(&name),
                    format!("The value of {name} contains a NUL character (%00)."),
                ));
            }
            if self.values.contains_key(&name) {
                return Err(Error::invalid(
                    name.clone(),
                    format!("The parameter {name} is given more than once."),
                ));
            }
            self.values.insert(name, value);
        }
        Ok(())
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }

    pub fn raw(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Present and non-empty.
    pub fn required<T: FromParam>(&self, name: &str) -> Result<T, Error> {
        match self.raw(name) {
            Some(v) if !v.is_empty() => T::from_param(name, v),
            _ => Err(Error::MissingParameter(name.to_owned())),
        }
    }

    /// Absent → `None`. An empty value is a value for strings and absent for other types.
    pub fn optional<T: FromParam>(&self, name: &str) -> Result<Option<T>, Error> {
        match self.raw(name) {
            None => Ok(None),
            Some("") if !T::EMPTY_IS_VALUE => Ok(None),
            Some(v) => T::from_param(name, v).map(Some),
        }
    }

    /// A non-empty optional string: empty and absent both mean "not given".
    pub fn non_empty(&self, name: &str) -> Option<String> {
        self.raw(name).filter(|v| !v.is_empty()).map(str::to_owned)
    }

    /// Indices `N` of `<name>.N…` keys, in numeric order.
    fn indices(&self, name: &str) -> Result<Vec<u32>, Error> {
        let prefix = format!("{name}.");
        let mut indices = Vec::new();
        for key in self.values.range(prefix.clone()..) {
            let Some(rest) = key.0.strip_prefix(&prefix) else {
                break;
            };
            let digits = rest.split('.').next().unwrap_or("");
            let plain = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
            let n: u32 = match digits.parse() {
                Ok(n) if plain && n >= 1 && !digits.starts_with('0') => n,
                _ => {
                    return Err(Error::invalid(
                        name,
                        format!(
                            "{} is not a list element: {name}.N needs N = 1, 2, …",
                            key.0
                        ),
                    ));
                }
            };
            indices.push(n);
        }
        indices.sort_unstable();
        indices.dedup();
        if indices.len() > MAX_LIST {
            return Err(Error::invalid(
                name,
                format!(
                    "{name} has {} elements; at most {MAX_LIST} are allowed.",
                    indices.len()
                ),
            ));
        }
        Ok(indices)
    }

    /// `Name.1`, `Name.2`, … in index order (gaps allowed). Also accepts `Name` holding a
    /// JSON array, as some SDKs send lists.
    pub fn list<T: FromParam>(&self, name: &str) -> Result<Vec<T>, Error> {
        let element = |i: u32| format!("{name}.{i}");
        let mut out: Vec<T> = Vec::new();
        for i in self.indices(name)? {
            let key = element(i);
            let v = self.raw(&key).ok_or_else(|| {
                Error::invalid(name, format!("{key} must be a plain value, not an object."))
            })?;
            out.push(T::from_param(&key, v)?);
        }
        if let Some(json) = self.raw(name).filter(|v| v.trim_start().starts_with('[')) {
            if !out.is_empty() {
                return Err(Error::invalid(
                    name,
                    format!("{name} is given both as a JSON array and as {name}.N."),
                ));
            }
            let items: Vec<String> = serde_json::from_str(json).map_err(|_| {
                Error::invalid(name, format!("{name} must be a JSON array of strings."))
            })?;
            if items.len() > MAX_LIST {
                return Err(Error::invalid(
                    name,
                    format!(
                        "{name} has {} elements; at most {MAX_LIST} are allowed.",
                        items.len()
                    ),
                ));
            }
            for v in items {
                out.push(T::from_param(name, &v)?);
            }
        }
        Ok(out)
    }

    /// `Name.N.Field` groups, in index order, each as its own [`Params`] of `Field` → value.
    pub fn objects(&self, name: &str) -> Result<Vec<Params>, Error> {
        let mut out = Vec::new();
        for i in self.indices(name)? {
            let prefix = format!("{name}.{i}.");
            let fields: Vec<(String, String)> = self
                .values
                .range(prefix.clone()..)
                .take_while(|(k, _)| k.starts_with(&prefix))
                .map(|(k, v)| (k[prefix.len()..].to_owned(), v.clone()))
                .collect();
            if fields.is_empty() {
                return Err(Error::invalid(
                    name,
                    format!("{name}.{i} must be an object ({name}.{i}.<Field>=…)."),
                ));
            }
            out.push(Params::from_pairs(fields));
        }
        Ok(out)
    }

    /// `Name.Field…` as its own [`Params`], if any such key is present.
    pub fn object(&self, name: &str) -> Option<Params> {
        let prefix = format!("{name}.");
        let fields: Vec<(String, String)> = self
            .values
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, v)| (k[prefix.len()..].to_owned(), v.clone()))
            .collect();
        (!fields.is_empty()).then(|| Params::from_pairs(fields))
    }
}

/// A parameter type: how to read it from its text, and which error a bad value gives.
pub trait FromParam: Sized {
    /// Whether `Name=` (empty) is a value of this type rather than "not given".
    const EMPTY_IS_VALUE: bool = false;
    fn from_param(name: &str, raw: &str) -> Result<Self, Error>;
}

/// The error code names the top-level parameter (`InvalidParameter.CustomFields` for
/// `CustomFields.2.FieldName`), the message the full path.
fn top(name: &str) -> &str {
    name.split('.').next().unwrap_or(name)
}

impl FromParam for String {
    const EMPTY_IS_VALUE: bool = true;
    fn from_param(_: &str, raw: &str) -> Result<Self, Error> {
        Ok(raw.to_owned())
    }
}

impl FromParam for i64 {
    fn from_param(name: &str, raw: &str) -> Result<Self, Error> {
        let plain = raw.strip_prefix('-').unwrap_or(raw);
        if plain.is_empty() || !plain.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid(
                top(name),
                format!("{name} must be a plain decimal integer; got {raw:?}."),
            ));
        }
        raw.parse()
            .map_err(|_| Error::invalid(top(name), format!("{name} is out of range: {raw}.")))
    }
}

impl FromParam for bool {
    fn from_param(name: &str, raw: &str) -> Result<Self, Error> {
        if raw.eq_ignore_ascii_case("true") {
            Ok(true)
        } else if raw.eq_ignore_ascii_case("false") {
            Ok(false)
        } else {
            Err(Error::invalid(
                top(name),
                format!("{name} must be true or false; got {raw:?}."),
            ))
        }
    }
}

macro_rules! id_param {
    ($t:ty) => {
        impl FromParam for $t {
            fn from_param(name: &str, raw: &str) -> Result<Self, Error> {
                <$t>::parse(raw).map_err(|e: IdShapeError| {
                    Error::invalid(top(name), format!("{name} {e}; got {raw:?}."))
                })
            }
        }
    };
}

id_param!(InstanceId);
id_param!(ApplicationId);
id_param!(SecretId);
id_param!(ScopeId);

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(q: &str) -> Result<Params, Error> {
        let mut p = Params::default();
        p.add_encoded(q.as_bytes(), Source::Query)?;
        Ok(p)
    }

    #[test]
    fn plus_is_space_and_percent_is_decoded() {
        let p = parse("ApplicationName=My+App+%28%E6%B5%8B%E8%AF%95%29+%26+more%2A~&Description=a+b%2Bc%2Fd%3Fe%3Df").unwrap();
        assert_eq!(p.raw("ApplicationName"), Some("My App (测试) & more*~"));
        assert_eq!(p.raw("Description"), Some("a b+c/d?e=f"));
    }

    #[test]
    fn node_style_encoding_decodes_the_same() {
        let p = parse("ApplicationIds.1=app_1&ApplicationIds.2=app%202*~").unwrap();
        assert_eq!(
            p.list::<String>("ApplicationIds").unwrap(),
            vec!["app_1", "app 2*~"]
        );
    }

    #[test]
    fn bad_percent_and_bad_utf8_are_errors() {
        let e = parse("ApplicationName=%zz").unwrap_err();
        assert_eq!(e.code(), "InvalidParameter.ApplicationName");
        let e = parse("ApplicationName=%E6%B5").unwrap_err();
        assert!(e.to_string().contains("UTF-8"), "{e}");
        let e = parse("Bad%FFName=1").unwrap_err();
        assert_eq!(e.status().as_u16(), 400);
        assert!(parse("A=%").is_err());
        assert!(parse("A=%4").is_err());
    }

    #[test]
    fn duplicates_are_rejected() {
        assert!(parse("A=1&A=2").is_err());
    }

    #[test]
    fn lists_order_numerically_and_nest() {
        let p = parse("L.10=j&L.2=b&L.1=a&O.1.FieldName=k1&O.1.FieldValue=v1&O.2.FieldName=k2&Owner.UserIds.2=u2&Owner.UserIds.1=u1").unwrap();
        assert_eq!(p.list::<String>("L").unwrap(), vec!["a", "b", "j"]);
        let objs = p.objects("O").unwrap();
        assert_eq!(objs.len(), 2);
        assert_eq!(objs[0].raw("FieldValue"), Some("v1"));
        assert_eq!(objs[1].raw("FieldValue"), None);
        let owner = p.object("Owner").unwrap();
        assert_eq!(owner.list::<String>("UserIds").unwrap(), vec!["u1", "u2"]);
        assert!(p.object("Nobody").is_none());
    }

    #[test]
    fn bad_list_indices() {
        assert!(parse("L.0=a").unwrap().list::<String>("L").is_err());
        assert!(parse("L.x=a").unwrap().list::<String>("L").is_err());
        assert!(parse("L.01=a").unwrap().list::<String>("L").is_err());
        let many: String = (1..=101).map(|i| format!("L.{i}=x&")).collect();
        assert!(parse(&many).unwrap().list::<String>("L").is_err());
    }

    #[test]
    fn json_array_lists() {
        let p = parse("L=%5B%22a%22%2C%22b%22%5D").unwrap();
        assert_eq!(p.list::<String>("L").unwrap(), vec!["a", "b"]);
    }

    #[test]
    fn booleans_in_any_case_and_integers_plain() {
        let p = parse("A=True&B=FALSE&C=yes&N=123&M=1e3&K=-5&Z=").unwrap();
        assert_eq!(p.optional::<bool>("A").unwrap(), Some(true));
        assert_eq!(p.optional::<bool>("B").unwrap(), Some(false));
        assert_eq!(
            p.optional::<bool>("C").unwrap_err().code(),
            "InvalidParameter.C"
        );
        assert_eq!(p.optional::<i64>("N").unwrap(), Some(123));
        assert!(p.optional::<i64>("M").is_err());
        assert_eq!(p.optional::<i64>("K").unwrap(), Some(-5));
        assert_eq!(p.optional::<i64>("Z").unwrap(), None);
        assert_eq!(p.optional::<String>("Z").unwrap(), Some(String::new()));
        assert!(
            parse("N=99999999999999999999")
                .unwrap()
                .optional::<i64>("N")
                .is_err()
        );
    }

    #[test]
    fn required_means_present_and_non_empty() {
        let p = parse("InstanceId=&Other=x").unwrap();
        assert_eq!(
            p.required::<String>("InstanceId").unwrap_err().code(),
            "MissingParameter.InstanceId"
        );
        assert_eq!(
            p.required::<String>("Absent").unwrap_err().code(),
            "MissingParameter.Absent"
        );
    }

    #[test]
    fn ids_are_parsed() {
        let p =
            parse("InstanceId=idaas_ue2jvisn35ea5lmthk267xxxxx&ApplicationId=app_missing").unwrap();
        assert!(p.required::<InstanceId>("InstanceId").is_ok());
        assert_eq!(
            p.required::<ApplicationId>("ApplicationId")
                .unwrap_err()
                .code(),
            "InvalidParameter.ApplicationId"
        );
    }
}
