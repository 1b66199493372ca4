use serde::Serialize;

use super::applications::app_ids;
use crate::domain::ids::{ApplicationId, InstanceId, ScopeId};
use crate::domain::resource_server::{self, GrantTarget, NewScope, Scope, ScopeFilter};
use crate::error::Error;
use crate::state::AppState;
use crate::wire::envelope::Empty;
use crate::wire::params::Params;

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScopeView {
    application_id: ApplicationId,
    authorization_type: String,
    instance_id: InstanceId,
    resource_server_scope_id: ScopeId,
    resource_server_scope_name: String,
    resource_server_scope_type: String,
    resource_server_scope_value: String,
}

impl From<Scope> for ScopeView {
    fn from(s: Scope) -> Self {
        Self {
            application_id: s.application_id,
            authorization_type: s.authorization_type,
            instance_id: s.instance_id,
            resource_server_scope_id: s.id,
            resource_server_scope_name: s.name,
            resource_server_scope_type: s.scope_type,
            resource_server_scope_value: s.value,
        }
    }
}

fn scope_ids(p: &Params) -> Result<(InstanceId, ApplicationId, ScopeId), Error> {
    let (i, a) = app_ids(p)?;
    Ok((i, a, p.required("ResourceServerScopeId")?))
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Created {
    resource_server_scope_id: ScopeId,
}

pub async fn create_scope(s: &AppState, p: &Params) -> Result<Created, Error> {
    let (i, a) = app_ids(p)?;
    let new = NewScope {
        authorization_type: p.required("AuthorizationType")?,
        name: p.required("ResourceServerScopeName")?,
        scope_type: p.required("ResourceServerScopeType")?,
        value: p.required("ResourceServerScopeValue")?,
    };
    Ok(Created {
        resource_server_scope_id: resource_server::create_scope(s, &i, &a, new).await?,
    })
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Got {
    resource_server_scope: ScopeView,
}

pub async fn get_scope(s: &AppState, p: &Params) -> Result<Got, Error> {
    let (i, a, id) = scope_ids(p)?;
    Ok(Got {
        resource_server_scope: resource_server::get_scope(s, &i, &a, &id).await?.into(),
    })
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Listed {
    max_results: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
    resource_server_scopes: Vec<ScopeView>,
    total_count: i64,
}

pub async fn list_scopes(s: &AppState, p: &Params) -> Result<Listed, Error> {
    let (i, a) = app_ids(p)?;
    let filter = ScopeFilter {
        authorization_type: p.non_empty("AuthorizationType"),
        ids: p.list("ResourceServerScopeIds")?,
        name: p.non_empty("ResourceServerScopeName"),
        scope_type: p.non_empty("ResourceServerScopeType"),
        value: p.non_empty("ResourceServerScopeValue"),
    };
    let next = p.non_empty("NextToken");
    let (scopes, total, next_token, max_results) = resource_server::list_scopes(
        s,
        &i,
        &a,
        &filter,
        next.as_deref(),
        p.optional("MaxResults")?,
    )
    .await?;
    Ok(Listed {
        max_results,
        next_token,
        resource_server_scopes: scopes.into_iter().map(Into::into).collect(),
        total_count: total,
    })
}

pub async fn update_scope(s: &AppState, p: &Params) -> Result<Empty, Error> {
    let (i, a, id) = scope_ids(p)?;
    let name: String = p.required("ResourceServerScopeName")?;
    resource_server::update_scope(s, &i, &a, &id, name).await?;
    Ok(Empty {})
}

pub async fn delete_scope(s: &AppState, p: &Params) -> Result<Empty, Error> {
    let (i, a, id) = scope_ids(p)?;
    resource_server::delete_scope(s, &i, &a, &id).await?;
    Ok(Empty {})
}

fn grant_parties(p: &Params) -> Result<(InstanceId, ApplicationId, ApplicationId), Error> {
    Ok((
        p.required("InstanceId")?,
        p.required("ClientApplicationId")?,
        p.required("ResourceServerApplicationId")?,
    ))
}

fn scope_list(p: &Params) -> Result<GrantTarget, Error> {
    let ids: Vec<ScopeId> = p.list("ResourceServerScopeIds")?;
    if ids.is_empty() {
        return Err(Error::MissingParameter("ResourceServerScopeIds".into()));
    }
    Ok(GrantTarget::Scopes(ids))
}

pub async fn authorize_server(s: &AppState, p: &Params) -> Result<Empty, Error> {
    let (i, c, r) = grant_parties(p)?;
    resource_server::authorize(s, &i, &c, &r, GrantTarget::WholeServer).await?;
    Ok(Empty {})
}

pub async fn revoke_server(s: &AppState, p: &Params) -> Result<Empty, Error> {
    let (i, c, r) = grant_parties(p)?;
    resource_server::revoke(s, &i, &c, &r, GrantTarget::WholeServer).await?;
    Ok(Empty {})
}

pub async fn authorize_scopes(s: &AppState, p: &Params) -> Result<Empty, Error> {
    let (i, c, r) = grant_parties(p)?;
    resource_server::authorize(s, &i, &c, &r, scope_list(p)?).await?;
    Ok(Empty {})
}

pub async fn revoke_scopes(s: &AppState, p: &Params) -> Result<Empty, Error> {
    let (i, c, r) = grant_parties(p)?;
    resource_server::revoke(s, &i, &c, &r, scope_list(p)?).await?;
    Ok(Empty {})
}
