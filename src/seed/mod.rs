//! Declarative seed files (API.md §9). See `docs/seeding.md`.

use std::path::Path;

use crate::clock::SharedClock;
use crate::config::Settings;
use crate::error::Error;

pub async fn apply_file(
    _settings: &Settings,
    file: &Path,
    _clock: SharedClock,
) -> Result<String, Error> {
    Err(Error::internal(format!(
        "seeding is not implemented yet ({})",
        file.display()
    )))
}

pub async fn export(
    _settings: &Settings,
    _with_secrets: bool,
    _clock: SharedClock,
) -> Result<String, Error> {
    Err(Error::internal("seed export is not implemented yet"))
}
