//! Black-box tests: the real server on a random port with its own temporary SQLite file,
//! spoken to over HTTP. One test binary for all of them (faster to link).

mod helpers;

mod applications;
mod client_secrets;
mod deployment;
mod errors;
mod instances;
mod m2m;
mod oauth;
mod schema_docs;
mod seed;
mod storage;
