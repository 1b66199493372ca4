//! One function per action: read the typed parameters, call the domain, shape the response
//! exactly as FIELDS.md names it. No business rules here.

pub mod applications;
pub mod client_secrets;
pub mod instances;
pub mod m2m;
