//! `seed export`: the database as a seed file, in the same format `apply` reads. Ids are
//! written out, so applying the export elsewhere reproduces the same objects; secret values
//! only with `--with-secrets` (opened from their sealed copies).

use serde::Serialize;

use crate::clock::to_rfc3339;
use crate::domain::application::ApplicationFilter;
use crate::domain::instance::InstanceFilter;
use crate::domain::paging::{MAX_PAGE_SIZE, Page};
use crate::domain::resource_server::{MAX_MAX_RESULTS, ScopeFilter};
use crate::error::Error;
use crate::state::AppState;

#[derive(Serialize)]
struct File {
    instances: Vec<Inst>,
}

#[derive(Serialize)]
struct Inst {
    id: String,
    description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    applications: Vec<App>,
}

#[derive(Serialize)]
struct App {
    name: String,
    id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    description: String,
    sso_type: &'static str,
    status: &'static str,
    m2m_client: bool,
    identity_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_server: Option<Server>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    grants: Vec<Grant>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    secrets: Vec<Secret>,
}

#[derive(Serialize)]
struct Server {
    identifier: String,
    enabled: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    scopes: Vec<ScopeOut>,
}

#[derive(Serialize)]
struct ScopeOut {
    value: String,
    id: String,
    name: String,
    authorization_type: String,
}

#[derive(Serialize)]
struct Grant {
    resource_server: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    all: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scopes: Option<Vec<String>>,
}

#[derive(Serialize)]
struct Secret {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    expiration: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expired: Option<bool>,
}

pub async fn export_state(s: &AppState, with_secrets: bool) -> Result<String, Error> {
    let now = s.clock.now_ms();
    let mut instances = Vec::new();
    let mut page = 1;
    loop {
        let (batch, _) = s
            .store
            .list_instances(
                &InstanceFilter::default(),
                Page::new(Some(page), Some(MAX_PAGE_SIZE))?,
            )
            .await?;
        if batch.is_empty() {
            break;
        }
        instances.extend(batch);
        page += 1;
    }

    let mut out = File {
        instances: Vec::new(),
    };
    for inst in instances {
        let mut apps = Vec::new();
        let mut page = 1;
        loop {
            let (batch, _) = s
                .store
                .list_applications(
                    &inst.id,
                    &ApplicationFilter::default(),
                    Page::new(Some(page), Some(MAX_PAGE_SIZE))?,
                )
                .await?;
            if batch.is_empty() {
                break;
            }
            apps.extend(batch);
            page += 1;
        }
        let grants = s.store.list_grants(&inst.id).await?;
        let mut scope_values = std::collections::HashMap::new();
        let mut app_out = Vec::new();
        for app in &apps {
            let mut scopes = Vec::new();
            let mut after = None;
            loop {
                let (batch, _) = s
                    .store
                    .list_scopes(
                        &inst.id,
                        &app.id,
                        &ScopeFilter::default(),
                        after.clone(),
                        MAX_MAX_RESULTS,
                    )
                    .await?;
                let Some(last) = batch.last() else { break };
                after = Some((last.created_at, last.id.clone()));
                scopes.extend(batch);
            }
            for sc in &scopes {
                scope_values.insert(sc.id.clone(), sc.value.clone());
            }
            let resource_server =
                app.resource_server_identifier
                    .as_ref()
                    .map(|identifier| Server {
                        identifier: identifier.clone(),
                        enabled: app.resource_server_status.is_enabled(),
                        scopes: scopes
                            .iter()
                            .map(|sc| ScopeOut {
                                value: sc.value.clone(),
                                id: sc.id.to_string(),
                                name: sc.name.clone(),
                                authorization_type: sc.authorization_type.clone(),
                            })
                            .collect(),
                    });
            let mut secrets = Vec::new();
            for secret in s.store.list_client_secrets(&inst.id, &app.id).await? {
                let value = match (&secret.sealed, with_secrets) {
                    (Some(sealed), true) => Some(
                        s.sealer
                            .open_secret(sealed, &secret.id)?
                            .expose()
                            .to_owned(),
                    ),
                    _ => None,
                };
                let expired = secret.expires_at.is_some_and(|e| e <= now);
                secrets.push(Secret {
                    id: secret.id.to_string(),
                    value,
                    status: secret.status.as_str(),
                    expiration: secret.expires_at.map(to_rfc3339),
                    expired: expired.then_some(true),
                });
            }
            app_out.push(App {
                name: app.name.clone(),
                id: app.id.to_string(),
                description: app.description.clone(),
                sso_type: app.sso_type.as_str(),
                status: app.status.as_str(),
                m2m_client: app.m2m_client_status.is_enabled(),
                identity_type: app.identity_type.clone(),
                resource_server,
                grants: Vec::new(),
                secrets,
            });
        }
        // Grants name their resource server by identifier when it has one, else by id.
        for g in grants {
            let server_ref = apps
                .iter()
                .find(|a| a.id == g.server)
                .and_then(|a| a.resource_server_identifier.clone())
                .unwrap_or_else(|| g.server.to_string());
            let Some(client) = app_out.iter_mut().find(|a| a.id == g.client.as_str()) else {
                continue;
            };
            match g.scope {
                None => client.grants.push(Grant {
                    resource_server: server_ref,
                    all: Some(true),
                    scopes: None,
                }),
                Some(scope) => {
                    let value = scope_values
                        .get(&scope)
                        .cloned()
                        .unwrap_or_else(|| scope.to_string());
                    match client
                        .grants
                        .iter_mut()
                        .find(|x| x.resource_server == server_ref && x.scopes.is_some())
                    {
                        Some(existing) => existing.scopes.get_or_insert_with(Vec::new).push(value),
                        None => client.grants.push(Grant {
                            resource_server: server_ref,
                            all: None,
                            scopes: Some(vec![value]),
                        }),
                    }
                }
            }
        }
        out.instances.push(Inst {
            id: inst.id.to_string(),
            description: inst.description,
            applications: app_out,
        });
    }
    let body = toml::to_string_pretty(&out).map_err(Error::internal)?;
    Ok(format!(
        "# eiam-local seed export{}. Apply with: eiam-local seed apply FILE\n\n{body}",
        if with_secrets {
            " (with secret values: keep this file private)"
        } else {
            ""
        }
    ))
}
