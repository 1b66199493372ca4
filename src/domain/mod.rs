//! The product's rules, independent of the wire format and of SQL: what an instance, an
//! application, a client secret and a resource-server scope are, and what each operation may do.

pub mod application;
pub mod client_secret;
pub mod ids;
pub mod instance;
pub mod last_used;
pub mod paging;
pub mod resource_server;
pub mod secret;

use std::fmt;

/// The `enabled` / `disabled` switch that many fields of the API share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Toggle {
    Enabled,
    Disabled,
}

impl Toggle {
    pub fn as_str(self) -> &'static str {
        match self {
            Toggle::Enabled => "enabled",
            Toggle::Disabled => "disabled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "enabled" => Some(Toggle::Enabled),
            "disabled" => Some(Toggle::Disabled),
            _ => None,
        }
    }

    pub fn from_bool(on: bool) -> Self {
        if on {
            Toggle::Enabled
        } else {
            Toggle::Disabled
        }
    }

    pub fn is_enabled(self) -> bool {
        self == Toggle::Enabled
    }
}

impl fmt::Display for Toggle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Toggle {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
