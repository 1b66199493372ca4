//! EIAM instances.

use crate::clock::Millis;
use crate::domain::ids::InstanceId;
use crate::domain::paging::Page;
use crate::error::{Error, Resource};
use crate::state::AppState;

pub const MAX_DESCRIPTION: usize = 128;
pub const MAX_CLIENT_TOKEN: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    pub id: InstanceId,
    pub description: String,
    pub status: String,
    pub created_at: Millis,
    pub updated_at: Millis,
}

#[derive(Debug, Clone, Default)]
pub struct InstanceFilter {
    pub ids: Vec<String>,
    pub status: Option<String>,
    /// Local instances are never service-managed and never replicated; a filter asking for
    /// that simply matches nothing.
    pub matches_nothing: bool,
}

pub fn check_description(d: &str) -> Result<(), Error> {
    let n = d.chars().count();
    if n > MAX_DESCRIPTION {
        return Err(Error::invalid(
            "Description",
            format!("Description must be at most {MAX_DESCRIPTION} characters; got {n}."),
        ));
    }
    Ok(())
}

pub async fn create(
    s: &AppState,
    description: String,
    client_token: Option<String>,
) -> Result<InstanceId, Error> {
    check_description(&description)?;
    if let Some(t) = &client_token {
        let n = t.chars().count();
        if n > MAX_CLIENT_TOKEN {
            return Err(Error::invalid(
                "ClientToken",
                format!("ClientToken must be at most {MAX_CLIENT_TOKEN} characters; got {n}."),
            ));
        }
    }
    let now = s.clock.now_ms();
    let instance = Instance {
        id: InstanceId::generate(),
        description,
        status: "running".into(),
        created_at: now,
        updated_at: now,
    };
    s.store
        .create_instance(&instance, client_token.as_deref().filter(|t| !t.is_empty()))
        .await
}

pub async fn get(s: &AppState, id: &InstanceId) -> Result<Instance, Error> {
    s.store
        .get_instance(id)
        .await?
        .ok_or_else(|| Error::not_found(Resource::Instance, id.as_str()))
}

pub async fn list(
    s: &AppState,
    filter: &InstanceFilter,
    page: Page,
) -> Result<(Vec<Instance>, i64), Error> {
    if filter.matches_nothing {
        return Ok((Vec::new(), 0));
    }
    s.store.list_instances(filter, page).await
}

pub async fn delete(s: &AppState, id: &InstanceId) -> Result<(), Error> {
    if s.store.delete_instance(id).await? {
        s.signing_keys.forget_instance(id);
        Ok(())
    } else {
        Err(Error::not_found(Resource::Instance, id.as_str()))
    }
}

pub async fn update_description(
    s: &AppState,
    id: &InstanceId,
    description: String,
) -> Result<(), Error> {
    check_description(&description)?;
    let now = s.clock.now_ms();
    if s.store
        .update_instance_description(id, &description, now)
        .await?
    {
        Ok(())
    } else {
        Err(Error::not_found(Resource::Instance, id.as_str()))
    }
}
